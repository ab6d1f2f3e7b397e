package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
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

    bed.awaitReady("virt", 2);

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
    assertThat(bed.machines("virt"))
        .allSatisfy(
            m -> {
              assertThat(m.getStatus().phase).isEqualTo("Ready");
              assertThat(nodes)
                  .extracting(n -> n.getMetadata().getName())
                  .contains(m.getStatus().nodeName);
            });
  }

  @Test
  void theStartupTaintStaysUntilTheNodeIsVerifiedAndOnlyVerifiedNodesCountAsReady() {
    bed.kubelets.verdictPolicy(i -> Verdict.probeFailed("KVM_RUN did not reach HLT"));
    bed.startOperator();
    bed.createPool("gate", 1, "m8i.large");

    // Verifying begins when the node registers, before its agent's verdict arrives: wait for the
    // verdict too.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.machines("gate", "Verifying").stream()
                    .anyMatch(
                        m ->
                            m.getStatus().conditions.stream()
                                .anyMatch(
                                    c -> c.type.equals("Verified") && c.status.equals("False"))));
    Node waiting = nodesOf("gate").get(0);
    assertThat(waiting.getSpec().getTaints())
        .extracting(Taint::getKey)
        .contains("nestedvirt.io/unverified");
    assertThat(waiting.getMetadata().getLabels())
        .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", "gate")
        .doesNotContainKey("nestedvirt.io/kvm");
    assertThat(bed.pool("gate").getStatus().readyReplicas).isZero();

    var verifying = bed.machines("gate", "Verifying").get(0);
    assertThat(verifying.getStatus().conditions)
        .filteredOn(c -> c.type.equals("Verified"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.status).isEqualTo("False");
              assertThat(c.reason).isEqualTo("VerificationFailed");
              assertThat(c.message).contains("KVM_RUN did not reach HLT");
            });
    bed.kubelets.setVerdict(verifying.getStatus().instanceId, Verdict.verified());
    bed.awaitReady("gate", 1);
    assertThat(nodesOf("gate").get(0).getSpec().getTaints())
        .extracting(Taint::getKey)
        .doesNotContain("nestedvirt.io/unverified");
  }

  @Test
  void aNodeThatLosesVerificationIsTaintedAgainAndReplacedAfterTheGracePeriod() {
    bed.startOperator();
    bed.createPool("lose", 1, spec -> spec.verificationGracePeriod = "5m", "m8i.large");
    bed.awaitReady("lose", 1);
    String first = bed.readyInstances("lose").iterator().next();

    bed.kubelets.failVerification(first, "KVM_CREATE_VM failed: ENOMEM");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.machines("lose", "Verifying").stream()
                    .anyMatch(m -> first.equals(m.getStatus().instanceId)));
    assertThat(nodeOf(first).getSpec().getTaints())
        .extracting(Taint::getKey)
        .contains("nestedvirt.io/unverified");

    bed.clock.advance(Duration.ofMinutes(6));

    await().atMost(Duration.ofSeconds(30)).until(() -> stateOf(first) != InstanceState.RUNNING);
    bed.awaitReady("lose", 1);
    assertThat(bed.readyInstances("lose")).doesNotContain(first);
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
    await().atMost(Duration.ofSeconds(30)).until(() -> bed.machines("late", "Joining").size() == 1);

    bed.clock.advance(Duration.ofMinutes(16));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stateOf(silent.get()) != InstanceState.RUNNING);
    bed.awaitReady("late", 1);
    assertThat(bed.readyInstances("late")).doesNotContain(silent.get());
    assertThat(bed.events("late"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains(silent.get()) && m.contains("JoinTimeout"));
  }

  @Test
  void anInstanceThatEc2ReportsWithoutNestedVirtualizationIsReplaced() {
    bed.ec2.dropNestedVirtualization(1);
    bed.startOperator();
    bed.createPool("dropped", 1, "m8i.large");

    bed.awaitReady("dropped", 1);

    List<EmulatedInstance> all =
        bed.ec2.instances().stream()
            .filter(i -> "dropped".equals(i.tags().get(Tags.POOL)))
            .toList();
    assertThat(all).hasSize(2);
    EmulatedInstance bad =
        all.stream().filter(i -> !i.cpuOptions().nestedVirtualization()).findFirst().orElseThrow();
    assertThat(bad.state()).isIn(InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED);
    assertThat(bed.machines("dropped", "Ready"))
        .extracting(m -> m.getStatus().nestedVirtualization)
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
    // A real node whose machine has not recorded its instance yet looks the same for a while
    // (a lost launch answer), so the collector reports a claim only after its grace period.
    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
    assertThat(bed.events("trusted")).noneMatch(e -> e.getReason().equals("ForgedNodeIgnored"));

    bed.clock.advance(Duration.ofMinutes(6));

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

  @Test
  void twoNodesClaimingOneInstanceAreNeitherTrustedUntilOneGoesThenTheOtherIsPinned() {
    bed.kubelets.neverRegisterWhen(i -> true);
    bed.startOperator();
    bed.createPool("twice", 1, "m8i.large");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> bed.machines("twice", "Joining").size() == 1);
    NestedVirtInstance machine = bed.machines("twice").get(0);
    String instance = machine.getStatus().instanceId;
    String providerId = "aws:///" + machine.getSpec().zone + "/" + instance;
    // Both appear while the operator is down, so it sees them at once and cannot tell which one
    // the instance's kubelet created.
    bed.stopOperator();
    createNode("claimant-a", "twice", providerId);
    createNode("claimant-b", "twice", providerId);
    bed.startOperator();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                registered(machine.getMetadata().getName())
                    .map(c -> c.reason.equals("DuplicateNodes"))
                    .orElse(false));
    assertThat(registered(machine.getMetadata().getName()).orElseThrow().message)
        .contains("claimant-a", "claimant-b", instance);
    assertThat(bed.eventsWithMachines("twice"))
        .filteredOn(e -> e.getReason().equals("DuplicateNode"))
        .isNotEmpty();
    for (String name : List.of("claimant-a", "claimant-b")) {
      assertThat(bed.client().nodes().withName(name).get().getMetadata().getLabels())
          .as("neither claimant is trusted")
          .doesNotContainKey("node-restriction.kubernetes.io/nestedvirt-pool");
    }
    assertThat(bed.machine(machine.getMetadata().getName()).getStatus().nodeName).isNull();

    bed.client().nodes().withName("claimant-b").delete();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "claimant-a"
                    .equals(bed.machine(machine.getMetadata().getName()).getStatus().nodeName));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "twice"
                    .equals(
                        bed.client()
                            .nodes()
                            .withName("claimant-a")
                            .get()
                            .getMetadata()
                            .getLabels()
                            .get("node-restriction.kubernetes.io/nestedvirt-pool")));

    // Pinned: a Node that claims the instance later is ignored, and the bound one keeps its trust.
    createNode("claimant-c", "twice", providerId);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                bed.eventsWithMachines("twice").stream()
                    .anyMatch(
                        e ->
                            e.getReason().equals("DuplicateNode")
                                && e.getMessage().contains("claimant-c")
                                && e.getMessage().contains("bound to node claimant-a")));
    assertThat(bed.machine(machine.getMetadata().getName()).getStatus().nodeName)
        .isEqualTo("claimant-a");
    assertThat(bed.client().nodes().withName("claimant-c").get().getMetadata().getLabels())
        .doesNotContainKey("node-restriction.kubernetes.io/nestedvirt-pool");
  }

  @Test
  void deletingAMachineDrainsAndTerminatesItAndThePoolLaunchesItsSuccessor() {
    bed.startOperator();
    bed.createPool("swap", 2, "m8i.large");
    bed.awaitReady("swap", 2);
    NestedVirtInstance victim = bed.machines("swap").get(0);
    String oldInstance = victim.getStatus().instanceId;
    String oldNode = victim.getStatus().nodeName;

    bed.client().resource(victim).delete();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> bed.machine(victim.getMetadata().getName()) == null);
    assertThat(stateOf(oldInstance)).isIn(InstanceState.SHUTTING_DOWN, InstanceState.TERMINATED);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> bed.client().nodes().withName(oldNode).get() == null);
    bed.awaitReady("swap", 2);
    assertThat(bed.readyInstances("swap")).doesNotContain(oldInstance).hasSize(2);
    assertThat(bed.ec2.instances())
        .filteredOn(i -> "swap".equals(i.tags().get(Tags.POOL)))
        .as("one successor, no more")
        .hasSize(3);
    assertThat(bed.eventsWithMachines("swap"))
        .filteredOn(e -> e.getReason().equals("Terminating"))
        .extracting(Event::getMessage)
        .anyMatch(m -> m.contains(oldInstance));
  }

  private java.util.Optional<io.nestedvirt.operator.api.v1alpha1.Condition> registered(
      String machine) {
    NestedVirtInstance m = bed.machine(machine);
    if (m == null || m.getStatus() == null) {
      return java.util.Optional.empty();
    }
    return m.getStatus().conditions.stream().filter(c -> c.type.equals("Registered")).findFirst();
  }

  private void createNode(String name, String pool, String providerId) {
    bed.client()
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(Map.of("nestedvirt.io/pool", pool))
                .endMetadata()
                .withNewSpec()
                .withProviderID(providerId)
                .endSpec()
                .build())
        .create();
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
