package io.nestedvirt.operator.autoscaling;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.OperatorSettings;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.Subnet;
import io.nestedvirt.operator.demand.NodeOffer;
import io.nestedvirt.operator.demand.NodeOffers;
import io.nestedvirt.operator.demand.ScaleUpPlanner;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.instance.ClusterCaches;
import io.nestedvirt.operator.instance.InstanceConditions;
import io.nestedvirt.operator.instance.InstancePhase;
import io.nestedvirt.operator.instance.MachineCache;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for every pool with {@code spec.autoscaling}, how many nodes it needs: pending pods that
 * a new node of the pool would take grow it (bin-packed first onto the pool's nodes still on their
 * way, then onto new nodes), nodes that ran nothing but DaemonSet and mirror pods for {@code
 * scaleDownAfter} shrink it. It decides after a batch of pending pods has come (see {@link Batch})
 * and every refresh period; each decision goes to the pool controller through {@link
 * ScaleDecisions}, which acts on it. Runs on its own thread, on the leader only; reads only
 * informer caches (and the instance type and launch configuration caches), so it costs the API
 * server nothing but the Events it writes on pods.
 */
public final class Autoscaler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Autoscaler.class);

  /** How often the batch is looked at; a decision comes at most this late. */
  private static final Duration TICK = Duration.ofMillis(100);

  /** How soon to look again when the informers have not synced yet. */
  private static final Duration NOT_SYNCED_RETRY = Duration.ofSeconds(1);

  private final ClusterCaches caches;
  private final MachineCache machines;
  private final CloudProvider cloud;
  private final LaunchConfigResolver resolver;
  private final VmInventory vms;
  private final ScaleDecisions decisions;
  private final Clock clock;
  private final OperatorSettings settings;
  private final OperatorMetrics metrics;
  private final Batch batch;
  private final ClusterPods pods;
  private final IdleNodes idle = new IdleNodes();
  private final PodNotices notices;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("autoscaler").unstarted(r));
  private final ExecutorService eventWriter =
      Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().daemon().name("autoscaler-events").unstarted(r));

  /** What each pool was last told about pods waiting at its maximum, to tell it when it changes. */
  private final Map<String, List<String>> lastAtMax = new HashMap<>();

  private Instant nextLook = Instant.MIN;

  /** How many pods counted as demand at the last decision, for the metric. */
  private int lastPending;

  public Autoscaler(
      KubernetesClient client,
      ClusterCaches caches,
      MachineCache machines,
      CloudProvider cloud,
      LaunchConfigResolver resolver,
      VmInventory vms,
      ScaleDecisions decisions,
      EventRecorder events,
      Clock clock,
      OperatorSettings settings,
      OperatorMetrics metrics) {
    this.caches = caches;
    this.machines = machines;
    this.cloud = cloud;
    this.resolver = resolver;
    this.vms = vms;
    this.decisions = decisions;
    this.clock = clock;
    this.settings = settings;
    this.metrics = metrics;
    this.batch = new Batch(settings.batching());
    this.notices = new PodNotices(events, eventWriter);
    this.pods = new ClusterPods(client, () -> batch.arrived(clock.instant()), idle::busy);
  }

  /** Starts deciding (on the leader). */
  public void start() {
    thread.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      Instant now = clock.instant();
      boolean batchDue = batch.takeIfDue(now);
      if (!batchDue && now.isBefore(nextLook)) {
        return;
      }
      nextLook = now.plus(settings.refreshPeriod());
      long start = System.nanoTime();
      Map<String, ScaleDecision> decided = decide(now);
      if (!decided.isEmpty()) {
        metrics.autoscalerDecided(
            System.nanoTime() - start,
            lastPending,
            decided.values().stream().mapToInt(d -> d.launches().size()).sum());
      }
    } catch (RuntimeException e) {
      log.warn("autoscaler: deciding failed, trying again next period", e);
    }
  }

  /**
   * One decision for every autoscaled pool, posted to those it changes; returns them, by pool name
   * (for tests).
   */
  Map<String, ScaleDecision> decide(Instant now) {
    List<NestedVirtPool> pools =
        caches
            .pools()
            .map(s -> s.filter(Autoscaler::autoscaled).toList())
            .orElse(List.of())
            .stream()
            .sorted(Comparator.comparing(NestedVirtPool::name))
            .toList();
    if (pools.isEmpty()) {
      return Map.of();
    }
    if (!pods.startedAndSynced()) {
      nextLook = now.plus(NOT_SYNCED_RETRY);
      return Map.of();
    }
    List<Pod> pending = pods.pending();
    lastPending = pending.size();
    Map<String, List<NestedVirtInstance>> serving = new HashMap<>();
    List<ScaleUpPlanner.PoolCandidate> candidates = new ArrayList<>();
    for (NestedVirtPool pool : pools) {
      List<NestedVirtInstance> s =
          machines.ofPool(pool).stream().filter(Autoscaler::serves).toList();
      serving.put(pool.name(), s);
      candidate(pool, s, now).ifPresent(candidates::add);
    }
    ScaleUpPlanner.Plan plan = ScaleUpPlanner.plan(pending, candidates);
    Set<String> observedNodes = new HashSet<>();
    Map<String, Node> nodes =
        caches
            .nodes()
            .map(
                n ->
                    n.collect(
                        Collectors.toMap(x -> x.getMetadata().getName(), x -> x, (a, b) -> a)))
            .orElse(Map.of());
    Map<String, ScaleDecision> decided = new HashMap<>();
    for (NestedVirtPool pool : pools) {
      Set<String> idleMachines =
          idleMachines(pool, serving.get(pool.name()), nodes, now, observedNodes);
      List<String> atMax =
          plan.unserved().stream()
              .filter(u -> u.why() == ScaleUpPlanner.Why.MAX_REPLICAS)
              .filter(u -> pool.name().equals(u.pool()))
              .map(u -> key(u.pod()))
              .sorted()
              .toList();
      ScaleDecision decision = new ScaleDecision(plan.newNodesOf(pool.name()), idleMachines, atMax);
      decided.put(pool.name(), decision);
      if (!decision.changesNothing() || !atMax.equals(lastAtMax.get(pool.name()))) {
        lastAtMax.put(pool.name(), atMax);
        decisions.post(pool.name(), decision);
      }
    }
    idle.retainOnly(observedNodes);
    lastAtMax.keySet().retainAll(decided.keySet());
    // After the pools have their decisions: a thousand Events must not hold back a launch.
    tellPods(plan, pending);
    return decided;
  }

  /** The pool as the planner sees it, or empty when its types or subnets are not known yet. */
  private Optional<ScaleUpPlanner.PoolCandidate> candidate(
      NestedVirtPool pool, List<NestedVirtInstance> serving, Instant now) {
    try {
      Map<String, InstanceType> described =
          cloud.describeInstanceTypes(pool.getSpec().instanceTypes);
      List<InstanceType> types =
          pool.getSpec().instanceTypes.stream()
              .map(described::get)
              .filter(Objects::nonNull)
              .toList();
      if (!(resolver.resolve(pool) instanceof LaunchConfigResolver.Resolved resolved)) {
        return Optional.empty(); // the pool's LaunchConfigValid condition says why
      }
      List<String> zones =
          resolved.config().subnets().stream().map(Subnet::zone).distinct().toList();
      List<NodeOffer> offers = NodeOffers.of(pool, types, zones, pods.daemonSets());
      List<ScaleUpPlanner.Room> inFlight = new ArrayList<>();
      for (NestedVirtInstance m : serving) {
        if (onItsWay(m, now)) {
          offers.stream()
              .filter(o -> o.instanceType().equals(m.getSpec().instanceType))
              .filter(o -> o.zone().equals(m.getSpec().zone))
              .findFirst()
              .ifPresent(o -> inFlight.add(new ScaleUpPlanner.Room(m.name(), o)));
        }
      }
      int headroom = Math.max(0, pool.getSpec().autoscaling.max() - serving.size());
      return Optional.of(
          new ScaleUpPlanner.PoolCandidate(
              pool.name(), pool.getSpec().autoscaling.weightOrZero(), headroom, offers, inFlight));
    } catch (RuntimeException e) {
      // One pool's trouble (EC2 throttled its type lookup) never stops the others.
      log.warn("autoscaler: pool {} left out of this decision: {}", pool.name(), e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * A node still on its way (launching, joining, verifying), or verified so recently that the
   * scheduler may not have placed the pods it was launched for: its room is counted, so that those
   * pods, still pending, do not launch another node.
   */
  private boolean onItsWay(NestedVirtInstance m, Instant now) {
    InstancePhase phase = InstancePhase.of(m);
    if (phase == InstancePhase.Launching
        || phase == InstancePhase.Joining
        || phase == InstancePhase.Verifying) {
      return true;
    }
    return phase == InstancePhase.Ready
        && verifiedAt(m).map(at -> now.isBefore(at.plus(settings.batching().max()))).orElse(false);
  }

  private static Optional<Instant> verifiedAt(NestedVirtInstance m) {
    if (m.getStatus() == null || m.getStatus().conditions == null) {
      return Optional.empty();
    }
    return m.getStatus().conditions.stream()
        .filter(c -> InstanceConditions.VERIFIED.equals(c.type) && "True".equals(c.status))
        .map(c -> c.lastTransitionTime)
        .filter(Objects::nonNull)
        .map(Instant::parse)
        .findFirst();
  }

  /**
   * Serving machines whose verified, Ready node has run nothing a drain would evict (only
   * DaemonSet, mirror and finished pods) and no VM, for the pool's {@code scaleDownAfter}.
   */
  private Set<String> idleMachines(
      NestedVirtPool pool,
      List<NestedVirtInstance> serving,
      Map<String, Node> nodes,
      Instant now,
      Set<String> observed) {
    Duration after = pool.getSpec().autoscaling.idleTimeout();
    // At its minimum the pool keeps its nodes, idle or not; their idle time still counts.
    boolean mayShrink = serving.size() > pool.getSpec().autoscaling.min();
    Set<String> result = new HashSet<>();
    for (NestedVirtInstance m : serving) {
      String node = m.getStatus() == null ? null : m.getStatus().nodeName;
      if (node == null || InstancePhase.of(m) != InstancePhase.Ready) {
        continue;
      }
      observed.add(node);
      boolean empty =
          IdleNodes.runsNothing(nodes.get(node), pods.onNode(node), vms.onNode(node), now);
      if (idle.observe(node, empty, now).compareTo(after) >= 0 && mayShrink) {
        result.add(m.name());
      }
    }
    return result;
  }

  /** TriggeredScaleUp on the pods a new node serves; NotTriggerScaleUp, and why, on the rest. */
  private void tellPods(ScaleUpPlanner.Plan plan, List<Pod> pending) {
    for (ScaleUpPlanner.NewNode n : plan.newNodes()) {
      NodeOffer first = n.offers().get(0);
      for (Pod pod : n.pods()) {
        notices.triggered(
            pod,
            "pod triggered scale-up: pool "
                + n.pool()
                + " adds a node ("
                + first.instanceType()
                + ") for it and "
                + (n.pods().size() - 1)
                + " other pod(s)");
      }
    }
    for (ScaleUpPlanner.Unserved u : plan.unserved()) {
      notices.notTriggered(u.pod(), u.why().name(), u.message());
    }
    notices.retainOnly(
        pending.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet()));
  }

  /** Machines that count toward the pool: not failed, not leaving, not chosen to leave. */
  private static boolean serves(NestedVirtInstance m) {
    return !m.isDeleting()
        && !m.isScaleDownVictim()
        && m.unreadable().isEmpty()
        && InstancePhase.of(m) != InstancePhase.Failed;
  }

  private static boolean autoscaled(NestedVirtPool pool) {
    return pool.getSpec() != null
        && pool.getSpec().autoscaled()
        && pool.getSpec().instanceTypes != null
        && pool.getMetadata().getDeletionTimestamp() == null
        && pool.unreadable().isEmpty();
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  @Override
  public void close() {
    thread.shutdownNow();
    eventWriter.shutdownNow();
    pods.close();
  }
}
