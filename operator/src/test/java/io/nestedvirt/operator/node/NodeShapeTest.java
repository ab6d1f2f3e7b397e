package io.nestedvirt.operator.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.HashMap;
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
                "nestedvirt.io/kvm", "verified",
                "team", "virt"),
            List.of(NOT_READY, DEDICATED),
            Map.of(
                "nestedvirt.io/applied-labels", "team",
                "nestedvirt.io/applied-taints", "dedicated:NoSchedule"));

    assertThat(NodeShape.reshape(node, "web", Map.of("team", "virt"), List.of(DEDICATED), true))
        .as("an unchanged template must not write the node again")
        .isEmpty();
  }

  @Test
  void aPoolWithoutTemplateWritesNoRecord() {
    Node node =
        node(
            Map.of(
                "nestedvirt.io/pool", "web",
                "node-restriction.kubernetes.io/nestedvirt-pool", "web",
                "nestedvirt.io/kvm", "verified"),
            List.of());

    assertThat(NodeShape.reshape(node, "web", Map.of(), List.of(), true)).isEmpty();
  }

  @Test
  void theAppliedTemplateIsRecordedSorted() {
    Node node = node(Map.of(), List.of(STARTUP));

    Node shaped =
        NodeShape.reshape(
                node,
                "web",
                Map.of("tier", "gold", "team", "virt"),
                List.of(taint("zeta", "NoExecute"), taint("dedicated", "virt", "NoSchedule")),
                false)
            .orElseThrow();

    assertThat(shaped.getMetadata().getAnnotations())
        .containsEntry("nestedvirt.io/applied-labels", "team,tier")
        .containsEntry("nestedvirt.io/applied-taints", "dedicated=virt:NoSchedule,zeta:NoExecute");
  }

  @Test
  void aTaintDroppedFromTheTemplateIsRemovedAndForeignTaintsStay() {
    Taint gpu = taint("gpu", "NoExecute");
    Taint cordon = taint("node.kubernetes.io/unschedulable", "NoSchedule");
    Taint adminOwn = taint("maintenance", "NoSchedule");
    Node node =
        node(
            verifiedLabels(),
            List.of(NOT_READY, DEDICATED, gpu, cordon, adminOwn),
            Map.of("nestedvirt.io/applied-taints", "dedicated:NoSchedule,gpu:NoExecute"));

    Node shaped = NodeShape.reshape(node, "web", Map.of(), List.of(gpu), true).orElseThrow();

    assertThat(shaped.getSpec().getTaints())
        .as("the dropped template taint goes; the kubelet's, the cordon and the admin's stay")
        .containsExactly(NOT_READY, gpu, cordon, adminOwn);
    assertThat(shaped.getMetadata().getAnnotations())
        .containsEntry("nestedvirt.io/applied-taints", "gpu:NoExecute");
  }

  @Test
  void aTaintWithTheKeyOfADroppedOneButNotRecordedStays() {
    // An admin's dedicated=ops taint shares its key with the template's dedicated taint, which the
    // operator applied and the template dropped: only the recorded one (same value) is ours.
    Taint admins = taint("dedicated", "ops", "NoExecute");
    Node node =
        node(
            verifiedLabels(),
            List.of(DEDICATED, admins),
            Map.of("nestedvirt.io/applied-taints", "dedicated:NoSchedule"));

    Node shaped = NodeShape.reshape(node, "web", Map.of(), List.of(), true).orElseThrow();

    assertThat(shaped.getSpec().getTaints()).containsExactly(admins);
    assertThat(shaped.getMetadata().getAnnotations())
        .as("nothing applied, nothing recorded")
        .doesNotContainKey("nestedvirt.io/applied-taints");
  }

  @Test
  void aTemplateTaintWhoseValueOrEffectChangedIsReplaced() {
    Taint before = taint("dedicated", "virt", "NoSchedule");
    Taint otherValue = taint("dedicated", "kata", "NoSchedule");
    Taint gpuBefore = taint("gpu", "NoSchedule");
    Taint otherEffect = taint("gpu", "NoExecute");
    Node node =
        node(
            verifiedLabels(),
            List.of(NOT_READY, before, gpuBefore),
            Map.of("nestedvirt.io/applied-taints", "dedicated=virt:NoSchedule,gpu:NoSchedule"));

    Node shaped =
        NodeShape.reshape(node, "web", Map.of(), List.of(otherValue, otherEffect), true)
            .orElseThrow();

    assertThat(shaped.getSpec().getTaints()).containsExactly(NOT_READY, otherValue, otherEffect);
    assertThat(shaped.getMetadata().getAnnotations())
        .containsEntry("nestedvirt.io/applied-taints", "dedicated=kata:NoSchedule,gpu:NoExecute");
  }

  @Test
  void aTemplateTaintReplacesAnotherValueOfItsKeyAndEffectWhichTheApiServerWouldRefuseBeside() {
    // As the kubelet registered the node with the launch-time template, before the template
    // changed (no record yet), or as an admin retainted it: one taint per key and effect.
    Taint registered = taint("dedicated", "vms", "NoSchedule");
    Taint wanted = taint("dedicated", "kata", "NoSchedule");
    Taint otherEffect = taint("dedicated", "vms", "NoExecute");
    Node node = node(verifiedLabels(), List.of(NOT_READY, registered, otherEffect));

    Node shaped = NodeShape.reshape(node, "web", Map.of(), List.of(wanted), true).orElseThrow();

    assertThat(shaped.getSpec().getTaints()).containsExactly(NOT_READY, otherEffect, wanted);
    assertThat(NodeShape.reshape(shaped, "web", Map.of(), List.of(wanted), true))
        .as("stable once replaced")
        .isEmpty();
  }

  @Test
  void aLabelDroppedFromTheTemplateIsRemovedAndOthersLabelsStay() {
    Map<String, String> labels = new HashMap<>(verifiedLabels());
    labels.put("team", "virt");
    labels.put("tier", "gold");
    labels.put("kubernetes.io/hostname", "ip-1");
    labels.put("feature.node.kubernetes.io/cpu-model", "sapphire");
    Node node = node(labels, List.of(), Map.of("nestedvirt.io/applied-labels", "team,tier"));

    Node shaped =
        NodeShape.reshape(node, "web", Map.of("tier", "silver", "zone", "a"), List.of(), true)
            .orElseThrow();

    assertThat(shaped.getMetadata().getLabels())
        .doesNotContainKey("team")
        .containsEntry("tier", "silver")
        .containsEntry("zone", "a")
        .containsEntry("kubernetes.io/hostname", "ip-1")
        .containsEntry("feature.node.kubernetes.io/cpu-model", "sapphire")
        .containsEntry("nestedvirt.io/pool", "web")
        .containsEntry("nestedvirt.io/kvm", "verified");
    assertThat(shaped.getMetadata().getAnnotations())
        .containsEntry("nestedvirt.io/applied-labels", "tier,zone");
  }

  @Test
  void aNodeWithoutRecordLosesNothingAndRecordsTheCurrentTemplate() {
    // Shaped by an operator that kept no record: the template's old entries cannot be told from
    // others', so nothing is removed; from now on the current template's entries are ours.
    Map<String, String> labels = new HashMap<>(verifiedLabels());
    labels.put("team", "virt");
    labels.put("old", "x");
    Taint old = taint("old", "NoSchedule");
    Node node = node(labels, List.of(DEDICATED, old));

    Node shaped =
        NodeShape.reshape(node, "web", Map.of("team", "virt"), List.of(DEDICATED), true)
            .orElseThrow();

    assertThat(shaped.getMetadata().getLabels()).containsEntry("old", "x");
    assertThat(shaped.getSpec().getTaints()).containsExactly(DEDICATED, old);
    assertThat(shaped.getMetadata().getAnnotations())
        .containsEntry("nestedvirt.io/applied-labels", "team")
        .containsEntry("nestedvirt.io/applied-taints", "dedicated:NoSchedule");
    assertThat(NodeShape.reshape(shaped, "web", Map.of("team", "virt"), List.of(DEDICATED), true))
        .as("once recorded, the node is in shape")
        .isEmpty();
  }

  @Test
  void theOperatorsOwnLabelsAndStartupTaintAreNotTemplateEntries() {
    // A record naming the operator's own keys (edited by hand) does not make them go.
    Node node =
        node(
            Map.of(
                "nestedvirt.io/pool", "web",
                "node-restriction.kubernetes.io/nestedvirt-pool", "web"),
            List.of(STARTUP),
            Map.of(
                "nestedvirt.io/applied-labels", "nestedvirt.io/pool",
                "nestedvirt.io/applied-taints", "nestedvirt.io/unverified:NoSchedule"));

    Node shaped = NodeShape.reshape(node, "web", Map.of(), List.of(), false).orElseThrow();

    assertThat(shaped.getMetadata().getLabels()).containsEntry("nestedvirt.io/pool", "web");
    assertThat(shaped.getSpec().getTaints()).containsExactly(STARTUP);
    assertThat(shaped.getMetadata().getAnnotations()).isEmpty();
  }

  private static Map<String, String> verifiedLabels() {
    return Map.of(
        "nestedvirt.io/pool", "web",
        "node-restriction.kubernetes.io/nestedvirt-pool", "web",
        "nestedvirt.io/kvm", "verified");
  }

  private static Node node(Map<String, String> labels, List<Taint> taints) {
    return node(labels, taints, Map.of());
  }

  private static Node node(
      Map<String, String> labels, List<Taint> taints, Map<String, String> annotations) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("ip-1")
        .withLabels(new HashMap<>(labels))
        .withAnnotations(new HashMap<>(annotations))
        .endMetadata()
        .withNewSpec()
        .withTaints(taints)
        .endSpec()
        .build();
  }

  private static Taint taint(String key, String effect) {
    return new TaintBuilder().withKey(key).withEffect(effect).build();
  }

  private static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }
}
