package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.conditions.Names;

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

  /**
   * The machine's phase as its status says; none yet is Launching, and one only a newer operator
   * version knows counts as still starting.
   */
  public static InstancePhase of(NestedVirtInstance m) {
    return m.getStatus() == null || m.getStatus().phase == null
        ? Launching
        : Names.parse(InstancePhase.class, m.getStatus().phase).orElse(Launching);
  }
}
