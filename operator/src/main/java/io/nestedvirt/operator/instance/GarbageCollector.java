package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.launch.ClientTokens;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.ProviderIds;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
 * Finds what the controllers lost track of, apart from them (a pool or machine that is gone has no
 * reconcile), reading the informers' caches and the shared listing, so it costs no request:
 *
 * <ul>
 *   <li>instances tagged for this cluster that no machine claims (by id or client token), unless
 *       their pool still has to adopt them, are terminated;
 *   <li>machines whose instance EC2 no longer lists are deleted, and so replaced;
 *   <li>machines whose pool is gone (or was recreated with another uid) are deleted, as Kubernetes'
 *       garbage collector would delete them by their ownerReference;
 *   <li>Nodes the operator once accepted whose instance is gone are deleted, unless a machine that
 *       is being deleted claims the instance (its termination deletes the Node);
 *   <li>a Node that claims a pool by its label but whose providerID names none of the pool's
 *       instances earns one Event on the pool, and never any trust;
 *   <li>bootstrap tokens whose machine is gone, is leaving or has its Node are deleted (normally
 *       their machine's registration or termination did; this catches a crash in between, or a
 *       finalizer removed by hand).
 * </ul>
 *
 * Each orphan is acted on only after it has been one for a grace period, which covers EC2's
 * eventually consistent listings and launches in flight.
 */
public final class GarbageCollector {
  private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

  private final CloudProvider cloud;
  private final InstanceListing listing;
  private final KubernetesClient client;
  private final ClusterCaches caches;
  private final EventRecorder events;
  private final Clock clock;
  private final Duration grace;
  private final OperatorMetrics metrics;
  private final BootstrapTokens tokens;

  /** When each orphan was first seen; an orphan is acted on only after the grace period. */
  private final Map<String, Instant> orphanSince = new ConcurrentHashMap<>();

  /** Forged nodes already reported, so each earns one Event. */
  private final Set<String> reportedForgeries = ConcurrentHashMap.newKeySet();

  public GarbageCollector(
      CloudProvider cloud,
      InstanceListing listing,
      KubernetesClient client,
      ClusterCaches caches,
      EventRecorder events,
      Clock clock,
      Duration grace,
      OperatorMetrics metrics,
      BootstrapTokens tokens) {
    this.tokens = tokens;
    this.cloud = cloud;
    this.listing = listing;
    this.client = client;
    this.caches = caches;
    this.events = events;
    this.clock = clock;
    this.grace = grace;
    this.metrics = metrics;
  }

  /** One collection pass; called periodically. Never throws. */
  public void collect() {
    try {
      Optional<Stream<NestedVirtPool>> poolStream = caches.pools();
      Optional<Stream<NestedVirtInstance>> machineStream = caches.machines();
      Optional<Stream<Node>> nodeStream = caches.nodes();
      if (poolStream.isEmpty() || machineStream.isEmpty() || nodeStream.isEmpty()) {
        return; // the controllers have not started yet
      }
      Map<String, NestedVirtPool> poolsByUid =
          poolStream.get().collect(Collectors.toMap(NestedVirtPool::uid, p -> p, (a, b) -> a));
      List<NestedVirtInstance> machines = machineStream.get().toList();
      Instant now = clock.instant();
      Set<String> seen = new HashSet<>();
      collectInstances(machines, poolsByUid, now, seen);
      collectMachines(machines, poolsByUid, now, seen);
      collectNodes(nodeStream.get().toList(), machines, poolsByUid, now, seen);
      collectTokens(
          machines, poolsByUid.values().stream().anyMatch(BootstrapTokens::kubeadm), now, seen);
      // What is no longer an orphan (its pool came back, or it is gone) starts over next time.
      orphanSince.keySet().retainAll(seen);
    } catch (CloudException | KubernetesClientException e) {
      log.warn("garbage collection skipped this round: {}", e.getMessage());
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again; log and keep collecting.
      log.error("garbage collection failed this round", e);
    }
  }

  /** Instances no machine claims. */
  private void collectInstances(
      List<NestedVirtInstance> machines,
      Map<String, NestedVirtPool> poolsByUid,
      Instant now,
      Set<String> seen) {
    Set<String> claimedIds = new HashSet<>();
    Set<String> claimedTokens = new HashSet<>();
    for (NestedVirtInstance m : machines) {
      if (m.instanceId() != null) {
        claimedIds.add(m.instanceId());
      }
      claimedTokens.add(ClientTokens.forInstance(m.uid()));
    }
    List<String> toTerminate =
        listing.all().stream()
            .filter(i -> i.state().isActive())
            .filter(i -> !claimedIds.contains(i.id()) && !claimedTokens.contains(i.clientToken()))
            .filter(i -> !awaitsAdoption(i, poolsByUid))
            .map(Instance::id)
            .filter(id -> due("instance/" + id, now, seen))
            .toList();
    if (!toTerminate.isEmpty()) {
      cloud.terminate(toTerminate);
      toTerminate.forEach(id -> listing.recordState(id, InstanceState.SHUTTING_DOWN));
      metrics.leakedInstancesCollected(toTerminate.size());
      log.warn(
          "garbage collection: terminated {} (tagged for this cluster, no NestedVirtInstance claims"
              + " them)",
          toTerminate);
    }
  }

  /** An instance of a pool written by an earlier version, which the pool adopts on its own. */
  private static boolean awaitsAdoption(Instance i, Map<String, NestedVirtPool> poolsByUid) {
    NestedVirtPool pool = poolsByUid.get(i.tag(Tags.POOL_UID));
    return pool != null && pool.getStatus() != null && pool.getStatus().hasLegacyFields();
  }

  /** Machines whose instance is gone, or whose pool is. */
  private void collectMachines(
      List<NestedVirtInstance> machines,
      Map<String, NestedVirtPool> poolsByUid,
      Instant now,
      Set<String> seen) {
    for (NestedVirtInstance m : machines) {
      if (m.isDeleting()) {
        continue;
      }
      String poolUid = m.poolUid();
      if (poolUid == null || !poolsByUid.containsKey(poolUid)) {
        if (due("machine/" + m.uid(), now, seen)) {
          delete(m, "its pool " + m.poolName() + " is gone");
        }
        continue;
      }
      String id = m.instanceId();
      if (id != null && listing.byId(id).isEmpty() && due("machine/" + m.uid(), now, seen)) {
        NestedVirtPool pool = poolsByUid.get(poolUid);
        String message =
            "EC2 no longer lists instance " + id + " of machine " + m.name() + "; it is replaced";
        events.warning(m, EventReason.InstanceGone, message);
        log.warn("garbage collection: {} (pool {})", message, pool.name());
        delete(m, message);
      }
    }
  }

  private void delete(NestedVirtInstance m, String why) {
    client.resource(m).delete();
    log.warn("garbage collection: deleted NestedVirtInstance {}: {}", m.name(), why);
  }

  /** Nodes of gone instances, and Nodes that claim a pool without being its. */
  private void collectNodes(
      List<Node> nodes,
      List<NestedVirtInstance> machines,
      Map<String, NestedVirtPool> poolsByUid,
      Instant now,
      Set<String> seen) {
    Map<String, Set<String>> instancesByPool = new HashMap<>();
    // A leaving machine deletes its own Node, once its volumes have detached (up to 6 minutes
    // after its instance was terminated); the collector must not take the Node from under it.
    Set<String> leaving = new HashSet<>();
    for (NestedVirtInstance m : machines) {
      String id = m.instanceId();
      if (id == null) {
        id =
            listing.byClientToken(ClientTokens.forInstance(m.uid())).map(Instance::id).orElse(null);
      }
      if (id != null && m.poolName() != null) {
        instancesByPool.computeIfAbsent(m.poolName(), k -> new HashSet<>()).add(id);
      }
      if (id != null && m.isDeleting()) {
        leaving.add(id);
      }
    }
    Map<String, NestedVirtPool> poolsByName =
        poolsByUid.values().stream()
            .collect(Collectors.toMap(NestedVirtPool::name, p -> p, (a, b) -> a));
    reportedForgeries.retainAll(
        nodes.stream().map(n -> n.getMetadata().getUid()).collect(Collectors.toSet()));
    for (Node node : nodes) {
      Map<String, String> labels = node.getMetadata().getLabels();
      if (labels == null) {
        continue;
      }
      String instanceId = ProviderIds.instanceId(node).orElse(null);
      if (labels.containsKey(NodeLabels.RESTRICTED_POOL)
          && instanceId != null
          && !leaving.contains(instanceId)
          && listing.byId(instanceId).filter(i -> i.state().isActive()).isEmpty()
          && due("node/" + node.getMetadata().getName(), now, seen)) {
        client.nodes().withName(node.getMetadata().getName()).delete();
        metrics.orphanNodeDeleted();
        log.warn(
            "garbage collection: deleted node {}: its instance {} is terminated",
            node.getMetadata().getName(),
            instanceId);
        continue;
      }
      String claimed = labels.get(NodeLabels.POOL);
      NestedVirtPool pool = claimed == null ? null : poolsByName.get(claimed);
      if (pool != null
          && (instanceId == null
              || !instancesByPool.getOrDefault(claimed, Set.of()).contains(instanceId))
          && !listed(instanceId, pool)
          // A machine whose launch answer was lost learns its instance only from a later listing.
          && due("forged/" + node.getMetadata().getUid(), now, seen)
          && reportedForgeries.add(node.getMetadata().getUid())) {
        events.warning(
            pool,
            EventReason.ForgedNodeIgnored,
            "node "
                + node.getMetadata().getName()
                + " claims pool "
                + pool.name()
                + " but its providerID ("
                + (node.getSpec() == null ? null : node.getSpec().getProviderID())
                + ") names no instance of the pool's machines; it gets no labels or trust");
      }
    }
  }

  /**
   * Tokens no machine needs: its Node registered, it is leaving, or it is gone (after the grace
   * period, since a machine's token is created moments after the machine, and a cache may lag).
   */
  private void collectTokens(
      List<NestedVirtInstance> machines, boolean kubeadmPools, Instant now, Set<String> seen) {
    Map<String, NestedVirtInstance> byUid =
        machines.stream().collect(Collectors.toMap(NestedVirtInstance::uid, m -> m, (a, b) -> a));
    List<String> deleted =
        tokens.sweep(
            kubeadmPools,
            uid -> {
              NestedVirtInstance m = byUid.get(uid);
              if (m == null) {
                return due("token/" + uid, now, seen);
              }
              return m.isDeleting() || m.getStatus() != null && m.getStatus().nodeName != null;
            });
    if (!deleted.isEmpty()) {
      log.info("garbage collection: deleted bootstrap tokens {} (no machine needs them)", deleted);
    }
  }

  /** An instance EC2 lists for the pool (launched moments ago, its machine not updated yet). */
  private boolean listed(String instanceId, NestedVirtPool pool) {
    return instanceId != null
        && listing.byId(instanceId).map(i -> pool.uid().equals(i.tag(Tags.POOL_UID))).orElse(false);
  }

  private boolean due(String key, Instant now, Set<String> seen) {
    seen.add(key);
    Instant since = orphanSince.computeIfAbsent(key, k -> now);
    return !now.isBefore(since.plus(grace));
  }
}
