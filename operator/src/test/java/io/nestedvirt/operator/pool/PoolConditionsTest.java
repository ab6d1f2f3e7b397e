package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolConditionsTest {
  private final Instant t0 = Instant.parse("2026-11-26T00:00:00Z");
  private final Instant t1 = t0.plusSeconds(60);

  @Test
  void keepsTransitionTimeWhileStatusIsUnchanged() {
    List<Condition> first =
        new PoolConditions(List.of(), 1, t0)
            .set(ConditionType.SCALED, false, ConditionReason.ScalingUp, "0 of 3")
            .finish(false, "0 of 3");
    List<Condition> second =
        new PoolConditions(first, 1, t1)
            .set(ConditionType.SCALED, false, ConditionReason.ScalingUp, "2 of 3")
            .finish(false, "2 of 3");
    assertThat(find(second, ConditionType.SCALED).lastTransitionTime).isEqualTo(t0.toString());
    assertThat(find(second, ConditionType.SCALED).message).isEqualTo("2 of 3");
  }

  @Test
  void aNewMessageIsAChangeButNoTransitionAndTheSameOneIsNeither() {
    List<Condition> blocked =
        new PoolConditions(List.of(), 1, t0)
            .set(ConditionType.SCALED, false, ConditionReason.ScaleDownBlocked, "node a held")
            .finish(false, "");
    // Within one reconcile Scaled is set twice (first ScalingDown): only the final one counts.
    PoolConditions same =
        new PoolConditions(blocked, 1, t1)
            .set(ConditionType.SCALED, false, ConditionReason.ScalingDown, "3 of 2")
            .set(ConditionType.SCALED, false, ConditionReason.ScaleDownBlocked, "node a held");
    PoolConditions other =
        new PoolConditions(blocked, 1, t1)
            .set(ConditionType.SCALED, false, ConditionReason.ScaleDownBlocked, "node b held");

    assertThat(same.changed(ConditionType.SCALED)).isFalse();
    assertThat(other.changed(ConditionType.SCALED)).isTrue();
    assertThat(other.transitioned(ConditionType.SCALED)).isFalse();
  }

  @Test
  void reasonsOnlyANewerOperatorKnowsAreCarriedOverNotFatal() {
    // Written by a newer operator version before this one was rolled back.
    List<Condition> newer =
        List.of(
            new Condition(
                ConditionType.SCALED,
                "False",
                "WaitingForHibernation",
                "2 of 3",
                t0.toString(),
                1L),
            new Condition(
                ConditionType.INSTANCE_TYPES_VALID,
                "False",
                "SomeNewCheck",
                "a newer check",
                t0.toString(),
                1L));
    List<Condition> conditions = new PoolConditions(newer, 1, t1).finish(false, "2 of 3");
    assertThat(find(conditions, ConditionType.RECONCILING).reason)
        .isEqualTo("WaitingForHibernation");
    assertThat(find(conditions, ConditionType.READY).reason).isEqualTo("WaitingForHibernation");
    assertThat(find(conditions, ConditionType.STALLED).status)
        .as("an unknown reason says nothing about the spec")
        .isEqualTo("False");
  }

  @Test
  void movesTransitionTimeWhenStatusFlips() {
    List<Condition> first =
        new PoolConditions(List.of(), 1, t0)
            .set(ConditionType.SCALED, false, ConditionReason.ScalingUp, "0 of 3")
            .finish(false, "");
    List<Condition> second =
        new PoolConditions(first, 1, t1)
            .set(ConditionType.SCALED, true, ConditionReason.Scaled, "3")
            .finish(true, "3 of 3");
    assertThat(find(second, ConditionType.SCALED).lastTransitionTime).isEqualTo(t1.toString());
    assertThat(find(second, ConditionType.READY).status).isEqualTo("True");
    assertThat(find(second, ConditionType.RECONCILING).status).isEqualTo("False");
  }

  @Test
  void aScaledPoolWithUnhealthyNodesIsReconcilingForThatReasonNotStalled() {
    List<Condition> conditions =
        new PoolConditions(List.of(), 1, t0)
            .set(ConditionType.SCALED, true, ConditionReason.Scaled, "3 machines")
            .set(
                ConditionType.NODES_HEALTHY,
                false,
                ConditionReason.RepairBlocked,
                "2 of 3 nodes unhealthy")
            .finish(false, "1 of 3 nodes verified and Ready");
    assertThat(find(conditions, ConditionType.RECONCILING).reason).isEqualTo("RepairBlocked");
    assertThat(find(conditions, ConditionType.READY).reason).isEqualTo("RepairBlocked");
    assertThat(find(conditions, ConditionType.STALLED).status)
        .as("an outage clears by itself; the spec is fine")
        .isEqualTo("False");
  }

  @Test
  void aFailedReconcileSaysSoInReconcilingAndLeavesWhatTheLastOneFound() {
    List<Condition> ready =
        new PoolConditions(List.of(), 1, t0)
            .set(ConditionType.SCALED, true, ConditionReason.Scaled, "3")
            .finish(true, "3 of 3");
    List<Condition> failing =
        new PoolConditions(ready, 1, t1).retrying("reconcile failed in step checkTypes: ...");

    assertThat(find(failing, ConditionType.RECONCILING).status).isEqualTo("True");
    assertThat(find(failing, ConditionType.RECONCILING).reason).isEqualTo("RetryingAfterError");
    assertThat(find(failing, ConditionType.RECONCILING).message).contains("step checkTypes");
    assertThat(find(failing, ConditionType.READY).status)
        .as("a Ready pool stays Ready while a check is retried")
        .isEqualTo("True");

    List<Condition> fresh = new PoolConditions(List.of(), 1, t0).retrying("failed");
    assertThat(find(fresh, ConditionType.READY).status)
        .as("a new pool is not Ready")
        .isEqualTo("False");
    assertThat(find(fresh, ConditionType.STALLED).status).isEqualTo("False");
  }

  @Test
  void invalidSpecStallsThePoolWithTheStepsMessage() {
    List<Condition> conditions =
        new PoolConditions(List.of(), 2, t0)
            .set(
                ConditionType.INSTANCE_TYPES_VALID,
                false,
                ConditionReason.IncapableInstanceType,
                "no nested virtualization on c7i.large")
            .finish(false, "");
    assertThat(find(conditions, ConditionType.STALLED).status).isEqualTo("True");
    assertThat(find(conditions, ConditionType.STALLED).message)
        .isEqualTo("no nested virtualization on c7i.large");
    assertThat(find(conditions, ConditionType.READY).reason).isEqualTo("IncapableInstanceType");
    assertThat(find(conditions, ConditionType.RECONCILING).status).isEqualTo("False");
    assertThat(conditions).allMatch(c -> c.observedGeneration == 2L);
  }

  @Test
  void progressIsReconcilingNotStalled() {
    List<Condition> conditions =
        new PoolConditions(List.of(), 1, t0)
            .set(ConditionType.SCALED, false, ConditionReason.InsufficientCapacity, "1 of 3")
            .finish(false, "1 of 3 running");
    assertThat(find(conditions, ConditionType.RECONCILING).status).isEqualTo("True");
    assertThat(find(conditions, ConditionType.RECONCILING).reason)
        .isEqualTo("InsufficientCapacity");
    assertThat(find(conditions, ConditionType.STALLED).status).isEqualTo("False");
  }

  private static Condition find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> c.type.equals(type)).findFirst().orElseThrow();
  }
}
