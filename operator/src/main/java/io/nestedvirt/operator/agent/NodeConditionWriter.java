package io.nestedvirt.operator.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.node.NodeConditions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the agent's verdict as the {@code NestedVirtualizationReady} condition of its own Node,
 * through {@code nodes/status}, as a kubelet writes its conditions: read, replace only this
 * condition (others' stay), write back guarded by the resourceVersion, retry on conflict. The
 * transition time moves only when the status flips, so the operator's grace period means something.
 */
public final class NodeConditionWriter {
  private static final int ATTEMPTS = 5;

  private final KubernetesClient client;

  public NodeConditionWriter(KubernetesClient client) {
    this.client = client;
  }

  public void write(String nodeName, KvmVerdict verdict, Instant now) {
    KubernetesClientException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Node node = client.nodes().withName(nodeName).get();
      if (node == null) {
        throw new IllegalStateException("node " + nodeName + " does not exist (check NODE_NAME)");
      }
      try {
        client.nodes().resource(withVerdict(node, verdict, now)).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  /** The node with this verdict as its condition; pure. */
  static Node withVerdict(Node node, KvmVerdict verdict, Instant now) {
    String status = verdict.verified() ? "True" : "False";
    List<NodeCondition> conditions =
        new ArrayList<>(
            node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.of()
                : node.getStatus().getConditions());
    NodeCondition previous =
        conditions.stream()
            .filter(c -> NodeConditions.NESTED_VIRTUALIZATION_READY.equals(c.getType()))
            .findFirst()
            .orElse(null);
    String since =
        previous != null && status.equals(previous.getStatus())
            ? previous.getLastTransitionTime()
            : now.toString();
    NodeCondition condition =
        new NodeConditionBuilder()
            .withType(NodeConditions.NESTED_VIRTUALIZATION_READY)
            .withStatus(status)
            .withReason(verdict.reason())
            .withMessage(verdict.message())
            .withLastHeartbeatTime(now.toString())
            .withLastTransitionTime(since)
            .build();
    if (previous != null) {
      conditions.set(conditions.indexOf(previous), condition);
    } else {
      conditions.add(condition);
    }
    return new NodeBuilder(node).editOrNewStatus().withConditions(conditions).endStatus().build();
  }
}
