package io.nestedvirt.operator.instance;

/** Where one instance of a pool stands, as status reports it. */
public enum InstancePhase {
  /** EC2 has not started it yet. */
  Launching,
  /** Running, no Node registered yet. */
  Joining,
  /**
   * Registered but not serving: the startup taint stays until the node agent proves KVM works; or
   * verified once and unhealthy now (see the machine's Healthy condition) until it recovers or the
   * pool's repair replaces it.
   */
  Verifying,
  /** Verified and Ready: workloads can land here. */
  Ready,
  /** Being removed: cordoned, its pods being evicted. */
  Draining,
  /** EC2 is shutting it down. */
  Terminating,
  /** Cannot serve; it is replaced. */
  Failed;

  /** Counts toward the pool's size (Failed and leaving instances are replaced). */
  public boolean countsTowardReplicas() {
    return this == Launching || this == Joining || this == Verifying || this == Ready;
  }
}
