package io.nestedvirt.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.nestedvirt.operator.MockApiServer;
import java.time.Instant;
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
