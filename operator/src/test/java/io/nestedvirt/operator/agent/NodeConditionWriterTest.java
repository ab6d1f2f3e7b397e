package io.nestedvirt.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.nestedvirt.operator.MockApiServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeConditionWriterTest {
  private final MockApiServer api = MockApiServer.start();
  private final NodeConditionWriter writer = new NodeConditionWriter(api.client());
  private final Instant t0 = Instant.parse("2026-11-26T01:00:00Z");

  @AfterEach
  void close() {
    api.close();
  }

  @Test
  void writesTheVerdictOnItsNodeAndKeepsTheKubeletsConditions() {
    createNode("ip-1");

    writer.write("ip-1", new KvmVerdict(true, "KvmVerified", "guest halted"), t0);

    Node node = api.client().nodes().withName("ip-1").get();
    assertThat(node.getStatus().getConditions())
        .extracting(NodeCondition::getType)
        .containsExactlyInAnyOrder("Ready", "NestedVirtualizationReady");
    NodeCondition kvm = condition(node);
    assertThat(kvm.getStatus()).isEqualTo("True");
    assertThat(kvm.getReason()).isEqualTo("KvmVerified");
    assertThat(kvm.getMessage()).isEqualTo("guest halted");
    assertThat(kvm.getLastTransitionTime()).isEqualTo(t0.toString());
  }

  @Test
  void transitionTimeMovesOnlyWhenTheStatusFlips() {
    createNode("ip-2");
    writer.write("ip-2", new KvmVerdict(true, "KvmVerified", "ok"), t0);
    writer.write("ip-2", new KvmVerdict(true, "KvmVerified", "ok again"), t0.plusSeconds(300));
    assertThat(condition(api.client().nodes().withName("ip-2").get()).getLastTransitionTime())
        .isEqualTo(t0.toString());

    writer.write("ip-2", new KvmVerdict(false, "KvmProbeFailed", "no HLT"), t0.plusSeconds(600));
    NodeCondition failed = condition(api.client().nodes().withName("ip-2").get());
    assertThat(failed.getStatus()).isEqualTo("False");
    assertThat(failed.getLastTransitionTime()).isEqualTo(t0.plusSeconds(600).toString());
  }

  @Test
  void writesWithOneReadAndOnePatchOfNodeStatusNeverAPut() {
    createNode("ip-3");
    writer.write("ip-3", new KvmVerdict(true, "KvmVerified", "ok"), t0);
    api.takeRequests();

    writer.write("ip-3", new KvmVerdict(false, "KvmProbeFailed", "no HLT"), t0.plusSeconds(300));

    assertThat(api.takeRequests())
        .as("one read, then one patch of nodes/status: no PUT, no retry loop")
        .containsExactly("GET /api/v1/nodes/ip-3", "PATCH /api/v1/nodes/ip-3/status");
    assertThat(condition(api.client().nodes().withName("ip-3").get()).getStatus())
        .isEqualTo("False");
  }

  @Test
  void thePatchReplacesOnlyItsOwnConditionInPlaceGuardedByATest() {
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName("ip-4")
            .endMetadata()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .addNewCondition()
            .withType("NestedVirtualizationReady")
            .withStatus("True")
            .withLastTransitionTime(t0.toString())
            .endCondition()
            .addNewCondition()
            .withType("MemoryPressure")
            .withStatus("False")
            .endCondition()
            .endStatus()
            .build();

    List<Map<String, Object>> patch =
        NodeConditionWriter.patch(
            node, new KvmVerdict(true, "KvmVerified", "ok"), t0.plusSeconds(300));

    assertThat(patch).extracting(op -> op.get("op")).containsExactly("test", "replace");
    assertThat(patch.get(0))
        .containsEntry("path", "/status/conditions/1/type")
        .containsEntry("value", "NestedVirtualizationReady");
    assertThat(patch.get(1)).containsEntry("path", "/status/conditions/1");
    NodeCondition written = (NodeCondition) patch.get(1).get("value");
    assertThat(written.getLastTransitionTime()).isEqualTo(t0.toString());
    assertThat(written.getLastHeartbeatTime()).isEqualTo(t0.plusSeconds(300).toString());
  }

  @Test
  void aNewConditionIsAppendedAfterTheKubelets() {
    createNode("ip-5");
    writer.write("ip-5", new KvmVerdict(true, "KvmVerified", "ok"), t0);

    assertThat(api.client().nodes().withName("ip-5").get().getStatus().getConditions())
        .extracting(NodeCondition::getType)
        .containsExactly("Ready", "NestedVirtualizationReady");
  }

  @Test
  void aMissingNodeSaysWhichNameToCheck() {
    assertThatThrownBy(() -> writer.write("nope", new KvmVerdict(true, "KvmVerified", ""), t0))
        .hasMessageContaining("node nope does not exist (check NODE_NAME)");
  }

  private void createNode(String name) {
    api.client()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewStatus()
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build())
        .create();
  }

  private static NodeCondition condition(Node node) {
    return node.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("NestedVirtualizationReady"))
        .findFirst()
        .orElseThrow();
  }
}
