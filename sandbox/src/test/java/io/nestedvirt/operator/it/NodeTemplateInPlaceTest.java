package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NodeTemplateSpec;
import io.nestedvirt.operator.api.v1alpha1.TaintSpec;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A change of the pool's node labels and taints is applied to its running nodes in place: no
 * machine is replaced, and what others put on the nodes stays.
 */
class NodeTemplateInPlaceTest {
  private static final String POOL = "shape";

  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void aChangedNodeTemplateIsAppliedToTheRunningNodesInPlaceAndOthersTaintsStay() throws Exception {
    bed.startOperator();
    bed.createPool(
        POOL,
        2,
        spec -> {
          spec.nodeTemplate = new NodeTemplateSpec();
          spec.nodeTemplate.labels = Map.of("workload", "kubevirt", "team", "virt");
          spec.nodeTemplate.taints =
              List.of(
                  new TaintSpec("dedicated", "vms", TaintSpec.Effect.NO_SCHEDULE),
                  new TaintSpec("gpu", null, TaintSpec.Effect.NO_EXECUTE));
        },
        "m8i.large");
    bed.awaitReady(POOL, 2);
    Map<String, String> instanceByMachine = instanceByMachine();
    List<String> launched = bed.ec2.instances().stream().map(EmulatedInstance::id).toList();

    // Another party (an admin, another controller) taints the nodes too.
    Taint admins = taint("maintenance", "planned", "NoSchedule");
    for (Node node : nodes()) {
      bed.client().nodes().withName(node.getMetadata().getName()).edit(n -> addTaint(n, admins));
    }

    // A steady pool with a template does not write its nodes again and again (nor do the
    // admin's taints make it write).
    assertNoNodeWrites();

    // From now on nothing polls (the first listing aside): the change must reach the machines
    // through the pool's informer.
    bed.stopOperator();
    bed.startOperator(cloud -> cloud, Duration.ofHours(1));

    // Add a label, drop a label, change a taint's value, remove a taint. A JSON patch: the mock's
    // merge patch appends to lists instead of replacing them.
    bed.client()
        .resources(NestedVirtPool.class)
        .withName(POOL)
        .patch(
            PatchContext.of(PatchType.JSON),
            """
            [{"op": "replace", "path": "/spec/nodeTemplate", "value": {
              "labels": {"workload": "kubevirt", "tier": "gold"},
              "taints": [{"key": "dedicated", "value": "kata", "effect": "NoSchedule"}]}}]
            """);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(nodes())
                    .hasSize(2)
                    .allSatisfy(
                        node -> {
                          assertThat(node.getMetadata().getLabels())
                              .containsEntry("workload", "kubevirt")
                              .containsEntry("tier", "gold")
                              .doesNotContainKey("team")
                              .containsEntry("nestedvirt.io/kvm", "verified");
                          assertThat(node.getSpec().getTaints())
                              .as("the template's new taints and the admin's, nothing else")
                              .containsExactlyInAnyOrder(
                                  taint("dedicated", "kata", "NoSchedule"), admins);
                          assertThat(node.getMetadata().getAnnotations())
                              .containsEntry("nestedvirt.io/applied-labels", "tier,workload")
                              .containsEntry(
                                  "nestedvirt.io/applied-taints", "dedicated=kata:NoSchedule");
                        }));

    assertThat(instanceByMachine())
        .as("the same machines on the same instances: nothing was replaced")
        .isEqualTo(instanceByMachine);
    assertThat(bed.machines(POOL))
        .allSatisfy(m -> assertThat(m.getMetadata().getDeletionTimestamp()).isNull());
    assertThat(bed.ec2.instances())
        .as("no instance launched or terminated")
        .extracting(EmulatedInstance::id)
        .containsExactlyInAnyOrderElementsOf(launched);
    assertThat(bed.liveInstances(POOL)).hasSize(2);

    // Steady again: the reshaped nodes are not written over and over (the writes' own node
    // events come back to the machines).
    assertNoNodeWrites();
  }

  private void assertNoNodeWrites() throws InterruptedException {
    Thread.sleep(OperatorTestbed.REFRESH.toMillis() * 3); // let the last writes settle
    bed.api.takeRequests();
    Thread.sleep(OperatorTestbed.REFRESH.toMillis() * 10);
    assertThat(
            bed.api.takeRequests().stream()
                .filter(r -> !r.startsWith("GET "))
                .filter(r -> r.contains("/api/v1/nodes/"))
                .toList())
        .as("no node written once its shape matches the template")
        .isEmpty();
  }

  private Map<String, String> instanceByMachine() {
    return bed.machines(POOL).stream()
        .collect(
            Collectors.toMap(
                (NestedVirtInstance m) -> m.getMetadata().getName(),
                m -> m.getStatus().instanceId));
  }

  private List<Node> nodes() {
    return bed.client().nodes().withLabel("nestedvirt.io/pool", POOL).list().getItems();
  }

  private static Node addTaint(Node node, Taint taint) {
    node.getSpec().getTaints().add(taint);
    return node;
  }

  private static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }
}
