package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.launch.Drift;
import java.util.Optional;
import java.util.function.Function;

/**
 * The drift step; owns the condition Drifted of a launched machine: True, with what differs, once
 * the pool would launch it differently (see {@link Drift}); the pool then replaces it within its
 * disruption budget. The pool decides from the same {@link Drift}, so the condition is what a
 * cluster admin reads, not what the rollout waits for. A drifted node also gets the taint {@code
 * nestedvirt.io/outdated:PreferNoSchedule} (the verification step writes the node's taints), so
 * that pods and migrating VMs prefer the pool's up-to-date nodes while the rollout goes on.
 */
final class DriftCheck {
  private final Function<NestedVirtPool, Optional<String>> images;
  private final EventRecorder events;

  DriftCheck(Function<NestedVirtPool, Optional<String>> images, EventRecorder events) {
    this.images = images;
    this.events = events;
  }

  void reconcile(Machine m) {
    if (m.pool == null || m.status.instanceId == null) {
      return; // not launched: the launch step ends a machine whose settings changed before
    }
    Drift drift =
        Drift.of(m.object.getSpec(), m.status.imageId, m.pool.getSpec(), images.apply(m.pool));
    if (!drift.drifted()) {
      m.conditions.set(
          InstanceConditions.DRIFTED,
          false,
          InstanceReason.UpToDate,
          "launched as the pool launches now");
      return;
    }
    m.conditions.set(InstanceConditions.DRIFTED, true, InstanceReason.Drifted, drift.describe());
    if (m.conditions.transitioned(InstanceConditions.DRIFTED)) {
      events.normal(m.object, EventReason.Drifted, "drifted from its pool: " + drift.describe());
    }
  }
}
