package io.nestedvirt.operator.autoscaling;

import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The autoscaler's latest decision per pool, until the pool's reconcile takes it; posting one wakes
 * the pool. A decision is taken once: the pool turns it into {@code status.desiredReplicas}, so a
 * later reconcile never launches for the same pods again, and one that is never taken (a failed
 * reconcile) is made again from the pods still pending.
 */
public final class ScaleDecisions extends AbstractEventSource<ScaleDecision, NestedVirtPool> {
  private final Map<String, ScaleDecision> latest = new ConcurrentHashMap<>();

  public ScaleDecisions() {
    super(ScaleDecision.class, "autoscaler-decisions");
  }

  /** Replaces the pool's decision not taken yet (the newer one saw more) and wakes the pool. */
  void post(String pool, ScaleDecision decision) {
    latest.put(pool, decision);
    if (getEventHandler() != null && isRunning()) {
      getEventHandler().handleEvent(new Event(new ResourceID(pool)));
    }
  }

  /** The pool's decision, once. */
  public Optional<ScaleDecision> take(String pool) {
    return Optional.ofNullable(latest.remove(pool));
  }

  /** It only wakes pools; it holds no resources of theirs. */
  @Override
  public Set<ScaleDecision> getSecondaryResources(NestedVirtPool pool) {
    return Set.of();
  }
}
