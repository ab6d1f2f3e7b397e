package io.nestedvirt.operator.pool;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.polling.PollingConfiguration;
import io.javaoperatorsdk.operator.processing.event.source.polling.PollingEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster's instances, refreshed by one listing per period for the whole cluster and shared by
 * every pool. It is a JOSDK event source: when a refresh shows that a pool's instances changed
 * (launched, running, gone), that pool is reconciled.
 */
public final class InstanceInventory {
  private final CloudProvider cloud;
  private final OperatorMetrics metrics;
  private final PollingEventSource<Instance, NestedVirtPool, String> source;

  /**
   * Each listed (or recently launched) instance's pool, so that a Node event finds its pool in one
   * lookup instead of a scan over every pool's instances (Node events are many: every kubelet
   * status change, in clusters with thousands of nodes). Replaced by each listing.
   */
  private volatile Map<String, String> poolByInstance = new ConcurrentHashMap<>();

  public InstanceInventory(CloudProvider cloud, Duration refreshPeriod, OperatorMetrics metrics) {
    this.cloud = cloud;
    this.metrics = metrics;
    this.source =
        new PollingEventSource<>(
            Instance.class,
            new PollingConfiguration<>("instances", this::fetch, refreshPeriod, Instance::id));
  }

  public PollingEventSource<Instance, NestedVirtPool, String> eventSource() {
    return source;
  }

  /** The pool's instances from the last refresh, including ones of an older pool of that name. */
  public Set<Instance> of(NestedVirtPool pool) {
    return source.getSecondaryResources(ResourceID.fromResource(pool));
  }

  /** Makes a launch visible before the next refresh, so no reconcile in between relaunches. */
  public void recordLaunched(NestedVirtPool pool, List<Instance> instances) {
    ResourceID id = ResourceID.fromResource(pool);
    instances.forEach(i -> source.handleRecentResourceCreate(id, i));
    Map<String, String> index = poolByInstance;
    instances.forEach(i -> index.put(i.id(), id.getName()));
  }

  /** Makes terminations visible before the next refresh, so no reconcile terminates twice. */
  public void recordTerminating(NestedVirtPool pool, List<Instance> terminating) {
    ResourceID id = ResourceID.fromResource(pool);
    Map<String, Instance> cached = new HashMap<>();
    source.getSecondaryResources(id).forEach(i -> cached.put(i.id(), i));
    for (Instance t : terminating) {
      Instance before = cached.get(t.id());
      if (before != null) {
        source.handleRecentResourceUpdate(id, t, before);
      }
    }
  }

  /** Every instance of the cluster from the last refresh (and recorded launches since). */
  public List<Instance> all() {
    return source.getCache().values().stream().flatMap(m -> m.values().stream()).toList();
  }

  /** The pool (by name) whose listing holds this instance, if any. */
  public java.util.Optional<String> poolOf(String instanceId) {
    return java.util.Optional.ofNullable(poolByInstance.get(instanceId));
  }

  private Map<ResourceID, Set<Instance>> fetch() {
    long start = System.nanoTime();
    List<Instance> listed;
    try {
      listed = cloud.listClusterInstances();
    } catch (RuntimeException e) {
      metrics.instancesListed(System.nanoTime() - start, false);
      throw e;
    }
    metrics.instancesListed(System.nanoTime() - start, true);
    Map<ResourceID, Set<Instance>> byPool = new HashMap<>();
    Map<String, String> index = new ConcurrentHashMap<>();
    for (Instance i : listed) {
      String pool = i.tag(Tags.POOL);
      if (pool != null) {
        byPool.computeIfAbsent(new ResourceID(pool), k -> new HashSet<>()).add(i);
        index.put(i.id(), pool);
      }
    }
    poolByInstance = index;
    return byPool;
  }
}
