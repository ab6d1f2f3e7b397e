package io.nestedvirt.operator.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import java.time.Instant;
import java.util.Optional;

/** What a Node's conditions say, as the operator reads them. */
public final class NodeConditions {
  /** Written by the node agent (or the sandbox's simulated kubelet) after its KVM probe. */
  public static final String NESTED_VIRTUALIZATION_READY = "NestedVirtualizationReady";

  private NodeConditions() {}

  public static Optional<NodeCondition> find(Node node, String type) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return node.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  public static boolean isTrue(Node node, String type) {
    return find(node, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  public static boolean isFalse(Node node, String type) {
    return find(node, type).map(c -> "False".equals(c.getStatus())).orElse(false);
  }

  /** The kubelet reports the node healthy. */
  public static boolean isReady(Node node) {
    return isTrue(node, "Ready");
  }

  /** The node agent proved that KVM works on the node. */
  public static boolean kvmVerified(Node node) {
    return isTrue(node, NESTED_VIRTUALIZATION_READY);
  }

  /** When NestedVirtualizationReady last changed, if the node has it. */
  public static Optional<Instant> kvmVerdictSince(Node node) {
    return find(node, NESTED_VIRTUALIZATION_READY)
        .map(NodeCondition::getLastTransitionTime)
        .filter(t -> t != null && !t.isBlank())
        .map(Instant::parse);
  }

  /** When the node agent last renewed NestedVirtualizationReady, if the node says. */
  public static Optional<Instant> kvmHeartbeat(Node node) {
    return find(node, NESTED_VIRTUALIZATION_READY)
        .map(NodeCondition::getLastHeartbeatTime)
        .filter(t -> t != null && !t.isBlank())
        .map(Instant::parse);
  }

  /** The kubelet's Ready is False or Unknown: the node lifecycle controller or kubelet says so. */
  public static boolean readyLost(Node node) {
    return find(node, "Ready")
        .map(c -> "False".equals(c.getStatus()) || "Unknown".equals(c.getStatus()))
        .orElse(false);
  }

  public static String kvmMessage(Node node) {
    return find(node, NESTED_VIRTUALIZATION_READY)
        .map(c -> c.getReason() + ": " + c.getMessage())
        .orElse("no NestedVirtualizationReady condition yet");
  }
}
