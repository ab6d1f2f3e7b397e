package io.nestedvirt.operator.node.drain;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which PodDisruptionBudgets cover a pod, to name them when an eviction is refused. Pure.
 *
 * <p>The API server's 429 for an eviction does not survive fabric8's {@code evict()}, which answers
 * only false; the budgets are found again here, the way the API server finds them: same namespace,
 * selector matches the pod's labels (policy/v1: a null selector matches nothing, an empty one every
 * pod).
 */
public final class DisruptionBudgets {
  private DisruptionBudgets() {}

  /** The names of the budgets in {@code budgets} that cover {@code pod}, in the order given. */
  public static List<String> covering(Pod pod, List<PodDisruptionBudget> budgets) {
    String namespace = pod.getMetadata().getNamespace();
    Map<String, String> labels =
        Objects.requireNonNullElse(pod.getMetadata().getLabels(), Map.of());
    return budgets.stream()
        .filter(b -> Objects.equals(namespace, b.getMetadata().getNamespace()))
        .filter(b -> b.getSpec() != null && matches(b.getSpec().getSelector(), labels))
        .map(b -> b.getMetadata().getName())
        .toList();
  }

  /** Kubernetes label selector semantics; a null selector matches nothing. */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> wanted : selector.getMatchLabels().entrySet()) {
        if (!Objects.equals(labels.get(wanted.getKey()), wanted.getValue())) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
        if (!matches(requirement, labels)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean matches(LabelSelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = Objects.requireNonNullElse(requirement.getValues(), List.of());
    return switch (requirement.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(requirement.getKey());
      case "DoesNotExist" -> !labels.containsKey(requirement.getKey());
      // The API server refuses budgets with any other operator; match nothing rather than guess.
      default -> false;
    };
  }
}
