package io.nestedvirt.sandbox.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeFitTest {
  private static final Map<String, String> LABELS =
      Map.of("kubevirt.io/schedulable", "true", "topology.kubernetes.io/zone", "us-east-1a");

  @Test
  void aPodWithoutConstraintsFitsAReadyNodeWithRoom() {
    assertThat(reasons(pod().build(), node().build())).isEmpty();
  }

  @Test
  void nodeSelectorMustMatchEveryLabel() {
    Pod matching =
        pod()
            .editSpec()
            .withNodeSelector(Map.of("kubevirt.io/schedulable", "true"))
            .endSpec()
            .build();
    Pod other =
        pod()
            .editSpec()
            .withNodeSelector(Map.of("kubevirt.io/schedulable", "true", "gpu", "yes"))
            .endSpec()
            .build();

    assertThat(reasons(matching, node().build())).isEmpty();
    assertThat(reasons(other, node().build())).containsExactly(NodeFit.AFFINITY);
  }

  @Test
  void requiredNodeAffinityOperators() {
    assertThat(fitsAffinity(req("topology.kubernetes.io/zone", "In", "us-east-1a", "us-east-1b")))
        .isTrue();
    assertThat(fitsAffinity(req("topology.kubernetes.io/zone", "In", "us-east-1c"))).isFalse();
    assertThat(fitsAffinity(req("topology.kubernetes.io/zone", "NotIn", "us-east-1a"))).isFalse();
    assertThat(fitsAffinity(req("missing", "NotIn", "x"))).isTrue();
    assertThat(fitsAffinity(req("kubevirt.io/schedulable", "Exists"))).isTrue();
    assertThat(fitsAffinity(req("missing", "Exists"))).isFalse();
    assertThat(fitsAffinity(req("missing", "DoesNotExist"))).isTrue();
    assertThat(fitsAffinity(req("kubevirt.io/schedulable", "DoesNotExist"))).isFalse();
  }

  @Test
  void termsAreOredAndExpressionsWithinATermAnded() {
    Pod pod =
        pod()
            .editSpec()
            .withNewAffinity()
            .withNewNodeAffinity()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution()
            .addNewNodeSelectorTerm()
            .withMatchExpressions(req("kubevirt.io/schedulable", "Exists"), req("gpu", "Exists"))
            .endNodeSelectorTerm()
            .addNewNodeSelectorTerm()
            .withMatchExpressions(req("topology.kubernetes.io/zone", "In", "us-east-1a"))
            .endNodeSelectorTerm()
            .endRequiredDuringSchedulingIgnoredDuringExecution()
            .endNodeAffinity()
            .endAffinity()
            .endSpec()
            .build();

    assertThat(reasons(pod, node().build())).isEmpty();
  }

  @Test
  void noScheduleAndNoExecuteTaintsNeedATolerationPreferNoScheduleDoesNot() {
    Node startup =
        node()
            .editSpec()
            .withTaints(taint("nestedvirt.io/unverified", null, "NoSchedule"))
            .endSpec()
            .build();
    Node evicting =
        node().editSpec().withTaints(taint("maintenance", "true", "NoExecute")).endSpec().build();
    Node preferring =
        node().editSpec().withTaints(taint("soft", null, "PreferNoSchedule")).endSpec().build();

    assertThat(reasons(pod().build(), startup))
        .containsExactly("node(s) had untolerated taint {nestedvirt.io/unverified: }");
    assertThat(reasons(pod().build(), evicting))
        .containsExactly("node(s) had untolerated taint {maintenance: true}");
    assertThat(reasons(pod().build(), preferring)).isEmpty();
    assertThat(
            reasons(
                pod()
                    .editSpec()
                    .withTolerations(toleration("maintenance", "Equal", "true", null))
                    .endSpec()
                    .build(),
                evicting))
        .isEmpty();
    assertThat(
            reasons(
                pod()
                    .editSpec()
                    .withTolerations(toleration("maintenance", "Equal", "false", null))
                    .endSpec()
                    .build(),
                evicting))
        .hasSize(1);
    assertThat(
            reasons(
                pod()
                    .editSpec()
                    .withTolerations(toleration(null, "Exists", null, null))
                    .endSpec()
                    .build(),
                startup))
        .as("an empty key with Exists tolerates everything")
        .isEmpty();
    assertThat(
            reasons(
                pod()
                    .editSpec()
                    .withTolerations(
                        toleration("nestedvirt.io/unverified", "Exists", null, "NoExecute"))
                    .endSpec()
                    .build(),
                startup))
        .as("another effect does not tolerate")
        .hasSize(1);
  }

  @Test
  void aNodeThatIsNotReadyOrCordonedTakesNothing() {
    Node notReady =
        node()
            .editStatus()
            .withConditions(
                new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
                    .withType("Ready")
                    .withStatus("False")
                    .build())
            .endStatus()
            .build();
    Node cordoned = node().editSpec().withUnschedulable(true).endSpec().build();

    assertThat(reasons(pod().build(), notReady))
        .containsExactly("node(s) had untolerated taint {node.kubernetes.io/not-ready: }");
    assertThat(reasons(pod().build(), cordoned)).containsExactly(NodeFit.UNSCHEDULABLE);
  }

  @Test
  void resourcesShortOfTheRequestAreEachNamedAndAMissingDeviceIsShortToo() {
    Pod pod =
        pod()
            .editSpec()
            .editFirstContainer()
            .withNewResources()
            .addToRequests("cpu", new Quantity("1500m"))
            .addToRequests("memory", new Quantity("1Gi"))
            .addToRequests("devices.kubevirt.io/kvm", new Quantity("1"))
            .endResources()
            .endContainer()
            .endSpec()
            .build();
    Map<String, BigDecimal> used = Map.of("cpu", new BigDecimal("1"));

    List<String> reasons = NodeFit.reasons(pod, PodRequests.of(pod), node().build(), used, 0);

    assertThat(reasons).containsExactly("Insufficient cpu", "Insufficient devices.kubevirt.io/kvm");
  }

  @Test
  void aFullNodeHasTooManyPods() {
    assertThat(NodeFit.reasons(pod().build(), Map.of(), node().build(), Map.of(), 29))
        .containsExactly(NodeFit.TOO_MANY_PODS);
  }

  @Test
  void theSchedulersMessageCountsNodesPerReasonSorted() {
    assertThat(PodBinder.message(0, Map.of())).isEqualTo("no nodes available to schedule pods");
    assertThat(
            PodBinder.message(
                3,
                new java.util.TreeMap<>(
                    Map.of(
                        "node(s) didn't match Pod's node affinity/selector",
                        2,
                        "Insufficient cpu",
                        1))))
        .isEqualTo(
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node"
                + " affinity/selector.");
  }

  private static boolean fitsAffinity(NodeSelectorRequirement requirement) {
    Pod pod =
        pod()
            .editSpec()
            .withNewAffinity()
            .withNewNodeAffinity()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution()
            .addNewNodeSelectorTerm()
            .withMatchExpressions(requirement)
            .endNodeSelectorTerm()
            .endRequiredDuringSchedulingIgnoredDuringExecution()
            .endNodeAffinity()
            .endAffinity()
            .endSpec()
            .build();
    return reasons(pod, node().build()).isEmpty();
  }

  private static List<String> reasons(Pod pod, Node node) {
    return NodeFit.reasons(pod, PodRequests.of(pod), node, Map.of(), 0);
  }

  static PodBuilder pod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p")
        .withNamespace("default")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("main")
        .endContainer()
        .endSpec();
  }

  static NodeBuilder node() {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("n1")
        .withLabels(LABELS)
        .endMetadata()
        .withNewSpec()
        .endSpec()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .withAllocatable(
            Map.of(
                "cpu", new Quantity("1930m"),
                "memory", new Quantity("7026Mi"),
                "pods", new Quantity("29")))
        .endStatus();
  }

  static NodeSelectorRequirement req(String key, String operator, String... values) {
    return new NodeSelectorRequirement(key, operator, List.of(values));
  }

  static Taint taint(String key, String value, String effect) {
    return new Taint(effect, key, null, value);
  }

  static Toleration toleration(String key, String operator, String value, String effect) {
    return new Toleration(effect, key, operator, null, value);
  }
}
