package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The operator's one cache of machines: the instance controller's informer store, which the pool
 * controller reads too. A second informer for the pool controller would hold every machine twice
 * (at 10,000 machines, tens of MiB of heap); instead the store tells the pools when one of their
 * machines changes, and keeps the machines the pool controller created until the informer shows
 * them, so no reconcile in between decides the same launch twice.
 */
public final class MachineCache {
  private final Store store = new Store();
  private final Map<String, NestedVirtInstance> created = new ConcurrentHashMap<>();
  private volatile IndexerResourceCache<NestedVirtInstance> cache;
  private volatile Consumer<String> poolChanged = pool -> {};

  /** The informer store to give the instance controller: it reports every machine that changes. */
  public ItemStore<NestedVirtInstance> store() {
    return store;
  }

  /** The instance controller's cache, with its indexes; set when it prepares its event sources. */
  void attach(IndexerResourceCache<NestedVirtInstance> cache) {
    this.cache = cache;
  }

  /** Who to tell, by pool name, that one of its machines changed (or appeared, or went). */
  public void onPoolChanged(Consumer<String> listener) {
    this.poolChanged = listener;
  }

  /** The pool's machines: those the informer holds, and those just created that it does not yet. */
  public List<NestedVirtInstance> ofPool(NestedVirtPool pool) {
    List<NestedVirtInstance> machines = new ArrayList<>();
    IndexerResourceCache<NestedVirtInstance> c = cache;
    if (c != null) {
      c.byIndex(MachineIndex.POOL, pool.name()).stream()
          .filter(m -> ownedBy(m, pool))
          .forEach(machines::add);
    }
    created.values().stream()
        .filter(m -> ownedBy(m, pool))
        .filter(m -> machines.stream().noneMatch(known -> known.uid().equals(m.uid())))
        .forEach(machines::add);
    return machines;
  }

  /** A machine the pool controller just created, visible to it before the informer shows it. */
  public void created(NestedVirtInstance machine) {
    created.put(machine.uid(), machine);
  }

  /**
   * Waits until the instance controller's informer has listed every machine, so that no pool is
   * planned from a partial picture (which would launch again what already exists).
   *
   * @return false when {@code timeout} passed first
   */
  public boolean awaitSynced(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!synced()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  private boolean synced() {
    return cache instanceof InformerWrappingEventSourceHealthIndicator<?> informer
        && !informer.informerHealthIndicators().isEmpty()
        && informer.informerHealthIndicators().values().stream()
            .allMatch(InformerHealthIndicator::hasSynced);
  }

  private static boolean ownedBy(NestedVirtInstance m, NestedVirtPool pool) {
    var owners = m.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(o -> pool.uid().equals(o.getUid()));
  }

  /** fabric8's store, telling the pool of each machine that changes. */
  private final class Store implements ItemStore<NestedVirtInstance> {
    private final BasicItemStore<NestedVirtInstance> items =
        new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

    @Override
    public String getKey(NestedVirtInstance machine) {
      return items.getKey(machine);
    }

    @Override
    public NestedVirtInstance put(String key, NestedVirtInstance machine) {
      // Nothing the operator does reads who wrote which field, and a status write without them
      // leaves them as they are on the server; at 10,000 machines they are tens of MiB.
      machine.getMetadata().setManagedFields(null);
      NestedVirtInstance before = items.put(key, machine);
      created.remove(machine.uid());
      if (before == null
          || !Objects.equals(
              before.getMetadata().getResourceVersion(),
              machine.getMetadata().getResourceVersion())) {
        changed(machine);
      }
      return before;
    }

    @Override
    public NestedVirtInstance remove(String key) {
      NestedVirtInstance gone = items.remove(key);
      if (gone != null) {
        created.remove(gone.uid());
        changed(gone);
      }
      return gone;
    }

    private void changed(NestedVirtInstance machine) {
      if (machine.poolName() != null) {
        poolChanged.accept(machine.poolName());
      }
    }

    @Override
    public Stream<String> keySet() {
      return items.keySet();
    }

    @Override
    public Stream<NestedVirtInstance> values() {
      return items.values();
    }

    @Override
    public int size() {
      return items.size();
    }

    @Override
    public NestedVirtInstance get(String key) {
      return items.get(key);
    }
  }
}
