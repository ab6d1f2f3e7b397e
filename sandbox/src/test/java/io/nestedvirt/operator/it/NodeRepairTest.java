package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import io.micrometer.core.instrument.Timer;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.RepairSpec;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Verified nodes that stop serving are replaced after the pool's spec.repair.notReadyTimeout (15m
 * by default), never more than 20% of a pool at once; the operator in-process against the embedded
 * API server, the EC2 emulator and simulated kubelets, with the shared clock moved by the test. The
 * operator assumes the agent's default interval (5m), so a verdict is stale after 15m; after each
 * move of the clock the healthy kubelets and agents post their heartbeats, as they would have
 * meanwhile.
 */
class NodeRepairTest {
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void aVerifiedNodeWhoseReadyGoesUnknownIsReplacedAfterTheTimeoutAndNotBefore() {
    bed.startOperator();
    bed.createPool("lost", 1, "m8i.large");
    bed.awaitReady("lost", 1);
    NestedVirtInstance machine = bed.machines("lost").get(0);
    String instance = machine.getStatus().instanceId;

    bed.kubelets.loseNode(instance);
    awaitHealthy(machine, "False", "NodeNotReady");
    bed.awaitPool(
        "lost",
        p ->
            p.getStatus().readyReplicas == 0
                && p.getStatus().replicas == 1
                && condition(p.getStatus().conditions, "NodesHealthy")
                    .filter(c -> c.reason.equals("Unhealthy"))
                    .isPresent());
    assertThat(bed.machine(machine.getMetadata().getName()).getStatus().phase)
        .as("unhealthy, not failed: it still counts toward the pool until it is replaced")
        .isEqualTo("Verifying");

    passTime(Duration.ofMinutes(14), "lost");
    assertThat(bed.machine(machine.getMetadata().getName()).isDeleting()).isFalse();
    assertThat(stateOf(instance)).isEqualTo(InstanceState.RUNNING);
    assertThat(bed.ec2.instances()).filteredOn(i -> isOf(i, "lost")).hasSize(1);

    passTime(Duration.ofMinutes(2), "lost");
    awaitReplaced("lost", 1, instance);
    assertThat(bed.events("lost"))
        .filteredOn(e -> e.getReason().equals("NodeReplaced"))
        .extracting(Event::getMessage)
        .singleElement()
        .satisfies(
            m ->
                assertThat(m)
                    .contains(instance, "spec.repair.notReadyTimeout", "NodeNotReady")
                    .contains("Ready=Unknown"));
  }

  @Test
  void whenTwoOfThreeNodesAreNotReadyNoneIsReplacedAndThePoolSaysSoOnce() {
    bed.startOperator();
    bed.createPool("zone", 3, "m8i.large");
    bed.awaitReady("zone", 3);
    List<String> instances =
        bed.machines("zone").stream().map(m -> m.getStatus().instanceId).sorted().toList();

    bed.kubelets.loseNode(instances.get(0));
    bed.kubelets.loseNode(instances.get(1));
    bed.awaitPool(
        "zone",
        p ->
            condition(p.getStatus().conditions, "NodesHealthy")
                .filter(c -> c.reason.equals("RepairBlocked"))
                .isPresent());

    passTime(Duration.ofMinutes(16), "zone");
    passTime(Duration.ofMinutes(16), "zone");

    assertThat(bed.machines("zone")).hasSize(3).noneMatch(NestedVirtInstance::isDeleting);
    assertThat(bed.ec2.instances())
        .filteredOn(i -> isOf(i, "zone"))
        .as("nothing launched, nothing terminated")
        .hasSize(3)
        .allMatch(i -> i.state() == InstanceState.RUNNING);
    Condition blocked = bed.condition("zone", "NodesHealthy").orElseThrow();
    assertThat(blocked.status).isEqualTo("False");
    assertThat(blocked.message).contains("2 of 3 nodes unhealthy", "more than 20%");
    assertThat(bed.events("zone"))
        .filteredOn(e -> e.getReason().equals("RepairBlocked"))
        .as("one Warning for the transition, not one per reconcile")
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"))
        .satisfies(e -> assertThat(e.getCount()).isIn(null, 1));
    assertThat(bed.events("zone")).noneMatch(e -> e.getReason().equals("NodeReplaced"));
  }

  @Test
  void withRepairDisabledAnUnhealthyNodeStaysAndThePoolSaysRepairIsOff() {
    bed.startOperator();
    bed.createPool(
        "manual",
        1,
        spec -> {
          spec.repair = new RepairSpec();
          spec.repair.enabled = false;
        },
        "m8i.large");
    bed.awaitReady("manual", 1);
    NestedVirtInstance machine = bed.machines("manual").get(0);
    String instance = machine.getStatus().instanceId;

    bed.kubelets.loseNode(instance);
    awaitHealthy(machine, "False", "NodeNotReady");
    passTime(Duration.ofMinutes(16), "manual");
    passTime(Duration.ofMinutes(16), "manual");

    assertThat(bed.machine(machine.getMetadata().getName()).isDeleting()).isFalse();
    assertThat(stateOf(instance)).isEqualTo(InstanceState.RUNNING);
    assertThat(bed.ec2.instances()).filteredOn(i -> isOf(i, "manual")).hasSize(1);
    Condition off = bed.condition("manual", "NodesHealthy").orElseThrow();
    assertThat(off.reason).isEqualTo("RepairDisabled");
    assertThat(off.message).contains("spec.repair.enabled: false");
    assertThat(bed.events("manual")).noneMatch(e -> e.getReason().equals("NodeReplaced"));
  }

  @Test
  void anInstanceStoppedBehindTheOperatorsBackIsReplacedAfterTheTimeout() {
    bed.startOperator();
    bed.createPool("stopped", 1, "m8i.large");
    bed.awaitReady("stopped", 1);
    NestedVirtInstance machine = bed.machines("stopped").get(0);
    String instance = machine.getStatus().instanceId;

    bed.ec2.stopInstance(instance);
    awaitHealthy(machine, "False", "InstanceStopped");
    bed.awaitPool("stopped", p -> p.getStatus().readyReplicas == 0);
    assertThat(bed.machine(machine.getMetadata().getName()).isDeleting()).isFalse();

    passTime(Duration.ofMinutes(16), "stopped");
    awaitReplaced("stopped", 1, instance);
    assertThat(bed.events("stopped"))
        .filteredOn(e -> e.getReason().equals("NodeReplaced"))
        .extracting(Event::getMessage)
        .singleElement()
        .satisfies(m -> assertThat(m).contains(instance, "InstanceStopped"));
  }

  @Test
  void aStaleAgentVerdictUnverifiesTheNodeAtOnceAndReplacesItAfterTheTimeout() {
    bed.startOperator();
    bed.createPool("silent", 1, "m8i.large");
    bed.awaitReady("silent", 1);
    NestedVirtInstance machine = bed.machines("silent").get(0);
    String instance = machine.getStatus().instanceId;
    String nodeName = machine.getStatus().nodeName;

    bed.kubelets.silenceAgent(instance);
    passTime(Duration.ofMinutes(14), "silent");
    assertThat(node(nodeName).getMetadata().getLabels())
        .as("a verdict renewed within three intervals still counts")
        .containsEntry("nestedvirt.io/kvm", "verified");

    passTime(Duration.ofMinutes(2), "silent");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !"verified"
                    .equals(node(nodeName).getMetadata().getLabels().get("nestedvirt.io/kvm")));
    assertThat(node(nodeName).getSpec().getTaints())
        .extracting(Taint::getKey)
        .contains("nestedvirt.io/unverified");
    awaitHealthy(machine, "False", "VerificationStale");
    assertThat(bed.machine(machine.getMetadata().getName()).isDeleting())
        .as("not before the timeout")
        .isFalse();

    passTime(Duration.ofMinutes(16), "silent");
    awaitReplaced("silent", 1, instance);
    assertThat(bed.events("silent"))
        .filteredOn(e -> e.getReason().equals("NodeReplaced"))
        .extracting(Event::getMessage)
        .singleElement()
        .satisfies(m -> assertThat(m).contains(instance, "VerificationStale"));
  }

  /**
   * Moves the shared clock; the kubelets and agents that still run post their heartbeats, as they
   * would have meanwhile; then waits until the machines were looked at again (the heartbeats change
   * their Nodes) and, unless the pool was Ready and so has nothing to do, until the pool was
   * reconciled three more times, so whatever they decide at the new time has been decided.
   */
  private void passTime(Duration by, String pool) {
    boolean settled = bed.condition(pool, "Ready").filter(c -> c.status.equals("True")).isPresent();
    long machineReconciles = timerCount("nestedvirt.reconcile.step.duration", "step", "health");
    long poolReconciles = timerCount("nestedvirt.reconcile.duration", OperatorMetrics.POOL, pool);
    bed.clock.advance(by);
    bed.kubelets.heartbeat();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                timerCount("nestedvirt.reconcile.step.duration", "step", "health")
                        > machineReconciles
                    && (settled
                        || timerCount("nestedvirt.reconcile.duration", OperatorMetrics.POOL, pool)
                            >= poolReconciles + 3));
  }

  private long timerCount(String name, String tag, String value) {
    Timer timer = bed.metrics.registry().find(name).tag(tag, value).timer();
    return timer == null ? 0 : timer.count();
  }

  /** The unhealthy machine is gone, its instance terminated, and a successor is Ready. */
  private void awaitReplaced(String pool, int replicas, String oldInstance) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                stateOf(oldInstance) != InstanceState.RUNNING
                    && stateOf(oldInstance) != InstanceState.STOPPED
                    && stateOf(oldInstance) != InstanceState.STOPPING);
    bed.awaitReady(pool, replicas);
    assertThat(bed.readyInstances(pool)).doesNotContain(oldInstance).hasSize(replicas);
    assertThat(bed.ec2.instances())
        .filteredOn(i -> isOf(i, pool))
        .as("one successor per replaced node, no more")
        .hasSize(replicas + 1);
  }

  private void awaitHealthy(NestedVirtInstance machine, String status, String reason) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Optional.ofNullable(bed.machine(machine.getMetadata().getName()))
                    .flatMap(m -> condition(m.getStatus().conditions, "Healthy"))
                    .filter(c -> c.status.equals(status) && c.reason.equals(reason))
                    .isPresent());
  }

  private static Optional<Condition> condition(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.type)).findFirst();
  }

  private Node node(String name) {
    return bed.client().nodes().withName(name).get();
  }

  private static boolean isOf(EmulatedInstance i, String pool) {
    return pool.equals(i.tags().get(io.nestedvirt.operator.cloud.Tags.POOL));
  }

  private InstanceState stateOf(String instanceId) {
    return bed.ec2.instances().stream()
        .filter(i -> i.id().equals(instanceId))
        .map(EmulatedInstance::state)
        .findFirst()
        .orElse(InstanceState.TERMINATED);
  }
}
