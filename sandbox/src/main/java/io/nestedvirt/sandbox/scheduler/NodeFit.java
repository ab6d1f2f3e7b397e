package io.nestedvirt.sandbox.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether a pod fits a node, as kube-scheduler's filter plugins decide it, in their order, each
 * node failing at the first plugin that rejects it, with that plugin's reasons: NodeUnschedulable
 * (a cordoned node), TaintToleration (NoSchedule and NoExecute taints), NodeAffinity ({@code
 * nodeSelector} and required node affinity) and NodeResourcesFit (requests against allocatable less
 * the requests of the pods already there, and the pod count). Written from the scheduler's
 * documented behaviour and its messages; pure.
 *
 * <p>A node that is not Ready counts as tainted {@code node.kubernetes.io/not-ready} (or {@code
 * unreachable} when Ready is Unknown) with NoSchedule, as the node lifecycle controller taints it
 * in a cluster; the sandbox runs no such controller.
 */
final class NodeFit {
  private NodeFit() {}

  static final String UNSCHEDULABLE = "node(s) were unschedulable";
  static final String AFFINITY = "node(s) didn't match Pod's node affinity/selector";
  static final String TOO_MANY_PODS = "Too many pods";

  /** Why the pod does not fit the node (empty: it fits). */
  static List<String> reasons(
      Pod pod,
      Map<String, BigDecimal> requests,
      Node node,
      Map<String, BigDecimal> used,
      int podsThere) {
    List<Toleration> tolerations =
        pod.getSpec().getTolerations() == null ? List.of() : pod.getSpec().getTolerations();
    if (Boolean.TRUE.equals(node.getSpec() == null ? null : node.getSpec().getUnschedulable())
        && !tolerated(
            tolerations, new Taint("NoSchedule", "node.kubernetes.io/unschedulable", null, null))) {
      return List.of(UNSCHEDULABLE);
    }
    for (Taint taint : taints(node)) {
      if (("NoSchedule".equals(taint.getEffect()) || "NoExecute".equals(taint.getEffect()))
          && !tolerated(tolerations, taint)) {
        return List.of(
            "node(s) had untolerated taint {"
                + taint.getKey()
                + ": "
                + Objects.toString(taint.getValue(), "")
                + "}");
      }
    }
    if (!matchesSelectorAndAffinity(pod, node.getMetadata().getName(), labels(node))) {
      return List.of(AFFINITY);
    }
    return insufficient(requests, allocatable(node), used, podsThere);
  }

  /** NodeResourcesFit's reasons: the pod count first, then each resource short of the request. */
  static List<String> insufficient(
      Map<String, BigDecimal> requests,
      Map<String, BigDecimal> allocatable,
      Map<String, BigDecimal> used,
      int podsThere) {
    List<String> reasons = new ArrayList<>();
    BigDecimal pods = allocatable.getOrDefault("pods", BigDecimal.ZERO);
    if (BigDecimal.valueOf(podsThere + 1L).compareTo(pods) > 0) {
      reasons.add(TOO_MANY_PODS);
    }
    for (String resource : ordered(requests)) {
      BigDecimal free =
          allocatable
              .getOrDefault(resource, BigDecimal.ZERO)
              .subtract(used.getOrDefault(resource, BigDecimal.ZERO));
      if (requests.get(resource).compareTo(free) > 0) {
        reasons.add("Insufficient " + resource);
      }
    }
    return reasons;
  }

  /** cpu, memory and ephemeral-storage first, as the scheduler checks them, then the rest. */
  private static List<String> ordered(Map<String, BigDecimal> requests) {
    List<String> order = new ArrayList<>();
    for (String first : List.of("cpu", "memory", "ephemeral-storage")) {
      if (requests.containsKey(first)) {
        order.add(first);
      }
    }
    requests.keySet().stream().filter(r -> !order.contains(r)).sorted().forEach(order::add);
    return order;
  }

  static boolean tolerated(List<Toleration> tolerations, Taint taint) {
    for (Toleration t : tolerations) {
      boolean effect =
          t.getEffect() == null
              || t.getEffect().isEmpty()
              || t.getEffect().equals(taint.getEffect());
      boolean exists = "Exists".equals(t.getOperator());
      boolean key =
          (t.getKey() == null || t.getKey().isEmpty()) ? exists : t.getKey().equals(taint.getKey());
      boolean value =
          exists || Objects.equals(nullToEmpty(t.getValue()), nullToEmpty(taint.getValue()));
      if (effect && key && value) {
        return true;
      }
    }
    return false;
  }

  /** {@code nodeSelector} and every term of required node affinity (any term may match). */
  static boolean matchesSelectorAndAffinity(Pod pod, String nodeName, Map<String, String> labels) {
    Map<String, String> selector = pod.getSpec().getNodeSelector();
    if (selector != null) {
      for (Map.Entry<String, String> e : selector.entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null
        || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
      return true;
    }
    List<NodeSelectorTerm> terms =
        affinity
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    if (terms == null || terms.isEmpty()) {
      return false;
    }
    return terms.stream().anyMatch(term -> matches(term, nodeName, labels));
  }

  /** A term with no requirement matches nothing, as in the API. */
  private static boolean matches(
      NodeSelectorTerm term, String nodeName, Map<String, String> labels) {
    List<NodeSelectorRequirement> expressions =
        term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
    List<NodeSelectorRequirement> fields =
        term.getMatchFields() == null ? List.of() : term.getMatchFields();
    if (expressions.isEmpty() && fields.isEmpty()) {
      return false;
    }
    return expressions.stream().allMatch(r -> matches(r, labels.get(r.getKey())))
        && fields.stream()
            .allMatch(r -> "metadata.name".equals(r.getKey()) && matches(r, nodeName));
  }

  private static boolean matches(NodeSelectorRequirement r, String value) {
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      case "Gt" -> compare(value, values) > 0;
      case "Lt" -> compare(value, values) < 0;
      default -> false;
    };
  }

  /** The label as a number against the one value of Gt/Lt; 0 (no match) when either is not. */
  private static int compare(String value, List<String> values) {
    try {
      return value == null || values.size() != 1
          ? 0
          : Long.compare(Long.parseLong(value), Long.parseLong(values.getFirst()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The node's taints, with not-ready or unreachable added when it is not Ready. */
  static List<Taint> taints(Node node) {
    List<Taint> taints = new ArrayList<>();
    if (node.getSpec() != null && node.getSpec().getTaints() != null) {
      taints.addAll(node.getSpec().getTaints());
    }
    String ready = readyStatus(node);
    if (!"True".equals(ready)) {
      String key =
          "Unknown".equals(ready)
              ? "node.kubernetes.io/unreachable"
              : "node.kubernetes.io/not-ready";
      if (taints.stream().noneMatch(t -> key.equals(t.getKey()))) {
        taints.add(new Taint("NoSchedule", key, null, null));
      }
    }
    return taints;
  }

  private static String readyStatus(Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return "False";
    }
    return node.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()))
        .map(NodeCondition::getStatus)
        .findFirst()
        .orElse("False");
  }

  static Map<String, BigDecimal> allocatable(Node node) {
    if (node.getStatus() == null || node.getStatus().getAllocatable() == null) {
      return Map.of();
    }
    return PodRequests.amounts(node.getStatus().getAllocatable());
  }

  private static Map<String, String> labels(Node node) {
    Map<String, String> labels = node.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
