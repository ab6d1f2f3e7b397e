package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.instance.InstanceConditions;
import io.nestedvirt.operator.instance.InstancePhase;
import java.util.Comparator;
import java.util.List;

/**
 * Which scale-down victims a pool takes back when it needs machines again (replicas raised, or a
 * machine lost), before it launches new ones. Pure.
 *
 * <p>Only a victim whose drain has evicted nothing is taken back: its node lost no pod, so
 * uncordoning it undoes the scale-down entirely, and a healthy node is kept instead of a new one
 * launched. A drain that has evicted pods has already disrupted the workloads; it goes on, and the
 * pool launches a successor.
 */
final class ScaleDownCancel {
  private ScaleDownCancel() {}

  /**
   * @param desired the spec's replicas
   * @param serving how many machines count toward the pool now
   * @param victims machines marked for scale-down and not being deleted
   * @return the victims to take back, at most {@code desired - serving}, those that have served
   *     longest first (then by name, so the choice is stable)
   */
  static List<NestedVirtInstance> choose(
      int desired, int serving, List<NestedVirtInstance> victims) {
    int missing = desired - serving;
    if (missing <= 0) {
      return List.of();
    }
    return victims.stream()
        .filter(ScaleDownCancel::cancellable)
        .sorted(Comparator.comparing(ScalePlanner::age).thenComparing(NestedVirtInstance::name))
        .limit(missing)
        .toList();
  }

  /** A victim that is still whole: not deleted, not Failed, and no pod evicted from its node. */
  static boolean cancellable(NestedVirtInstance m) {
    if (m.isDeleting() || ScalePlanner.phase(m) == InstancePhase.Failed) {
      return false;
    }
    Integer evicted = m.getStatus() == null ? null : m.getStatus().evictedPods;
    return evicted == null || evicted == 0;
  }

  /**
   * Victims whose drain has not started because their node came to carry {@code
   * nestedvirt.io/do-not-disrupt} after the pool chose them (their Draining condition says
   * DoNotDisrupt): taken back whatever the count, so the pool chooses another node.
   */
  static List<NestedVirtInstance> heldByDoNotDisrupt(List<NestedVirtInstance> victims) {
    return victims.stream()
        .filter(ScaleDownCancel::cancellable)
        .filter(
            m ->
                MachineConditions.withReason(m, InstanceConditions.DRAINING, "DoNotDisrupt")
                    .filter(c -> "False".equals(c.status))
                    .isPresent())
        .toList();
  }
}
