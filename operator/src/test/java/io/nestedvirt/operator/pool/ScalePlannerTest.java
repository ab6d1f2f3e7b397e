package io.nestedvirt.operator.pool;

import static io.nestedvirt.operator.pool.Fixtures.A;
import static io.nestedvirt.operator.pool.Fixtures.instance;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScalePlannerTest {
  /** Planning where an instance's phase follows its EC2 state and nodes run no pods. */
  private static ScalePlanner.ScalePlan plan(int desired, List<Instance> active) {
    return ScalePlanner.plan(
        desired,
        active,
        i -> i.state() == InstanceState.RUNNING ? InstancePhase.Ready : InstancePhase.Launching,
        i -> 0);
  }

  private final Instance oldRunning = instance("i-old", InstanceState.RUNNING, A, 0);
  private final Instance midRunning = instance("i-mid", InstanceState.RUNNING, A, 60);
  private final Instance newRunning = instance("i-new", InstanceState.RUNNING, A, 120);
  private final Instance oldPending = instance("i-pending", InstanceState.PENDING, A, 10);

  @Test
  void launchesTheMissingInstances() {
    var plan = plan(5, List.of(oldRunning, midRunning));
    assertThat(plan.toLaunch()).isEqualTo(3);
    assertThat(plan.toTerminate()).isEmpty();
  }

  @Test
  void steadyPoolPlansNothing() {
    var plan = plan(2, List.of(oldRunning, midRunning));
    assertThat(plan.toLaunch()).isZero();
    assertThat(plan.toTerminate()).isEmpty();
  }

  @Test
  void scaleDownTerminatesInstancesNotRunningYetThenTheNewest() {
    var plan = plan(2, List.of(oldRunning, newRunning, oldPending, midRunning));
    assertThat(plan.toLaunch()).isZero();
    assertThat(plan.toTerminate()).extracting(Instance::id).containsExactly("i-pending", "i-new");
  }

  @Test
  void scaleToZeroTerminatesEverything() {
    var plan = plan(0, List.of(oldRunning, midRunning));
    assertThat(plan.toTerminate())
        .extracting(Instance::id)
        .containsExactlyInAnyOrder("i-old", "i-mid");
  }

  @Test
  void scaleDownRemovesUnjoinedThenUnverifiedThenTheReadyNodeWithFewestPods() {
    Instance joining = instance("i-joining", InstanceState.RUNNING, A, 0);
    Instance verifying = instance("i-verifying", InstanceState.RUNNING, A, 0);
    Instance busy = instance("i-busy", InstanceState.RUNNING, A, 500);
    Instance quiet = instance("i-quiet", InstanceState.RUNNING, A, 0);
    java.util.Map<String, InstancePhase> phases =
        java.util.Map.of(
            "i-joining", InstancePhase.Joining,
            "i-verifying", InstancePhase.Verifying,
            "i-busy", InstancePhase.Ready,
            "i-quiet", InstancePhase.Ready);
    java.util.Map<String, Integer> pods = java.util.Map.of("i-busy", 9, "i-quiet", 1);
    java.util.List<String> asked = new java.util.ArrayList<>();

    var plan =
        ScalePlanner.plan(
            1,
            List.of(busy, quiet, verifying, joining),
            i -> phases.get(i.id()),
            i -> {
              asked.add(i.id());
              return pods.getOrDefault(i.id(), 0);
            });

    assertThat(plan.toTerminate())
        .extracting(Instance::id)
        .containsExactly("i-joining", "i-verifying", "i-quiet");
    assertThat(asked).as("pods are counted once per Ready candidate").doesNotHaveDuplicates();
  }
}
