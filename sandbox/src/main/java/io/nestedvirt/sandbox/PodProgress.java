package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.Optional;

/** One line per pod that says where it stands: bound to a node, or why it waits. */
final class PodProgress {
  private PodProgress() {}

  static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  static boolean isBound(Pod pod) {
    return pod.getSpec() != null
        && pod.getSpec().getNodeName() != null
        && !pod.getSpec().getNodeName().isEmpty();
  }

  static String line(Pod pod) {
    String state =
        isBound(pod)
            ? "bound to " + pod.getSpec().getNodeName()
            : scheduled(pod)
                .map(c -> c.getReason() + ": " + c.getMessage())
                .orElse("waiting for the scheduler");
    return String.format("pod %-24s %s", key(pod), state);
  }

  private static Optional<PodCondition> scheduled(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
        .findFirst();
  }
}
