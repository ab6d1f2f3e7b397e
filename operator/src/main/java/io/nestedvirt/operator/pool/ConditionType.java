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

  /** The pool has as many instances as it asks for. */
  public static final String SCALED = "Scaled";

  private ConditionType() {}
}
