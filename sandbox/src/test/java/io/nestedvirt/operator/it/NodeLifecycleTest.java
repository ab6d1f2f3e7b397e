package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.nestedvirt.operator.api.v1alpha1.InstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NodeTemplateSpec;
import io.nestedvirt.operator.api.v1alpha1.TaintSpec;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import io.nestedvirt.sandbox.kubelet.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Instances become trusted, labelled nodes: the operator in-process against the mock API server,
 * the EC2 emulator and simulated kubelets.
 */
class NodeLifecycleTest {
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void joinedNodesGetThePoolsLabelsAndTaintsAndLoseTheStartupTaintOnceVerified() {
    bed.startOperator();
    bed.createPool(
        "virt",
        2,
        spec -> {
          spec.nodeTemplate = new NodeTemplateSpec();
          spec.nodeTemplate.labels = Map.of("workload", "kubevirt");
          spec.nodeTemplate.taints =
              List.of(new TaintSpec("dedicated", "vms", TaintSpec.Effect.NO_SCHEDULE));
        },
        "m8i.large");

    NestedVirtPool pool = bed.awaitReady("virt", 2);

    List<Node> nodes = nodesOf("virt");
    assertThat(nodes).hasSize(2);
    for (Node node : nodes) {
      assertThat(node.getMetadata().getLabels())
          .containsEntry("nestedvirt.io/pool", "virt")
          .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", "virt")
          .containsEntry("nestedvirt.io/kvm", "verified")
          .containsEntry("workload", "kubevirt");
      assertThat(node.getSpec().getTaints())
          .extracting(Taint::getKey)
          .contains("dedicated")
          .doesNotContain("nestedvirt.io/unverified");
    }
    assertThat(pool.getStatus().instances)
        .allSatisfy(
            s -> {
              assertThat(s.phase).isEqualTo("Ready");
              assertThat(s.node).isNotNull();
            });
  }

  @Test
  void theStartupTaintStaysUntilTheNodeIsVerifiedAndOnlyVerifiedNodesCountAsReady() {
    bed.kubelets.verdictPolicy(i -> Verdict.probeFailed("KVM_RUN did not reach HLT"));
    bed.startOperator();
    bed.createPool("gate", 1, "m8i.large");

    bed.awaitPool(
        "gate", p -> p.getStatus().instances.stream().anyMatch(s -> "Verifying".equals(s.phase)));
    Node waiting = nodesOf("gate").get(0);
    assertThat(waiting.getSpec().getTaints())
        .extracting(Taint::getKey)
        .contains("nestedvirt.io/unverified");
    assertThat(waiting.getMetadata().getLabels())
        .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", "gate")
        .doesNotContainKey("nestedvirt.io/kvm");
    assertThat(bed.pool("gate").getStatus().readyReplicas).isZero();

    bed.kubelets.setVerdict(bed.pool("gate").getStatus().instances.get(0).id, Verdict.verified());
    bed.awaitReady("gate", 1);
    assertThat(nodesOf("gate").get(0).getSpec().getTaints())
        .extracting(Taint::getKey)
        .doesNotContain("nestedvirt.io/unverified");
  }

  @Test
  void aNodeThatLosesVerificationIsTaintedAgainAndReplacedAfterTheGracePeriod() {
    bed.startOperator();
    bed.createPool("lose", 1, spec -> spec.verificationGracePeriod = "5m", "m8i.large");
    String first = bed.awaitReady("lose", 1).getStatus().instances.get(0).id;

    bed.kubelets.failVerification(first, "KVM_CREATE_VM failed: ENOMEM");
    bed.awaitPool(
        "lose",
        p ->
            p.getStatus().instances.stream()
                .anyMatch(s -> s.id.equals(first) && "Verifying".equals(s.phase)));
    assertThat(nodeOf(first).getSpec().getTaints())
        .extracting(Taint::getKey)
        .contains("nestedvirt.io/unverified");

    bed.clock.advance(Duration.ofMinutes(6));

    await().atMost(Duration.ofSeconds(30)).until(() -> stateOf(first) != InstanceState.RUNNING);
    NestedVirtPool replaced = bed.awaitReady("lose", 1);
    assertThat(replaced.getStatus().instances)
        .filteredOn(s -> s.phase.equals("Ready"))
        .extracting(s -> s.id)
        .doesNotContain(first);
    assertThat(bed.events("lose"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains(first) && m.contains("VerificationFailed"));
  }

  @Test
  void anInstanceThatNeverJoinsIsReplacedAfterTheJoinTimeout() {
    AtomicReference<String> silent = new AtomicReference<>();
    bed.kubelets.neverRegisterWhen(
        i -> i.id().equals(silent.get()) || silent.compareAndSet(null, i.id()));
    bed.startOperator();
    bed.createPool("late", 1, "m8i.large");
    bed.awaitPool(
        "late", p -> p.getStatus().instances.stream().anyMatch(s -> "Joining".equals(s.phase)));

    bed.clock.advance(Duration.ofMinutes(16));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stateOf(silent.get()) != InstanceState.RUNNING);
    NestedVirtPool pool = bed.awaitReady("late", 1);
    assertThat(pool.getStatus().instances)
        .filteredOn(s -> s.phase.equals("Ready"))
        .extracting(s -> s.id)
        .doesNotContain(silent.get());
    assertThat(bed.events("late"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains(silent.get()) && m.contains("JoinTimeout"));
  }

  @Test
  void anInstanceThatEc2ReportsWithoutNestedVirtualizationIsReplaced() {
    bed.ec2.dropNestedVirtualization(1);
    bed.startOperator();
    bed.createPool("dropped", 1, "m8i.large");

    NestedVirtPool pool = bed.awaitReady("dropped", 1);

    List<EmulatedInstance> all =
        bed.ec2.instances().stream()
            .filter(i -> "dropped".equals(i.tags().get(Tags.POOL)))
            .toList();
    assertThat(all).hasSize(2);
    EmulatedInstance bad =
        all.stream().filter(i -> !i.cpuOptions().nestedVirtualization()).findFirst().orElseThrow();
    assertThat(bad.state()).isIn(InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED);
    assertThat(pool.getStatus().instances)
        .filteredOn(s -> s.phase.equals("Ready"))
        .extracting((InstanceStatus s) -> s.nestedVirtualization)
        .containsExactly("enabled");
    assertThat(bed.events("dropped"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains(bad.id()) && m.contains("NestedVirtualizationDisabled"));
  }

  @Test
  void aForgedNodeThatClaimsThePoolGetsNothingButAnEvent() {
    bed.startOperator();
    bed.createPool("trusted", 1, "m8i.large");
    bed.awaitReady("trusted", 1);

    bed.client()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("forged")
                .withLabels(Map.of("nestedvirt.io/pool", "trusted"))
                .endMetadata()
                .withNewSpec()
                .withProviderID("aws:///us-east-1a/i-00000000000000000")
                .endSpec()
                .build())
        .create();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.events("trusted").stream()
                    .anyMatch(e -> e.getReason().equals("ForgedNodeIgnored")));
    Node forged = bed.client().nodes().withName("forged").get();
    assertThat(forged.getMetadata().getLabels())
        .doesNotContainKey("node-restriction.kubernetes.io/nestedvirt-pool")
        .doesNotContainKey("nestedvirt.io/kvm");
    assertThat(bed.pool("trusted").getStatus().readyReplicas).isEqualTo(1);
  }

  @Test
  void scaleDownRemovesTheNodesOfTerminatedInstances() {
    bed.startOperator();
    bed.createPool("shrink", 3, "m8i.large");
    bed.awaitReady("shrink", 3);

    bed.scale("shrink", 1);
    bed.awaitReady("shrink", 1);

    await().atMost(Duration.ofSeconds(30)).until(() -> nodesOf("shrink").size() == 1);
    assertThat(bed.liveInstances("shrink")).hasSize(1);
  }

  private List<Node> nodesOf(String pool) {
    return bed.client().nodes().list().getItems().stream()
        .filter(n -> n.getMetadata().getLabels() != null)
        .filter(n -> pool.equals(n.getMetadata().getLabels().get("nestedvirt.io/pool")))
        .filter(n -> n.getSpec().getProviderID() != null)
        .filter(n -> !n.getMetadata().getName().equals("forged"))
        .toList();
  }

  private Node nodeOf(String instanceId) {
    return bed.client().nodes().list().getItems().stream()
        .filter(n -> n.getSpec().getProviderID() != null)
        .filter(n -> n.getSpec().getProviderID().endsWith("/" + instanceId))
        .findFirst()
        .orElseThrow();
  }

  private InstanceState stateOf(String instanceId) {
    return bed.ec2.instances().stream()
        .filter(i -> i.id().equals(instanceId))
        .map(EmulatedInstance::state)
        .findFirst()
        .orElse(InstanceState.TERMINATED);
  }
}
