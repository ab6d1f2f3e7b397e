package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import java.util.Optional;

/**
 * The interruption step; owns the condition Interrupted, from the notice of EC2's the machine
 * carries (see {@link io.nestedvirt.operator.interruption.Interruptions}), and records an Event
 * once per notice. Runs on leaving machines too: a Spot-interrupted machine is deleted the moment
 * the warning comes, and says why while it drains.
 */
final class InterruptionCheck {
  private final EventRecorder events;

  InterruptionCheck(EventRecorder events) {
    this.events = events;
  }

  void reconcile(Machine m) {
    Optional<InterruptionNotice> notice = m.object.interruption();
    if (notice.isEmpty()) {
      m.conditions.remove(InstanceConditions.INTERRUPTED);
      return;
    }
    InterruptionNotice n = notice.get();
    boolean goes = n.kind() != InterruptionNotice.Kind.RebalanceRecommendation;
    String message = message(n);
    m.conditions.set(
        InstanceConditions.INTERRUPTED, goes, InstanceReason.valueOf(n.kind().name()), message);
    if (m.conditions.transitioned(InstanceConditions.INTERRUPTED)) {
      EventReason reason = EventReason.valueOf(n.kind().name());
      if (goes) {
        events.warning(m.object, reason, message);
      } else {
        events.normal(m.object, reason, message);
      }
    }
  }

  static String message(InterruptionNotice n) {
    String deadline = n.deadline() == null ? "" : n.deadline();
    return switch (n.kind()) {
      case SpotInterruption ->
          "EC2 reclaims this Spot instance at "
              + deadline
              + " ("
              + n.detail()
              + "); its node drains now and the pool launches its successor";
      case InstanceStopping ->
          "EC2 reports the "
              + n.detail()
              + " at "
              + n.time()
              + "; its node drains now and the pool launches its successor";
      case ScheduledChange ->
          "EC2 scheduled "
              + n.detail()
              + (deadline.isEmpty() ? "" : ", from " + deadline)
              + "; the pool replaces this machine ahead of it, within spec.disruption's budget";
      case RebalanceRecommendation ->
          "EC2 recommends rebalancing ("
              + n.time()
              + "): this Spot instance is at elevated risk of interruption; nothing is done"
              + " unless an interruption warning follows";
    };
  }
}
