package io.nestedvirt.operator.pool;

import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.instance.InstanceListing;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wakes the pools whose last reconcile failed as soon as EC2 answers again: a listing succeeds
 * after a failed one, or another pool's reconcile succeeds after it failed. Their retries back off
 * up to 5 minutes, and after a long outage the next retry may be minutes away although EC2 is fine
 * again; an event reconciles them at once (JOSDK runs a reconcile for an event whatever retry is
 * scheduled).
 */
final class RecoveryEvents extends AbstractEventSource<Instance, NestedVirtPool> {
  private final Set<ResourceID> failing = ConcurrentHashMap.newKeySet();

  RecoveryEvents() {
    super(Instance.class, "cloud-recovery");
  }

  /** Listens to the listing: its first success after a failure wakes the failing pools. */
  RecoveryEvents listeningTo(InstanceListing listing) {
    listing.onRecovered(this::wakeFailing);
    return this;
  }

  void failed(NestedVirtPool pool) {
    failing.add(ResourceID.fromResource(pool));
  }

  /**
   * A pool that failed succeeded: whatever failed it (EC2 throttling, an outage) has likely passed
   * for the others too, so they are tried again at once.
   */
  void succeeded(NestedVirtPool pool) {
    if (failing.remove(ResourceID.fromResource(pool)) && !failing.isEmpty()) {
      wakeFailing();
    }
  }

  /** It only wakes pools; it holds no resources of theirs. */
  @Override
  public Set<Instance> getSecondaryResources(NestedVirtPool pool) {
    return Set.of();
  }

  private void wakeFailing() {
    if (getEventHandler() == null || !isRunning()) {
      return;
    }
    for (ResourceID pool : failing) {
      getEventHandler().handleEvent(new Event(pool));
    }
  }
}
