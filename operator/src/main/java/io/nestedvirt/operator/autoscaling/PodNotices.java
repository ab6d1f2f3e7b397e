package io.nestedvirt.operator.autoscaling;

import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The Events the autoscaler puts on pending pods, each once per pod and outcome (Cluster
 * Autoscaler's names): {@code TriggeredScaleUp} when a scale-up serves the pod, {@code
 * NotTriggerScaleUp} when none can, and why. A pod's record goes when it stops pending. Used from
 * the autoscaler's thread only.
 */
final class PodNotices {
  private final EventRecorder events;

  /** Per pod uid, the outcome it was told last. */
  private final Map<String, String> told = new HashMap<>();

  PodNotices(EventRecorder events) {
    this.events = events;
  }

  void triggered(Pod pod, String message) {
    if (tell(pod, EventReason.TriggeredScaleUp.name())) {
      events.normal(pod, EventReason.TriggeredScaleUp, message);
    }
  }

  void notTriggered(Pod pod, String why, String message) {
    if (tell(pod, EventReason.NotTriggerScaleUp.name() + "/" + why)) {
      events.normal(pod, EventReason.NotTriggerScaleUp, message);
    }
  }

  /** Forgets pods that no longer pend: if one pends again, it is told again. */
  void retainOnly(Set<String> pendingUids) {
    told.keySet().retainAll(pendingUids);
  }

  private boolean tell(Pod pod, String outcome) {
    return !outcome.equals(told.put(pod.getMetadata().getUid(), outcome));
  }
}
