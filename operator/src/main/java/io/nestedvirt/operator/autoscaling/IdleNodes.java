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
 * Since when each node has run nothing but DaemonSet and mirror pods. The autoscaler looks every
 * refresh period, and the pod informer reports every workload pod bound to a node, added, changed
 * or deleted, in between: a pod that came and went between two looks still restarts the node's idle
 * time. Kept in memory: after a restart every node's idle time starts again, which delays a
 * scale-down by at most {@code scaleDownAfter} and never removes a node early. Thread-safe.
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
    return pods.stream().allMatch(p -> !DoNotDisrupt.holds(p) && !isWorkload(p, now));
  }

  /**
   * A pod a drain would evict (not a DaemonSet, mirror or finished pod): it keeps its node busy.
   */
  static boolean isWorkload(Pod pod, Instant now) {
    return DrainPlanner.decide(pod, false, true, now).action() != DrainPlanner.Action.SKIP;
  }

  /** A workload pod was on the node just now: its idle time starts again at the next look. */
  synchronized void busy(String node) {
    emptySince.remove(node);
  }

  /** Records what the node runs now; returns how long it has been empty (zero if it is not). */
  synchronized Duration observe(String node, boolean empty, Instant now) {
    if (!empty) {
      emptySince.remove(node);
      return Duration.ZERO;
    }
    return Duration.between(emptySince.computeIfAbsent(node, n -> now), now);
  }

  /** Forgets nodes that are not observed any more (gone, or no longer in an autoscaled pool). */
  synchronized void retainOnly(Set<String> nodes) {
    emptySince.keySet().retainAll(nodes);
  }
}
