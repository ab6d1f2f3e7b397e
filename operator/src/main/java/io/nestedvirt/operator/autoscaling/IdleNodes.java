package io.nestedvirt.operator.autoscaling;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
