package io.nestedvirt.operator.instance;

/** Where one instance of a pool stands, as status reports it. */
public enum InstancePhase {
  /** EC2 has not started it yet. */
  Launching,
  /** Running, no Node registered yet. */
  Joining,
  /** Registered; the startup taint stays until the node agent proves KVM works. */
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
