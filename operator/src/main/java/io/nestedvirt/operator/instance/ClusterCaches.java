package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The pools, machines and Nodes as the controllers' informers hold them, for code that runs beside
 * the reconcilers (the garbage collector): reading them costs no request, where a LIST of every
 * Node each refresh period would cost the API server a full read of all Nodes, in large clusters
 * the most expensive request there is. Filled when the controllers prepare their event sources.
 */
public final class ClusterCaches {
  private volatile Cache<NestedVirtPool> pools;
  private volatile Cache<NestedVirtInstance> machines;
  private volatile Cache<Node> nodes;

  public void attachPools(Cache<NestedVirtPool> pools) {
    this.pools = pools;
  }

  void attachMachines(Cache<NestedVirtInstance> machines, Cache<Node> nodes) {
    this.machines = machines;
    this.nodes = nodes;
  }

  /** Every pool, or empty before the pool controller has started. */
  public Optional<Stream<NestedVirtPool>> pools() {
    Cache<NestedVirtPool> cache = pools;
    return cache == null ? Optional.empty() : Optional.of(cache.list());
  }

  /** Every machine, or empty before the instance controller has started. */
  public Optional<Stream<NestedVirtInstance>> machines() {
    Cache<NestedVirtInstance> cache = machines;
    return cache == null ? Optional.empty() : Optional.of(cache.list());
  }

  /** Every Node, or empty before the instance controller has started. */
  public Optional<Stream<Node>> nodes() {
    Cache<Node> cache = nodes;
    return cache == null ? Optional.empty() : Optional.of(cache.list());
  }
}
