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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The operator's one cache of machines: the instance controller's informer store, which the pool
 * controller reads too. A second informer for the pool controller would hold every machine twice
 * (at 10,000 machines, tens of MiB of heap); instead the store tells the pools when one of their
 * machines changes, and keeps the machines the pool controller created until the informer shows
 * them, so no reconcile in between decides the same launch twice.
 *
 * <p>A pool's machines are kept here by pool, under one lock with the store itself, rather than
 * read from the informer's index: fabric8 updates an index after the store and reads it without the
 * informer's lock, so a pool planned in between saw one machine too few or too many, and launched
 * one more or removed one (a few pools in each run of 10,000 machines).
 */
public final class MachineCache {
  private final Object lock = new Object();
  private final Store store = new Store();

  /**
   * An informer shows a machine within moments of its creation; one that never does (created and
   * deleted while the watch was down) is forgotten after this long rather than counted forever.
   */
  private static final Duration CREATED_MEMORY = Duration.ofMinutes(2);

  /**
   * A pool's machine: as the informer holds it ({@code createdAt} null), or as the pool controller
   * created it, until the informer shows it ({@code createdAt} its {@link System#nanoTime()}).
   */
  private record Entry(NestedVirtInstance machine, Long createdAt) {}

  /** By pool name, then machine uid. Guarded by {@link #lock}. */
  private final Map<String, Map<String, Entry>> byPool = new HashMap<>();

  private volatile IndexerResourceCache<NestedVirtInstance> cache;
  private volatile Consumer<String> poolChanged = pool -> {};

  /** The informer store to give the instance controller: it reports every machine that changes. */
  public ItemStore<NestedVirtInstance> store() {
    return store;
  }

  /** The instance controller's cache, whose informer says when it has synced. */
  void attach(IndexerResourceCache<NestedVirtInstance> cache) {
    this.cache = cache;
  }

  /** Who to tell, by pool name, that one of its machines changed (or appeared, or went). */
  public void onPoolChanged(Consumer<String> listener) {
    this.poolChanged = listener;
  }

  /** The pool's machines: those the informer holds, and those just created that it does not yet. */
  public List<NestedVirtInstance> ofPool(NestedVirtPool pool) {
    long forgetBefore = System.nanoTime() - CREATED_MEMORY.toNanos();
    List<NestedVirtInstance> machines = new ArrayList<>();
    synchronized (lock) {
      Map<String, Entry> entries = byPool.getOrDefault(pool.name(), Map.of());
      entries.values().removeIf(e -> e.createdAt() != null && e.createdAt() - forgetBefore < 0);
      entries.values().forEach(e -> machines.add(e.machine()));
    }
    machines.removeIf(m -> !m.ownedBy(pool));
    return machines;
  }

  /** The machine whose status (or adoption) names the instance, if the informer holds one. */
  public java.util.Optional<NestedVirtInstance> byInstanceId(String instanceId) {
    IndexerResourceCache<NestedVirtInstance> machines = cache;
    if (machines == null) {
      return java.util.Optional.empty();
    }
    return machines.byIndex(MachineIndex.INSTANCE_ID, instanceId).stream().findFirst();
  }

  /** A machine the pool controller just created, visible to it before the informer shows it. */
  public void created(NestedVirtInstance machine) {
    synchronized (lock) {
      // The informer may have shown it already (its watch can beat the create's answer).
      byPool
          .computeIfAbsent(machine.poolName(), p -> new LinkedHashMap<>())
          .putIfAbsent(machine.uid(), new Entry(machine, System.nanoTime()));
    }
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
    try {
      return cache instanceof InformerWrappingEventSourceHealthIndicator<?> informer
          && !informer.informerHealthIndicators().isEmpty()
          && informer.informerHealthIndicators().values().stream()
              .allMatch(InformerHealthIndicator::hasSynced);
    } catch (NullPointerException notStarted) {
      // JOSDK's controller source has no informers before it starts, and says so with an NPE
      // (seen when the pool controller's source started first): not synced yet.
      return false;
    }
  }

  /** fabric8's store, keeping the pools' view in step and telling a pool of each change. */
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
      NestedVirtInstance before;
      synchronized (lock) {
        before = items.put(key, machine);
        if (before != null) {
          forget(before);
        }
        byPool
            .computeIfAbsent(machine.poolName(), p -> new LinkedHashMap<>())
            .put(machine.uid(), new Entry(machine, null));
      }
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
      NestedVirtInstance gone;
      synchronized (lock) {
        gone = items.remove(key);
        if (gone != null) {
          forget(gone);
        }
      }
      if (gone != null) {
        changed(gone);
      }
      return gone;
    }

    private void forget(NestedVirtInstance machine) {
      Map<String, Entry> pool = byPool.get(machine.poolName());
      if (pool != null) {
        pool.remove(machine.uid());
        if (pool.isEmpty()) {
          byPool.remove(machine.poolName());
        }
      }
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
