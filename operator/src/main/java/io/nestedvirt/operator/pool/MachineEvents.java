package io.nestedvirt.operator.pool;

import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.instance.MachineCache;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The pool controller's view of its machines, read from the instance controller's cache (see {@link
 * MachineCache}): a pool is reconciled when one of its machines changes. It starts only once that
 * cache is in sync, so no pool is ever planned from a partial list of its machines.
 */
final class MachineEvents extends AbstractEventSource<NestedVirtInstance, NestedVirtPool> {
  /** A cache that has not synced in this long has an API server problem to report. */
  private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(5);

  private final MachineCache machines;

  MachineEvents(MachineCache machines) {
    super(NestedVirtInstance.class, "machines");
    this.machines = machines;
  }

  @Override
  public synchronized void start() throws OperatorException {
    try {
      if (!machines.awaitSynced(SYNC_TIMEOUT)) {
        throw new OperatorException(
            "the NestedVirtInstance informer did not sync within " + SYNC_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperatorException("interrupted while waiting for the NestedVirtInstance informer");
    }
    machines.onPoolChanged(
        pool -> {
          if (getEventHandler() != null) {
            getEventHandler().handleEvent(new Event(new ResourceID(pool)));
          }
        });
    super.start();
  }

  /** By identity: hashing whole objects costs more than the lookup (the controller uses a list). */
  @Override
  public Set<NestedVirtInstance> getSecondaryResources(NestedVirtPool pool) {
    Set<NestedVirtInstance> set = Collections.newSetFromMap(new IdentityHashMap<>());
    set.addAll(machines.ofPool(pool));
    return set;
  }
}
