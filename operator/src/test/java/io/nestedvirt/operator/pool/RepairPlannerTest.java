package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.RepairSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which unhealthy machines a pool replaces, with the default notReadyTimeout of 15m. */
class RepairPlannerTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private static final Instant LONG_AGO = NOW.minus(Duration.ofMinutes(16));

  private final RepairSpec defaults = new RepairSpec();

  @Test
  void inAPoolOfThreeOneUnhealthyNodeIsRepairedAndTwoAreNot() {
    List<NestedVirtInstance> one = pool(3, 1, LONG_AGO);
    var plan = RepairPlanner.plan(defaults, one, List.of(), NOW);
    assertThat(plan.blocked()).isFalse();
    assertThat(plan.toRepair()).extracting(NestedVirtInstance::name).containsExactly("m-0");

    var two = RepairPlanner.plan(defaults, pool(3, 2, LONG_AGO), List.of(), NOW);
    assertThat(two.blocked()).as("2 of 3 is more than 20%").isTrue();
    assertThat(two.toRepair()).isEmpty();
  }

  @Test
  void inAPoolOfTenTwoUnhealthyNodesAreRepairedAndThreeAreNot() {
    var two = RepairPlanner.plan(defaults, pool(10, 2, LONG_AGO), List.of(), NOW);
    assertThat(two.blocked()).isFalse();
    assertThat(two.toRepair()).extracting(NestedVirtInstance::name).containsExactly("m-0", "m-1");

    var three = RepairPlanner.plan(defaults, pool(10, 3, LONG_AGO), List.of(), NOW);
    assertThat(three.blocked()).isTrue();
    assertThat(three.toRepair()).isEmpty();
  }

  @Test
  void aPoolOfOneMayRepairItsOnlyNode() {
    var plan = RepairPlanner.plan(defaults, pool(1, 1, LONG_AGO), List.of(), NOW);
    assertThat(plan.toRepair()).hasSize(1);
  }

  @Test
  void nothingIsRepairedBeforeTheTimeoutAndThePoolIsToldWhenToLookAgain() {
    Instant since = NOW.minus(Duration.ofMinutes(14));
    var plan = RepairPlanner.plan(defaults, pool(3, 1, since), List.of(), NOW);
    assertThat(plan.toRepair()).isEmpty();
    assertThat(plan.nextDeadline()).contains(since.plus(Duration.ofMinutes(15)));

    RepairSpec quick = new RepairSpec();
    quick.notReadyTimeout = "10m";
    assertThat(RepairPlanner.plan(quick, pool(3, 1, since), List.of(), NOW).toRepair())
        .as("a shorter notReadyTimeout")
        .hasSize(1);
  }

  @Test
  void disabledRepairsNothingAndSaysSo() {
    RepairSpec off = new RepairSpec();
    off.enabled = false;
    var plan = RepairPlanner.plan(off, pool(3, 1, LONG_AGO), List.of(), NOW);
    assertThat(plan.toRepair()).isEmpty();
    assertThat(plan.nextDeadline()).isEmpty();

    PoolConditions conditions = new PoolConditions(null, 1, NOW);
    plan.report(conditions);
    Condition c = conditions.get(ConditionType.NODES_HEALTHY).orElseThrow();
    assertThat(c.status).isEqualTo("False");
    assertThat(c.reason).isEqualTo("RepairDisabled");
    assertThat(c.message).contains("1 of 3 nodes unhealthy", "spec.repair.enabled: false");
  }

  @Test
  void aMachineBeingReplacedStillCountsAsUnhealthyUntilItIsGone() {
    NestedVirtInstance leaving = unhealthy("leaving", LONG_AGO);
    leaving.getMetadata().setDeletionTimestamp(NOW.toString());
    var plan = RepairPlanner.plan(defaults, pool(3, 1, LONG_AGO), List.of(leaving), NOW);
    assertThat(plan.unhealthy()).hasSize(2);
    assertThat(plan.blocked()).isTrue();
    assertThat(plan.toRepair()).isEmpty();
  }

  @Test
  void theConditionNamesTheUnhealthyAndWhyNoneIsReplacedWhenBlocked() {
    var plan = RepairPlanner.plan(defaults, pool(3, 2, LONG_AGO), List.of(), NOW);
    PoolConditions conditions = new PoolConditions(null, 1, NOW);
    plan.report(conditions);
    Condition c = conditions.get(ConditionType.NODES_HEALTHY).orElseThrow();
    assertThat(c.status).isEqualTo("False");
    assertThat(c.reason).isEqualTo("RepairBlocked");
    assertThat(c.message)
        .contains("2 of 3 nodes unhealthy", "m-0 (NodeNotReady since", "more than 20%");

    PoolConditions healthy = new PoolConditions(null, 1, NOW);
    RepairPlanner.plan(defaults, pool(3, 0, LONG_AGO), List.of(), NOW).report(healthy);
    assertThat(healthy.get(ConditionType.NODES_HEALTHY).orElseThrow().reason)
        .isEqualTo("AllHealthy");
  }

  /** {@code size} machines of which the first {@code sick} have been unhealthy since {@code t}. */
  private static List<NestedVirtInstance> pool(int size, int sick, Instant since) {
    List<NestedVirtInstance> machines = new ArrayList<>();
    IntStream.range(0, size)
        .forEach(i -> machines.add(i < sick ? unhealthy("m-" + i, since) : healthy("m-" + i)));
    return machines;
  }

  private static NestedVirtInstance healthy(String name) {
    return machine(name, new Condition("Healthy", "True", "Healthy", "ok", NOW.toString(), null));
  }

  private static NestedVirtInstance unhealthy(String name, Instant since) {
    return machine(
        name,
        new Condition(
            "Healthy", "False", "NodeNotReady", "node Ready=Unknown", since.toString(), null));
  }

  private static NestedVirtInstance machine(String name, Condition healthy) {
    NestedVirtInstance m = new NestedVirtInstance();
    m.setMetadata(new ObjectMetaBuilder().withName(name).withUid("uid-" + name).build());
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = "i-" + name;
    status.phase = "Ready";
    status.conditions = List.of(healthy);
    m.setStatus(status);
    return m;
  }
}
