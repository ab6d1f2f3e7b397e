package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.nestedvirt.operator.node.NodeConditions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeMilestonesTest {
  private static final Instant LAUNCH = Instant.parse("2026-11-26T10:00:00Z");
  private static final Instant REGISTERED = LAUNCH.plusSeconds(40);
  private static final Instant VERIFIED = LAUNCH.plusSeconds(55);
  private static final Instant NOW = LAUNCH.plusSeconds(60);

  @Test
  void aNodeSeenForTheFirstTimeCountsAsRegisteredOnce() {
    for (String before : new String[] {null, "Launching", "Joining"}) {
      NodeMilestones.Reached r = NodeMilestones.of(before, "Verifying", LAUNCH, node(false), NOW);
      assertThat(r.registered()).as("before %s", before).contains(Duration.ofSeconds(40));
      assertThat(r.verified()).isEmpty();
      assertThat(r.ready()).isEmpty();
    }
    assertThat(NodeMilestones.of("Verifying", "Verifying", LAUNCH, node(false), NOW).registered())
        .as("already counted in an earlier reconcile")
        .isEmpty();
    assertThat(NodeMilestones.of("Draining", "Draining", LAUNCH, node(false), NOW).registered())
        .isEmpty();
  }

  @Test
  void becomingReadyCountsVerifiedFromTheAgentsVerdictAndReadyFromNow() {
    NodeMilestones.Reached r = NodeMilestones.of("Verifying", "Ready", LAUNCH, node(true), NOW);
    assertThat(r.registered()).isEmpty();
    assertThat(r.verified()).contains(Duration.ofSeconds(55));
    assertThat(r.ready()).contains(Duration.ofSeconds(60));

    NodeMilestones.Reached again = NodeMilestones.of("Ready", "Ready", LAUNCH, node(true), NOW);
    assertThat(again.verified()).as("once per instance").isEmpty();
    assertThat(again.ready()).isEmpty();
  }

  @Test
  void aNodeThatRegistersAndIsReadyInOneReconcileCountsAllThree() {
    NodeMilestones.Reached r = NodeMilestones.of("Joining", "Ready", LAUNCH, node(true), NOW);
    assertThat(r.registered()).contains(Duration.ofSeconds(40));
    assertThat(r.verified()).contains(Duration.ofSeconds(55));
    assertThat(r.ready()).contains(Duration.ofSeconds(60));
  }

  private static Node node(boolean verified) {
    NodeBuilder b =
        new NodeBuilder()
            .withNewMetadata()
            .withName("n")
            .withCreationTimestamp(REGISTERED.toString())
            .endMetadata();
    if (verified) {
      b.withNewStatus()
          .addNewCondition()
          .withType(NodeConditions.NESTED_VIRTUALIZATION_READY)
          .withStatus("True")
          .withLastTransitionTime(VERIFIED.toString())
          .endCondition()
          .endStatus();
    }
    return b.build();
  }
}
