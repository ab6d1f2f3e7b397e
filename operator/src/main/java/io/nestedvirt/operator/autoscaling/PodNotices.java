package io.nestedvirt.operator.autoscaling;

import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The Events the autoscaler puts on pending pods, each once per pod and outcome (Cluster
 * Autoscaler's names): {@code TriggeredScaleUp} when a scale-up serves the pod, {@code
 * NotTriggerScaleUp} when none can, and why. A pod's record goes when it stops pending. Used from
 * the autoscaler's thread only; the Events are written on a thread of their own, so that writing a
 * thousand of them never delays the next decision.
 */
final class PodNotices {
  private final EventRecorder events;
  private final Executor writer;

  /** Per pod uid, the outcome it was told last. */
  private final Map<String, String> told = new HashMap<>();

  /**
   * @param writer where the Events are written (one thread keeps them in order)
   */
  PodNotices(EventRecorder events, Executor writer) {
    this.events = events;
    this.writer = writer;
  }

  void triggered(Pod pod, String message) {
    if (tell(pod, EventReason.TriggeredScaleUp.name())) {
      writer.execute(() -> events.normal(pod, EventReason.TriggeredScaleUp, message));
    }
  }

  void notTriggered(Pod pod, String why, String message) {
    if (tell(pod, EventReason.NotTriggerScaleUp.name() + "/" + why)) {
      writer.execute(() -> events.normal(pod, EventReason.NotTriggerScaleUp, message));
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
