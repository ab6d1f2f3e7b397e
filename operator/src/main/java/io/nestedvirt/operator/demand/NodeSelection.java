package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a pod's {@code nodeSelector} and required node affinity select a node with these labels,
 * as the scheduler's NodeAffinity plugin decides (k8s.io/component-helpers/scheduling/corev1):
 * every nodeSelector pair must be on the node, and at least one affinity term must match, a term
 * matching when all its expressions do. A term with {@code matchFields} (which selects a node by
 * name) cannot match a node that does not exist yet, and an empty term matches nothing.
 */
final class NodeSelection {
  private NodeSelection() {}

  /** Empty when the pod may land on the node; otherwise why not, for a human. */
  static Optional<String> mismatch(PodSpec spec, Map<String, String> labels, String node) {
    Map<String, String> selector =
        spec.getNodeSelector() == null ? Map.of() : spec.getNodeSelector();
    for (Map.Entry<String, String> wanted : selector.entrySet()) {
      String actual = labels.get(wanted.getKey());
      if (!Objects.equals(wanted.getValue(), actual)) {
        return Optional.of(
            "node selector "
                + wanted.getKey()
                + "="
                + wanted.getValue()
                + ": a new "
                + node
                + " has "
                + has(wanted.getKey(), actual));
      }
    }
    NodeSelector required = requiredAffinity(spec);
    if (required == null) {
      return Optional.empty();
    }
    List<NodeSelectorTerm> terms =
        required.getNodeSelectorTerms() == null ? List.of() : required.getNodeSelectorTerms();
    String firstFailure = "it has no terms";
    for (int i = 0; i < terms.size(); i++) {
      Optional<String> failure = termMismatch(terms.get(i), labels);
      if (failure.isEmpty()) {
        return Optional.empty();
      }
      if (i == 0) {
        firstFailure = (terms.size() == 1 ? "" : "the first term: ") + failure.get();
      }
    }
    return Optional.of(
        "required node affinity: no term matches a new " + node + "; " + firstFailure);
  }

  private static NodeSelector requiredAffinity(PodSpec spec) {
    if (spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null) {
      return null;
    }
    return spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
  }

  private static Optional<String> termMismatch(NodeSelectorTerm term, Map<String, String> labels) {
    List<NodeSelectorRequirement> fields = list(term.getMatchFields());
    if (!fields.isEmpty()) {
      return Optional.of(
          "matchFields "
              + fields.getFirst().getKey()
              + " selects an existing node, and this one does not exist yet");
    }
    List<NodeSelectorRequirement> expressions = list(term.getMatchExpressions());
    if (expressions.isEmpty()) {
      return Optional.of("an empty term matches no node");
    }
    for (NodeSelectorRequirement requirement : expressions) {
      String actual = labels.get(requirement.getKey());
      if (!matches(requirement, actual)) {
        return Optional.of(
            describe(requirement) + " fails: the node has " + has(requirement.getKey(), actual));
      }
    }
    return Optional.empty();
  }

  /** One requirement against the node's value of its key (null when the node lacks the label). */
  static boolean matches(NodeSelectorRequirement requirement, String actual) {
    List<String> values = list(requirement.getValues());
    return switch (requirement.getOperator() == null ? "" : requirement.getOperator()) {
      case "In" -> actual != null && values.contains(actual);
      case "NotIn" -> actual == null || !values.contains(actual);
      case "Exists" -> actual != null;
      case "DoesNotExist" -> actual == null;
      case "Gt" -> compare(actual, values) > 0;
      case "Lt" -> compare(actual, values) < 0;
      // The API server rejects any other operator; if one got through, it selects nothing.
      default -> false;
    };
  }

  /**
   * The node's value against the requirement's one integer; 0 (neither Gt nor Lt) when either is
   * missing or not an integer, as the scheduler treats it.
   */
  private static int compare(String actual, List<String> values) {
    if (actual == null || values.size() != 1) {
      return 0;
    }
    try {
      return Long.compare(Long.parseLong(actual), Long.parseLong(values.getFirst()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String describe(NodeSelectorRequirement r) {
    String values =
        switch (r.getOperator() == null ? "" : r.getOperator()) {
          case "Exists", "DoesNotExist" -> "";
          case "Gt", "Lt" -> " " + String.join(",", list(r.getValues()));
          default -> " [" + String.join(", ", list(r.getValues())) + "]";
        };
    return r.getKey() + " " + r.getOperator() + values;
  }

  private static String has(String key, String actual) {
    return actual == null ? "no label " + key : key + "=" + actual;
  }

  private static <T> List<T> list(List<T> items) {
    return items == null ? List.of() : items;
  }
}
