package io.nestedvirt.operator.pool;

/** The pool's condition types. Each reconcile step owns one; Ready is derived from the rest. */
public final class ConditionType {
  /** kstatus: the pool is what its spec asks for. */
  public static final String READY = "Ready";

  /** kstatus "abnormal-true": the operator is still working toward the spec. */
  public static final String RECONCILING = "Reconciling";

  /** kstatus "abnormal-true": the operator cannot make progress without the user. */
  public static final String STALLED = "Stalled";

  /**
   * The spec is usable. The CRD's schema refuses bad specs at the API server; this catches what
   * gets past it (an API server without schema validation, or an old CRD).
   */
  public static final String SPEC_VALID = "SpecValid";

  /** Every listed instance type exists and can run nested virtualization. */
  public static final String INSTANCE_TYPES_VALID = "InstanceTypesValid";

  /** Subnets, security groups and image resolve to real resources. */
  public static final String LAUNCH_CONFIG_VALID = "LaunchConfigValid";

  /**
   * No verified node is unhealthy (Node not Ready, instance stopped, agent verdict stale); when one
   * is, the reason says whether repair replaces it (Unhealthy), may not (RepairBlocked) or is off
   * (RepairDisabled).
   */
  public static final String NODES_HEALTHY = "NodesHealthy";

  /**
   * Every serving node matches the pool (none drifted or expired); when not, the reason says
   * whether they are being replaced (Rolling) or what holds the rollout (WindowClosed,
   * DisruptionBlocked).
   */
  public static final String NODES_UP_TO_DATE = "NodesUpToDate";

  /** The pool has as many instances as it asks for. */
  public static final String SCALED = "Scaled";

  /**
   * Autoscaled pools only: every pending pod that fits the pool is served (by a node on its way or
   * one to launch); False with reason MaxReplicasReached when some wait for room beyond
   * maxReplicas.
   */
  public static final String DEMAND_SERVED = "DemandServed";

  /**
   * Pools that buy Spot only: False (reason SpotRefused) while EC2's refusal of nested
   * virtualization on Spot holds for one of the pool's types (an hour after it came); the message
   * says whether the pool falls back to on-demand ({@code spot-then-on-demand}) or cannot launch
   * those types ({@code spot}).
   */
  public static final String SPOT_ACCEPTED = "SpotAccepted";

  private ConditionType() {}
}
