package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pool's counts and Scaled condition come from its machines' own status. */
class PoolReportTest {
  private static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");

  @Test
  void countsReadyMachinesAndEveryPhaseWithZeros() {
    var report =
        new PoolReport(
            3,
            List.of(machine("a", "Ready"), machine("b", "Ready"), machine("c", "Joining")),
            List.of(machine("a", "Ready"), machine("b", "Ready"), machine("c", "Joining")));
    assertThat(report.ready()).isEqualTo(2);
    assertThat(report.complete()).isFalse();
    assertThat(report.phaseCounts())
        .containsEntry("Ready", 2)
        .containsEntry("Joining", 1)
        .containsEntry("Failed", 0)
        .hasSize(7);
  }

  @Test
  void aMachineBeingDeletedCountsAsTerminatingUnlessItDrains() {
    NestedVirtInstance leaving = machine("gone", "Ready");
    leaving.getMetadata().setDeletionTimestamp(NOW.toString());
    NestedVirtInstance draining = machine("draining", "Draining");
    draining.getMetadata().setDeletionTimestamp(NOW.toString());
    var report = new PoolReport(0, List.of(), List.of(leaving, draining));
    assertThat(report.phaseCounts()).containsEntry("Terminating", 1).containsEntry("Draining", 1);
    assertThat(report.leaving()).isEqualTo(2);
  }

  @Test
  void scaledSaysWhyALaunchDoesNotLandWithTheMachinesOwnWords() {
    NestedVirtInstance retrying = machine("r", "Launching");
    retrying.getStatus().conditions =
        List.of(condition("Launched", "Unknown", "Throttled", "RunInstances throttled; repeating"));
    PoolConditions conditions = new PoolConditions(List.of(), 1, NOW);
    new PoolReport(
            2, List.of(machine("a", "Ready"), retrying), List.of(machine("a", "Ready"), retrying))
        .scaled(conditions, false);
    Condition scaled = conditions.get(ConditionType.SCALED).orElseThrow();
    assertThat(scaled.reason)
        .as("the count is right, but one instance is not there yet")
        .isEqualTo("Throttled");
    assertThat(scaled.message).isEqualTo("2 of 2 machines: RunInstances throttled; repeating");

    PoolConditions short1 = new PoolConditions(List.of(), 1, NOW);
    new PoolReport(
            3, List.of(machine("a", "Ready"), retrying), List.of(machine("a", "Ready"), retrying))
        .scaled(short1, false);
    assertThat(short1.get(ConditionType.SCALED).orElseThrow().reason).isEqualTo("Throttled");
    assertThat(short1.get(ConditionType.SCALED).orElseThrow().message)
        .isEqualTo("2 of 3 machines: RunInstances throttled; repeating");
  }

  @Test
  void aStuckDrainIsWhatScaledReportsFirst() {
    NestedVirtInstance stuck = machine("s", "Draining");
    stuck.getMetadata().setDeletionTimestamp(NOW.toString());
    stuck.getStatus().conditions =
        List.of(condition("Draining", "True", "DrainStuck", "draining node n has taken longer"));
    PoolConditions conditions = new PoolConditions(List.of(), 1, NOW);
    new PoolReport(1, List.of(machine("a", "Ready")), List.of(machine("a", "Ready"), stuck))
        .scaled(conditions, true);
    Condition scaled = conditions.get(ConditionType.SCALED).orElseThrow();
    assertThat(scaled.reason).isEqualTo("DrainStuck");
    assertThat(scaled.message).startsWith("draining node n");
  }

  @Test
  void aNodeWhoseVmsMigrateIsWhatScaledSaysWhileItLeaves() {
    NestedVirtInstance victim = machine("v", "Draining");
    victim.getStatus().conditions =
        List.of(
            condition(
                "Draining",
                "True",
                "Migrating",
                "node n cordoned, KubeVirt migrating its VMs: 1 VMI to move (vms/a), 1 moved"));
    PoolConditions conditions = new PoolConditions(List.of(), 1, NOW);
    new PoolReport(1, List.of(machine("a", "Ready")), List.of(machine("a", "Ready"), victim))
        .scaled(conditions, false);
    Condition scaled = conditions.get(ConditionType.SCALED).orElseThrow();
    assertThat(scaled.reason).isEqualTo("Migrating");
    assertThat(scaled.message)
        .isEqualTo(
            "1 of 1 machines, 1 being removed: node n cordoned, KubeVirt migrating its VMs: 1 VMI"
                + " to move (vms/a), 1 moved");

    victim.getStatus().conditions =
        List.of(condition("Draining", "False", "WaitingForMigrationSlot", "3 nodes with VMs"));
    PoolConditions waiting = new PoolConditions(List.of(), 1, NOW);
    new PoolReport(1, List.of(machine("a", "Ready")), List.of(machine("a", "Ready"), victim))
        .scaled(waiting, false);
    assertThat(waiting.get(ConditionType.SCALED).orElseThrow().reason)
        .isEqualTo("WaitingForMigrationSlot");
  }

  @Test
  void noCapacityAnywhereIsInsufficientCapacity() {
    PoolConditions conditions = new PoolConditions(List.of(), 1, NOW);
    new PoolReport(2, List.of(machine("a", "Ready")), List.of(machine("a", "Ready")))
        .scaled(conditions, true);
    assertThat(conditions.get(ConditionType.SCALED).orElseThrow().reason)
        .isEqualTo("InsufficientCapacity");
  }

  private static NestedVirtInstance machine(String name, String phase) {
    NestedVirtInstance m = new NestedVirtInstance();
    m.setMetadata(new ObjectMetaBuilder().withName(name).withUid("uid-" + name).build());
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.phase = phase;
    status.conditions = new ArrayList<>();
    m.setStatus(status);
    return m;
  }

  private static Condition condition(String type, String status, String reason, String message) {
    return new Condition(type, status, reason, message, NOW.toString(), null);
  }
}
