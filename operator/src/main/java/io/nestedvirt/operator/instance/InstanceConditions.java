package io.nestedvirt.operator.instance;

import java.util.List;

/**
 * A machine's condition types. Each lifecycle step owns one (Launch: Launched, Registration:
 * Registered, Verification: Verified, Health: Healthy, Drain: Draining and Drained, Termination:
 * VolumesDetached); Ready is derived from them and from liveness.
 */
public final class InstanceConditions {
  /** EC2 launched the instance (True), refused it (False), or may have (Unknown: retrying). */
  public static final String LAUNCHED = "Launched";

  /** A Node whose providerID names the instance registered and is bound to the machine. */
  public static final String REGISTERED = "Registered";

  /** The node agent proved that KVM works on the node; its startup taint is gone. */
  public static final String VERIFIED = "Verified";

  /**
   * A verified machine still serves: its Node Ready, its instance running, its agent's verdict
   * renewed. False (with the time it turned False) is what the pool's repair counts from.
   */
  public static final String HEALTHY = "Healthy";

  /**
   * The pool would launch this machine differently now (True, with what differs: instance type,
   * launch settings, image); the pool replaces it within its disruption budget.
   */
  public static final String DRIFTED = "Drifted";

  /**
   * EC2 warned that it takes the instance away (True: a Spot interruption, a stopping instance, a
   * scheduled change), or only that it might (False: a rebalance recommendation). Absent while EC2
   * warned of nothing.
   */
  public static final String INTERRUPTED = "Interrupted";

  /** Launched, registered, verified and the node Ready: workloads can land. */
  public static final String READY = "Ready";

  /** The machine is leaving: its node is cordoned and its pods are being evicted. */
  public static final String DRAINING = "Draining";

  /** Every pod that had to leave the node has left. */
  public static final String DRAINED = "Drained";

  /**
   * After its instance is terminated, no VolumeAttachment names the node any more (False while the
   * machine waits for that before it deletes the Node).
   */
  public static final String VOLUMES_DETACHED = "VolumesDetached";

  static final List<String> ORDER =
      List.of(
          READY,
          LAUNCHED,
          REGISTERED,
          VERIFIED,
          HEALTHY,
          DRIFTED,
          INTERRUPTED,
          DRAINING,
          DRAINED,
          VOLUMES_DETACHED);

  private InstanceConditions() {}
}
