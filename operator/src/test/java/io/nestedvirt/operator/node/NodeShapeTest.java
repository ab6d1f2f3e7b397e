package io.nestedvirt.operator.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeShapeTest {
  private static final Taint STARTUP = taint("nestedvirt.io/unverified", "NoSchedule");
  private static final Taint NOT_READY = taint("node.kubernetes.io/not-ready", "NoSchedule");
  private static final Taint DEDICATED = taint("dedicated", "NoSchedule");

  @Test
  void unverifiedNodeGetsPoolLabelsRestrictedLabelAndKeepsTheStartupTaint() {
    Node node = node(Map.of("kubernetes.io/hostname", "ip-1"), List.of(STARTUP, NOT_READY));

    Node shaped =
        NodeShape.reshape(node, "web", Map.of("team", "virt"), List.of(DEDICATED), false)
            .orElseThrow();

    assertThat(shaped.getMetadata().getLabels())
        .containsEntry("nestedvirt.io/pool", "web")
        .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", "web")
        .containsEntry("team", "virt")
        .containsEntry("kubernetes.io/hostname", "ip-1")
        .doesNotContainKey("nestedvirt.io/kvm");
    assertThat(shaped.getSpec().getTaints()).containsExactly(STARTUP, NOT_READY, DEDICATED);
  }

  @Test
  void verificationRemovesTheStartupTaintAndAddsTheVerifiedLabel() {
    Node node = node(Map.of(), List.of(STARTUP, NOT_READY, DEDICATED));

    Node shaped = NodeShape.reshape(node, "web", Map.of(), List.of(DEDICATED), true).orElseThrow();

    assertThat(shaped.getMetadata().getLabels()).containsEntry("nestedvirt.io/kvm", "verified");
    assertThat(shaped.getSpec().getTaints())
        .as("only the startup taint goes; others' taints stay")
        .containsExactly(NOT_READY, DEDICATED);
  }

  @Test
  void lostVerificationTaintsTheNodeAgainAndDropsTheLabel() {
    Node node =
        node(
            Map.of(
                "nestedvirt.io/kvm", "verified",
                "nestedvirt.io/pool", "web",
                "node-restriction.kubernetes.io/nestedvirt-pool", "web"),
            List.of());

    Node shaped = NodeShape.reshape(node, "web", Map.of(), List.of(), false).orElseThrow();

    assertThat(shaped.getMetadata().getLabels()).doesNotContainKey("nestedvirt.io/kvm");
    assertThat(shaped.getSpec().getTaints()).containsExactly(STARTUP);
  }

  @Test
  void aNodeThatAlreadyHasItsShapeNeedsNoWrite() {
    Node node =
        node(
            Map.of(
                "nestedvirt.io/pool", "web",
                "node-restriction.kubernetes.io/nestedvirt-pool", "web",
                "nestedvirt.io/kvm", "verified"),
            List.of(DEDICATED));

    assertThat(NodeShape.reshape(node, "web", Map.of(), List.of(DEDICATED), true)).isEmpty();
  }

  private static Node node(Map<String, String> labels, List<Taint> taints) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("ip-1")
        .withLabels(new java.util.HashMap<>(labels))
        .endMetadata()
        .withNewSpec()
        .withTaints(taints)
        .endSpec()
        .build();
  }

  private static Taint taint(String key, String effect) {
    return new TaintBuilder().withKey(key).withEffect(effect).build();
  }
}
