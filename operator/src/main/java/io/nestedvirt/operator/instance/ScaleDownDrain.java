package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;

/**
 * The scale-down step of a machine that is not being deleted. A machine the pool chose to remove
 * ({@link NestedVirtInstance#SCALE_DOWN_ANNOTATION}) drains its node while it still exists, so that
 * the pool can take the choice back; the pool deletes it once it is Drained, and termination does
 * the rest behind the finalizer. When the pool takes the choice back (the annotation is gone) and
 * the machine had begun to drain, its node is uncordoned and it serves again.
 */
final class ScaleDownDrain {
  private final Drain drain;
  private final EventRecorder events;

  ScaleDownDrain(Drain drain, EventRecorder events) {
    this.drain = drain;
    this.events = events;
  }

  /** The machine's phase after this step, given the phase the other steps derived. */
  InstancePhase reconcile(Machine m, InstancePhase derived) {
    if (derived == InstancePhase.Failed) {
      return derived; // the pool deletes a Failed machine at once, drained or not
    }
    if (m.object.isScaleDownVictim()) {
      if (m.conditions.isTrue(InstanceConditions.DRAINED)) {
        m.conditions.set(
            InstanceConditions.READY,
            false,
            InstanceReason.Drained,
            "scaled down: node drained, waiting for the pool to remove the machine");
      } else if (m.node == null) {
        m.conditions.set(
            InstanceConditions.DRAINED, true, InstanceReason.NoNode, "no node to drain");
        m.conditions.set(
            InstanceConditions.READY,
            false,
            InstanceReason.Drained,
            "scaled down: no node to drain, waiting for the pool to remove the machine");
      } else {
        drain.step(m);
      }
      return InstancePhase.Draining;
    }
    if (m.conditions.get(InstanceConditions.DRAINING).isPresent()
        || m.conditions.get(InstanceConditions.DRAINED).isPresent()) {
      drain.cancel(m);
      events.normal(
          m.object,
          EventReason.DrainCancelled,
          "the pool needs the machine again: drain cancelled"
              + (m.node == null ? "" : ", node " + m.node.getMetadata().getName() + " uncordoned"));
    }
    return derived;
  }
}
