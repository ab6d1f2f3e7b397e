package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.instance.InstancePhase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScalePlannerTest {
  private final NestedVirtInstance oldReady = machine("old", "i-old", "Ready", 0);
  private final NestedVirtInstance midReady = machine("mid", "i-mid", "Ready", 60);
  private final NestedVirtInstance newReady = machine("new", "i-new", "Ready", 120);
  private final NestedVirtInstance launching = machine("launching", "i-launching", "Launching", 10);
  private final NestedVirtInstance notLaunched = machine("decided", null, "Launching", 200);

  @Test
  void launchesTheMissingMachines() {
    var plan = ScalePlanner.plan(5, List.of(oldReady, midReady), m -> 0);
    assertThat(plan.toLaunch()).isEqualTo(3);
    assertThat(plan.toRemove()).isEmpty();
  }

  @Test
  void aSteadyPoolPlansNothing() {
    var plan = ScalePlanner.plan(2, List.of(oldReady, midReady), m -> 0);
    assertThat(plan.toLaunch()).isZero();
    assertThat(plan.toRemove()).isEmpty();
  }

  @Test
  void scaleDownRemovesMachinesNotLaunchedYetFirstThenThoseNotRunningThenTheNewest() {
    var plan =
        ScalePlanner.plan(2, List.of(oldReady, newReady, launching, notLaunched, midReady), m -> 0);
    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactly("decided", "launching", "new");
  }

  @Test
  void scaleToZeroRemovesEverything() {
    var plan = ScalePlanner.plan(0, List.of(oldReady, midReady), m -> 0);
    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactlyInAnyOrder("old", "mid");
  }

  @Test
  void scaleDownRemovesUnjoinedThenUnverifiedThenTheReadyNodeWithFewestPods() {
    NestedVirtInstance joining = machine("joining", "i-joining", "Joining", 0);
    NestedVirtInstance verifying = machine("verifying", "i-verifying", "Verifying", 0);
    NestedVirtInstance busy = machine("busy", "i-busy", "Ready", 500);
    NestedVirtInstance quiet = machine("quiet", "i-quiet", "Ready", 0);
    Map<String, Integer> pods = Map.of("busy", 9, "quiet", 1);
    List<String> asked = new ArrayList<>();

    var plan =
        ScalePlanner.plan(
            1,
            List.of(busy, quiet, verifying, joining),
            m -> {
              asked.add(m.name());
              return pods.getOrDefault(m.name(), 0);
            });

    assertThat(plan.toRemove())
        .extracting(NestedVirtInstance::name)
        .containsExactly("joining", "verifying", "quiet");
    assertThat(asked).as("pods are counted once per Ready candidate").doesNotHaveDuplicates();
  }

  @Test
  void aPhaseOnlyANewerOperatorKnowsCountsAsStartingInsteadOfFailingTheReconcile() {
    assertThat(ScalePlanner.phase(machine("newer", "i-1", "Hibernating", 0)))
        .isEqualTo(InstancePhase.Launching);
  }

  private static NestedVirtInstance machine(
      String name, String instanceId, String phase, int launchedSecond) {
    NestedVirtInstance m = new NestedVirtInstance();
    Instant at = Instant.ofEpochSecond(1_800_000_000L + launchedSecond);
    m.setMetadata(
        new ObjectMetaBuilder().withName(name).withCreationTimestamp(at.toString()).build());
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = instanceId;
    status.phase = phase;
    status.launchTime = instanceId == null ? null : at.toString();
    m.setStatus(status);
    return m;
  }
}
