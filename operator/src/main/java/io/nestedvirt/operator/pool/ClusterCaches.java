package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The pools and Nodes as the controller's informers hold them, for code that runs beside the
 * reconciler (the garbage collector): reading them costs no request, where a LIST of every Node
 * each refresh period would cost the API server a full read of all Nodes, in large clusters the
 * most expensive request there is. Filled when the controller prepares its event sources.
 */
public final class ClusterCaches {
  private volatile Cache<NestedVirtPool> pools;
  private volatile Cache<Node> nodes;

  void attach(Cache<NestedVirtPool> pools, Cache<Node> nodes) {
    this.pools = pools;
    this.nodes = nodes;
  }

  /** Every pool, or empty before the controller has started. */
  public Optional<Stream<NestedVirtPool>> pools() {
    Cache<NestedVirtPool> cache = pools;
    return cache == null ? Optional.empty() : Optional.of(cache.list());
  }

  /** Every Node, or empty before the controller has started. */
  public Optional<Stream<Node>> nodes() {
    Cache<Node> cache = nodes;
    return cache == null ? Optional.empty() : Optional.of(cache.list());
  }
}
