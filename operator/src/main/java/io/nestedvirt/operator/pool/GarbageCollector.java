package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.ProviderIds;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what the pools lost track of, apart from the reconciler (a pool that is gone has no
 * reconcile): instances tagged for this cluster whose pool no longer exists, or exists with another
 * uid (deleted and recreated), are terminated once they have been orphans for a grace period; Nodes
 * of the pools whose instance EC2 no longer lists are deleted the same way. The grace period covers
 * EC2's eventually consistent listings and launches in flight.
 */
public final class GarbageCollector {
  private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

  private final CloudProvider cloud;
  private final InstanceInventory inventory;
  private final KubernetesClient client;
  private final ClusterCaches caches;
  private final Clock clock;
  private final Duration grace;
  private final OperatorMetrics metrics;

  /** When each orphan was first seen; an orphan is acted on only after the grace period. */
  private final Map<String, Instant> orphanSince = new ConcurrentHashMap<>();

  public GarbageCollector(
      CloudProvider cloud,
      InstanceInventory inventory,
      KubernetesClient client,
      ClusterCaches caches,
      Clock clock,
      Duration grace,
      OperatorMetrics metrics) {
    this.cloud = cloud;
    this.inventory = inventory;
    this.client = client;
    this.caches = caches;
    this.clock = clock;
    this.grace = grace;
    this.metrics = metrics;
  }

  /** One collection pass; called periodically. Never throws. */
  public void collect() {
    try {
      // From the controller's informers, not a LIST per period: with thousands of Nodes a full
      // read every refresh would be the operator's most expensive request.
      Optional<Stream<NestedVirtPool>> pools = caches.pools();
      Optional<Stream<Node>> nodes = caches.nodes();
      if (pools.isEmpty() || nodes.isEmpty()) {
        return; // the controller has not started yet
      }
      Map<String, String> poolUids =
          pools.get().collect(Collectors.toMap(NestedVirtPool::name, NestedVirtPool::uid));
      List<Instance> instances = inventory.all();
      Instant now = clock.instant();
      Set<String> seen = new HashSet<>();
      List<String> toTerminate =
          instances.stream()
              .filter(i -> i.state().isActive())
              .filter(i -> isOrphan(i, poolUids))
              .map(Instance::id)
              .filter(id -> due("instance/" + id, now, seen))
              .toList();
      if (!toTerminate.isEmpty()) {
        cloud.terminate(toTerminate);
        metrics.leakedInstancesCollected(toTerminate.size());
        log.warn(
            "garbage collection: terminated {} (tagged for this cluster, their pool is gone)",
            toTerminate);
      }
      Set<String> listed =
          instances.stream()
              .filter(i -> i.state().isActive())
              .map(Instance::id)
              .collect(Collectors.toSet());
      for (Node node : (Iterable<Node>) nodes.get()::iterator) {
        Map<String, String> labels = node.getMetadata().getLabels();
        if (labels == null || !labels.containsKey(NodeLabels.RESTRICTED_POOL)) {
          continue; // not a node the operator ever accepted
        }
        String instanceId = ProviderIds.instanceId(node).orElse(null);
        if (instanceId == null || listed.contains(instanceId)) {
          continue;
        }
        if (due("node/" + node.getMetadata().getName(), now, seen)) {
          client.nodes().withName(node.getMetadata().getName()).delete();
          metrics.orphanNodeDeleted();
          log.warn(
              "garbage collection: deleted node {}: its instance {} is terminated",
              node.getMetadata().getName(),
              instanceId);
        }
      }
      // What is no longer an orphan (its pool came back, or it is gone) starts over next time.
      orphanSince.keySet().retainAll(seen);
    } catch (CloudException | KubernetesClientException e) {
      log.warn("garbage collection skipped this round: {}", e.getMessage());
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again; log and keep collecting.
      log.error("garbage collection failed this round", e);
    }
  }

  private static boolean isOrphan(Instance i, Map<String, String> poolUids) {
    String pool = i.tag(Tags.POOL);
    if (pool == null) {
      return true;
    }
    String uid = poolUids.get(pool);
    return uid == null || !uid.equals(i.tag(Tags.POOL_UID));
  }

  private boolean due(String key, Instant now, Set<String> seen) {
    seen.add(key);
    Instant since = orphanSince.computeIfAbsent(key, k -> now);
    return !now.isBefore(since.plus(grace));
  }
}
