package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import org.junit.jupiter.api.Test;

/**
 * A reconcile writes the machine's status when anything in it changed, what EC2 reports included: a
 * Ready machine whose instance the listing now shows running (a registered Node made it Ready while
 * the listing still said pending) must not keep saying pending.
 */
class MachineStatusWriteTest {
  @Test
  void anInstanceThatTurnedRunningIsAChangeToWrite() {
    Machine first =
        Machines.launched(
            Machines.instance("i-1", InstanceState.PENDING, NestedVirtualization.ENABLED),
            LAUNCHED);
    first.object.setStatus(first.finish(InstancePhase.Ready));
    assertThat(first.object.getStatus().state).isEqualTo("pending");

    Machine same = new Machine(first.object, null, LAUNCHED.plusSeconds(1));
    same.observed(Machines.instance("i-1", InstanceState.PENDING, NestedVirtualization.ENABLED));
    assertThat(same.changed(same.finish(InstancePhase.Ready))).as("nothing new").isFalse();

    Machine next = new Machine(first.object, null, LAUNCHED.plusSeconds(2));
    next.observed(Machines.instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED));
    assertThat(next.changed(next.finish(InstancePhase.Ready)))
        .as("the listing's new state alone is a change")
        .isTrue();
  }
}
