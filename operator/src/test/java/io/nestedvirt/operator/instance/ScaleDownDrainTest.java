package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A machine the pool chose to remove drains before it is deleted, counting what it evicts; when the
 * pool takes the choice back, its node is uncordoned and it serves again.
 */
class ScaleDownDrainTest {
  private final MockApiServer api = MockApiServer.start();
  private final RecordingDrains drains = new RecordingDrains();
  private final EventRecorder events =
      new EventRecorder(api.client(), Clock.systemUTC(), OperatorMetrics.prometheus());
  private final ScaleDownDrain step = new ScaleDownDrain(Drains.withoutVms(drains, events), events);

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aMarkedMachineDrainsItsNodeAndCountsTheEvictions() {
    drains.next = new NodeDrains.Step(false, "2 pods left", 1, 1);
    Machine m = ready(true, LAUNCHED.plusSeconds(60));

    assertThat(step.reconcile(m, InstancePhase.Ready)).isEqualTo(InstancePhase.Draining);
    assertThat(drains.drained).containsExactly("node-1");
    assertThat(m.status.evictedPods).isEqualTo(1);
    assertThat(m.conditions.isTrue(InstanceConditions.DRAINING)).isTrue();
    assertThat(m.conditions.isFalse(InstanceConditions.DRAINED)).isTrue();
    assertThat(m.conditions.reason(InstanceConditions.READY)).isEqualTo("Draining");
    assertThat(m.requeue()).contains(Drain.STEP);

    drains.next = new NodeDrains.Step(true, "drained", 0, 1);
    Machine next = again(m, LAUNCHED.plusSeconds(65));
    assertThat(step.reconcile(next, InstancePhase.Ready)).isEqualTo(InstancePhase.Draining);
    assertThat(next.status.evictedPods).as("evictions add up across steps").isEqualTo(2);
    assertThat(next.conditions.isTrue(InstanceConditions.DRAINED)).isTrue();

    Machine drained = again(next, LAUNCHED.plusSeconds(70));
    assertThat(step.reconcile(drained, InstancePhase.Ready)).isEqualTo(InstancePhase.Draining);
    assertThat(drains.drained).as("a drained node is not drained again").hasSize(2);
  }

  @Test
  void aDrainTakenBackUncordonsTheNodeAndClearsTheDrain() {
    drains.next = new NodeDrains.Step(false, "1 pod left", 1, 0);
    Machine marked = ready(true, LAUNCHED.plusSeconds(60));
    step.reconcile(marked, InstancePhase.Ready);

    Machine unmarked = again(marked, LAUNCHED.plusSeconds(65));
    unmarked.object.getMetadata().setAnnotations(Map.of());
    assertThat(step.reconcile(unmarked, InstancePhase.Ready)).isEqualTo(InstancePhase.Ready);
    assertThat(drains.uncordoned).containsExactly("node-1");
    assertThat(unmarked.conditions.get(InstanceConditions.DRAINING)).isEmpty();
    assertThat(unmarked.conditions.get(InstanceConditions.DRAINED)).isEmpty();
    assertThat(unmarked.status.evictedPods).isNull();
    assertThat(api.client().v1().events().inAnyNamespace().list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("DrainCancelled"));

    Machine steady = again(unmarked, LAUNCHED.plusSeconds(70));
    step.reconcile(steady, InstancePhase.Ready);
    assertThat(drains.uncordoned).as("uncordoned once").hasSize(1);
  }

  @Test
  void aMarkedMachineWithoutANodeHasNothingToDrain() {
    Machine m = ready(true, LAUNCHED.plusSeconds(60));
    m.node = null;
    assertThat(step.reconcile(m, InstancePhase.Joining)).isEqualTo(InstancePhase.Draining);
    assertThat(m.conditions.isTrue(InstanceConditions.DRAINED)).isTrue();
    assertThat(drains.drained).isEmpty();
  }

  @Test
  void aFailedMachineIsLeftToThePool() {
    Machine m = ready(true, LAUNCHED.plusSeconds(60));
    assertThat(step.reconcile(m, InstancePhase.Failed)).isEqualTo(InstancePhase.Failed);
    assertThat(drains.drained).isEmpty();
  }

  private static Machine ready(boolean marked, Instant now) {
    Machine m =
        Machines.launched(
            Machines.instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED), now);
    if (marked) {
      m.object
          .getMetadata()
          .setAnnotations(Map.of(NestedVirtInstance.SCALE_DOWN_ANNOTATION, now.toString()));
    }
    m.node = Machines.node("node-1", "True", LAUNCHED, true);
    m.status.nodeName = "node-1";
    return m;
  }

  /** The machine as the next reconcile sees it: the status written, a new view. */
  private static Machine again(Machine m, Instant now) {
    m.object.setStatus(m.finish(InstancePhase.Draining));
    Machine next = new Machine(m.object, m.pool, now);
    next.instance = m.instance;
    next.node = m.node;
    return next;
  }
}
