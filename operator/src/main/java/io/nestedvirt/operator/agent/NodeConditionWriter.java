package io.nestedvirt.operator.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nestedvirt.operator.node.NodeConditions;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes the agent's verdict as the {@code NestedVirtualizationReady} condition of its own Node:
 * one read (for the condition's place and its transition time) and one JSON patch of {@code
 * nodes/status} that touches that condition alone, so the kubelet's conditions are never rewritten
 * and no resourceVersion conflict can arise. There is no retry loop: a patch that fails (its guard
 * found another condition in our place) is written again at the next probe. The cluster's
 * ValidatingAdmissionPolicy lets the agent's credential change nothing else, and only on the node
 * the credential is bound to. The transition time moves only when the status flips, so the
 * operator's grace period means something.
 */
public final class NodeConditionWriter {
  private final KubernetesClient client;

  public NodeConditionWriter(KubernetesClient client) {
    this.client = client;
  }

  public void write(String nodeName, KvmVerdict verdict, Instant now) {
    Node node = client.nodes().withName(nodeName).get();
    if (node == null) {
      throw new IllegalStateException("node " + nodeName + " does not exist (check NODE_NAME)");
    }
    // On the resource read (not withName), so that fabric8 does not GET the node again.
    client
        .nodes()
        .resource(node)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(patch(node, verdict, now)));
  }

  /**
   * The JSON patch (RFC 6902) that sets this verdict on the node as read; pure. An existing
   * condition is replaced in place, guarded by a test that it is still there; a new one is
   * appended.
   */
  static List<Map<String, Object>> patch(Node node, KvmVerdict verdict, Instant now) {
    List<NodeCondition> conditions =
        node.getStatus() == null ? null : node.getStatus().getConditions();
    int index = indexOfOurs(conditions);
    NodeCondition previous = index < 0 ? null : conditions.get(index);
    NodeCondition condition = condition(previous, verdict, now);
    if (index >= 0) {
      String path = "/status/conditions/" + index;
      return List.of(
          Map.of("op", "test", "path", path + "/type", "value", condition.getType()),
          Map.of("op", "replace", "path", path, "value", condition));
    }
    if (conditions != null) {
      return List.of(Map.of("op", "add", "path", "/status/conditions/-", "value", condition));
    }
    if (node.getStatus() != null) {
      return List.of(
          Map.of("op", "add", "path", "/status/conditions", "value", List.of(condition)));
    }
    // A Node stored without any status (a real API server always has one; fabric8's mock may not).
    return List.of(
        Map.of("op", "add", "path", "/status", "value", Map.of("conditions", List.of(condition))));
  }

  private static int indexOfOurs(List<NodeCondition> conditions) {
    if (conditions != null) {
      for (int i = 0; i < conditions.size(); i++) {
        if (NodeConditions.NESTED_VIRTUALIZATION_READY.equals(conditions.get(i).getType())) {
          return i;
        }
      }
    }
    return -1;
  }

  private static NodeCondition condition(NodeCondition previous, KvmVerdict verdict, Instant now) {
    String status = verdict.verified() ? "True" : "False";
    String since =
        previous != null && status.equals(previous.getStatus())
            ? previous.getLastTransitionTime()
            : now.toString();
    return new NodeConditionBuilder()
        .withType(NodeConditions.NESTED_VIRTUALIZATION_READY)
        .withStatus(status)
        .withReason(verdict.reason())
        .withMessage(verdict.message())
        .withLastHeartbeatTime(now.toString())
        .withLastTransitionTime(since)
        .build();
  }
}
