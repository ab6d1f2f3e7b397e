package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RolloutPlannerTest {
  private static final RolloutPlanner.Budget SURGE_ONE = new RolloutPlanner.Budget(1, 0);
  private static final Function<NestedVirtInstance, NodeWorkload> NOTHING_HOLDS =
      m -> NodeWorkload.NONE;

  @Test
  void nothingOutdatedPlansNothing() {
    var plan =
        RolloutPlanner.plan(3, ready("a", "b", "c"), Map.of(), 0, SURGE_ONE, true, NOTHING_HOLDS);
    assertThat(plan).isEqualTo(RolloutPlanner.RolloutPlan.NONE);
  }

  @Test
  void withASurgeTheSuccessorLaunchesFirstAndNoOldNodeGoesUntilItIsReady() {
    List<NestedVirtInstance> old = ready("a", "b", "c");

    var plan = RolloutPlanner.plan(3, old, outdated(old), 0, SURGE_ONE, true, NOTHING_HOLDS);

    assertThat(plan.surge()).isEqualTo(1);
    assertThat(plan.toReplace()).isEmpty();
    assertThat(plan.waiting()).isEqualTo(RolloutPlanner.Waiting.ROLLING);
  }

  @Test
  void aSuccessorStillVerifyingHoldsTheOldNodes() {
    List<NestedVirtInstance> serving = new ArrayList<>(ready("a", "b", "c"));
    serving.add(machine("new", "Verifying", 500));

    var plan =
        RolloutPlanner.plan(
            3, serving, outdated(serving.subList(0, 3)), 0, SURGE_ONE, true, NOTHING_HOLDS);

    assertThat(plan.toReplace()).isEmpty();
    assertThat(plan.surge()).isEqualTo(1);
  }

  @Test
  void onceTheSuccessorIsReadyTheOldestOldNodeGoesAndTheNextWaitsForItsDrain() {
    List<NestedVirtInstance> serving = new ArrayList<>(ready("a", "b", "c"));
    serving.add(machine("new", "Ready", 500));

    var plan =
        RolloutPlanner.plan(
            3, serving, outdated(serving.subList(0, 3)), 0, SURGE_ONE, true, NOTHING_HOLDS);

    assertThat(names(plan.toReplace())).containsExactly("a");
    // One replacement under way uses the whole budget: no second successor while "a" drains.
    assertThat(plan.surge()).isZero();
  }

  @Test
  void aDrainHeldByABudgetHoldsTheRolloutRatherThanPilingUpNodes() {
    List<NestedVirtInstance> serving = new ArrayList<>(ready("b", "c"));
    serving.add(machine("new1", "Ready", 500));
    serving.add(machine("new2", "Ready", 600));

    var plan =
        RolloutPlanner.plan(
            3, serving, outdated(serving.subList(0, 2)), 1, SURGE_ONE, true, NOTHING_HOLDS);

    assertThat(plan.toReplace()).isEmpty();
    assertThat(plan.surge()).isZero();
  }

  @Test
  void readyNodesNeverFallBelowTheCountLessMaxUnavailable() {
    List<NestedVirtInstance> old = ready("a", "b", "c", "d");
    var twoDown = new RolloutPlanner.Budget(0, 2);

    var plan = RolloutPlanner.plan(4, old, outdated(old), 0, twoDown, true, NOTHING_HOLDS);

    assertThat(names(plan.toReplace())).containsExactly("a", "b");
    assertThat(plan.surge()).isZero();

    var next =
        RolloutPlanner.plan(4, old.subList(2, 4), outdated(old), 2, twoDown, true, NOTHING_HOLDS);
    assertThat(next.toReplace()).as("2 of 4 Ready already, and 2 under way").isEmpty();
  }

  @Test
  void surgeAndUnavailableTogetherLaunchAheadAndTakeOneOutAtOnce() {
    List<NestedVirtInstance> old = ready("a", "b", "c");

    var plan =
        RolloutPlanner.plan(
            3, old, outdated(old), 0, new RolloutPlanner.Budget(1, 1), true, NOTHING_HOLDS);

    assertThat(names(plan.toReplace())).containsExactly("a");
    assertThat(plan.surge()).isEqualTo(1);
  }

  @Test
  void outdatedMachinesThatServeNothingGoAtOnceWithoutCostToAvailability() {
    List<NestedVirtInstance> serving = new ArrayList<>(ready("a", "b"));
    NestedVirtInstance joining = machine("joining", "Joining", 400);
    NestedVirtInstance notLaunched = unlaunched("decided");
    serving.add(joining);
    serving.add(notLaunched);

    var plan =
        RolloutPlanner.plan(
            4, serving, outdated(List.of(joining, notLaunched)), 0, SURGE_ONE, true, NOTHING_HOLDS);

    assertThat(names(plan.toReplace())).containsExactlyInAnyOrder("joining", "decided");
  }

  @Test
  void aHeldNodeIsSkippedAndNamedAndTheNextOneGoes() {
    List<NestedVirtInstance> serving = new ArrayList<>(ready("a", "b", "c"));
    serving.add(machine("new", "Ready", 500));
    Map<String, NodeWorkload> onNode = new HashMap<>();
    onNode.put("a", new NodeWorkload(1, List.of(), List.of("the Node has do-not-disrupt")));

    var plan =
        RolloutPlanner.plan(
            3,
            serving,
            outdated(serving.subList(0, 3)),
            0,
            SURGE_ONE,
            true,
            m -> onNode.getOrDefault(m.name(), NodeWorkload.NONE));

    assertThat(names(plan.toReplace())).containsExactly("b");
    assertThat(plan.held()).extracting(h -> h.machine().name()).containsExactly("a");
    assertThat(plan.waiting()).isEqualTo(RolloutPlanner.Waiting.ROLLING);
  }

  @Test
  void whenEveryOutdatedNodeIsHeldNothingSurgesAndThePlanSaysSo() {
    List<NestedVirtInstance> serving = new ArrayList<>(ready("a", "b"));
    serving.add(machine("fresh", "Ready", 500));

    var plan =
        RolloutPlanner.plan(
            3,
            serving,
            outdated(serving.subList(0, 2)),
            0,
            SURGE_ONE,
            true,
            m -> new NodeWorkload(1, List.of(), List.of("pod default/db has do-not-disrupt")));

    assertThat(plan.toReplace()).isEmpty();
    assertThat(plan.surge()).isZero();
    assertThat(plan.held()).hasSize(2);
    assertThat(plan.waiting()).isEqualTo(RolloutPlanner.Waiting.HELD);
  }

  @Test
  void aClosedWindowStartsNothingButKeepsASurgeAlreadyLaunched() {
    List<NestedVirtInstance> serving = new ArrayList<>(ready("a", "b", "c"));

    var closed =
        RolloutPlanner.plan(3, serving, outdated(serving), 0, SURGE_ONE, false, NOTHING_HOLDS);
    assertThat(closed.surge()).isZero();
    assertThat(closed.toReplace()).isEmpty();
    assertThat(closed.waiting()).isEqualTo(RolloutPlanner.Waiting.WINDOW);

    serving.add(machine("new", "Ready", 500));
    var closedAfterSurge =
        RolloutPlanner.plan(
            3, serving, outdated(serving.subList(0, 3)), 0, SURGE_ONE, false, NOTHING_HOLDS);
    assertThat(closedAfterSurge.surge()).isEqualTo(1);
    assertThat(closedAfterSurge.toReplace()).isEmpty();
  }

  @Test
  void nodesOfMachinesThatWaitTheirTurnAreNotRead() {
    List<NestedVirtInstance> old = ready("a", "b", "c", "d", "e", "f");
    List<String> read = new ArrayList<>();

    RolloutPlanner.plan(
        6,
        old,
        outdated(old),
        0,
        SURGE_ONE,
        true,
        m -> {
          read.add(m.name());
          return NodeWorkload.NONE;
        });

    assertThat(read).as("one node read: enough to justify the surge").containsExactly("a");
  }

  /**
   * The budget's promise, step by step: a pool of 3, all outdated, maxSurge 1 and maxUnavailable 0,
   * is rolled one node at a time and never has fewer than 3 Ready nodes.
   */
  @Test
  void aWholeRolloutNeverHasFewerReadyNodesThanTheCount() {
    Map<String, NestedVirtInstance> serving = new HashMap<>();
    ready("a", "b", "c").forEach(m -> serving.put(m.name(), m));
    Map<String, String> old = new HashMap<>(outdated(List.copyOf(serving.values())));
    List<String> draining = new ArrayList<>();
    int launched = 0;
    for (int step = 0; step < 30 && !(old.isEmpty() && draining.isEmpty()); step++) {
      long readyCount =
          serving.values().stream().filter(m -> "Ready".equals(m.getStatus().phase)).count();
      assertThat(readyCount).as("Ready nodes at step " + step).isGreaterThanOrEqualTo(3);
      var plan =
          RolloutPlanner.plan(
              3,
              List.copyOf(serving.values()),
              old,
              draining.size(),
              SURGE_ONE,
              true,
              NOTHING_HOLDS);
      plan.toReplace()
          .forEach(
              m -> {
                serving.remove(m.name());
                old.remove(m.name());
                draining.add(m.name());
              });
      // Successors: whatever is missing from the count plus the surge launches now...
      for (int i = serving.size(); i < 3 + plan.surge(); i++) {
        NestedVirtInstance m = machine("new" + launched++, "Verifying", 1000 + step);
        serving.put(m.name(), m);
      }
      // ...and between two reconciles, each verifying node becomes Ready and each drain ends.
      if (step % 2 == 1) {
        serving.values().forEach(m -> m.getStatus().phase = "Ready");
        draining.clear();
      }
    }
    assertThat(old).isEmpty();
    assertThat(serving).hasSize(3);
    assertThat(launched).isEqualTo(3);
  }

  private static Map<String, String> outdated(List<NestedVirtInstance> machines) {
    return machines.stream()
        .collect(Collectors.toMap(NestedVirtInstance::name, m -> "drifted: image"));
  }

  private static List<String> names(List<NestedVirtInstance> machines) {
    return machines.stream().map(NestedVirtInstance::name).toList();
  }

  private static List<NestedVirtInstance> ready(String... names) {
    List<NestedVirtInstance> out = new ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      out.add(machine(names[i], "Ready", i * 10));
    }
    return out;
  }

  private static NestedVirtInstance unlaunched(String name) {
    NestedVirtInstance m = machine(name, "Launching", 900);
    m.getStatus().instanceId = null;
    m.getStatus().nodeName = null;
    m.getStatus().launchTime = null;
    return m;
  }

  private static NestedVirtInstance machine(String name, String phase, int launchedSecond) {
    NestedVirtInstance m = new NestedVirtInstance();
    Instant at = Instant.ofEpochSecond(1_800_000_000L + launchedSecond);
    m.setMetadata(
        new ObjectMetaBuilder().withName(name).withCreationTimestamp(at.toString()).build());
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = "i-" + name;
    status.phase = phase;
    status.launchTime = at.toString();
    status.nodeName = "node-" + name;
    m.setStatus(status);
    return m;
  }
}
