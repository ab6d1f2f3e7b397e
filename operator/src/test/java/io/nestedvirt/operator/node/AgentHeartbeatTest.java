package io.nestedvirt.operator.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AgentHeartbeatTest {
  private static final Instant BEAT = Instant.parse("2026-11-30T10:00:00Z");
  private final AgentHeartbeat heartbeat = new AgentHeartbeat(Duration.ofMinutes(5));

  @Test
  void aVerdictIsStaleOnlyAfterThreeMissedRenewals() {
    Node node = withVerdict(BEAT.toString());
    assertThat(heartbeat.staleAt(node)).contains(BEAT.plus(Duration.ofMinutes(15)));
    assertThat(heartbeat.isStale(node, BEAT.plus(Duration.ofMinutes(15)))).isFalse();
    assertThat(heartbeat.isStale(node, BEAT.plus(Duration.ofMinutes(15)).plusSeconds(1))).isTrue();
  }

  @Test
  void aVerdictWithoutAHeartbeatIsNeverJudgedStale() {
    Node node = withVerdict(null);
    assertThat(heartbeat.staleAt(node)).isEmpty();
    assertThat(heartbeat.isStale(node, BEAT.plus(Duration.ofDays(1)))).isFalse();
  }

  private static Node withVerdict(String heartbeatTime) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("n")
        .endMetadata()
        .withNewStatus()
        .addNewCondition()
        .withType("NestedVirtualizationReady")
        .withStatus("True")
        .withLastHeartbeatTime(heartbeatTime)
        .endCondition()
        .endStatus()
        .build();
  }
}
