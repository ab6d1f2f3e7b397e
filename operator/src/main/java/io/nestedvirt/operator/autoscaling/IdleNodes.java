package io.nestedvirt.operator.autoscaling;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.node.DoNotDisrupt;
import io.nestedvirt.operator.node.drain.DrainPlanner;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Since when each node has run nothing but DaemonSet and mirror pods, as the autoscaler observed
 * it. Kept in memory: after a restart every node's idle time starts again, which delays a
 * scale-down by at most {@code scaleDownAfter} and never removes a node early. Used from the
 * autoscaler's thread only.
 */
final class IdleNodes {
  private final Map<String, Instant> emptySince = new HashMap<>();

  /**
   * Whether the node runs nothing a drain would evict (only DaemonSet, mirror and finished pods:
   * one definition with the drain's) and no VM, and nothing holds it with {@link DoNotDisrupt} (a
   * held node stays, as for any scale-down).
   *
   * @param node the Node, null when the cache does not show it (then only its pods can hold it)
   */
  static boolean runsNothing(Node node, List<Pod> pods, List<Vm> vms, Instant now) {
    if (!vms.isEmpty() || node != null && DoNotDisrupt.holds(node)) {
      return false;
    }
    return pods.stream()
        .allMatch(
            p ->
                !DoNotDisrupt.holds(p)
                    && DrainPlanner.decide(p, false, true, now).action()
                        == DrainPlanner.Action.SKIP);
  }

  /** Records what the node runs now; returns how long it has been empty (zero if it is not). */
  Duration observe(String node, boolean empty, Instant now) {
    if (!empty) {
      emptySince.remove(node);
      return Duration.ZERO;
    }
    return Duration.between(emptySince.computeIfAbsent(node, n -> now), now);
  }

  /** Forgets nodes that are not observed any more (gone, or no longer in an autoscaled pool). */
  void retainOnly(Set<String> nodes) {
    emptySince.keySet().retainAll(nodes);
  }
}
