package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.launch.ClientTokens;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Watches, every half second for the whole run, what the chaos tier asserts:
 *
 * <ul>
 *   <li><b>surge</b>: a pool's active (pending or running) instances never exceed its replicas plus
 *       the machines it is removing. The operator has no surge setting: a machine leaving (a
 *       scale-down victim draining before its deletion, or one deleted: replaced, or its pool
 *       deleted) keeps its instance while its node drains and until EC2 reports it shutting down,
 *       and a successor may run meanwhile; nothing else may run. "Its replicas" is the largest
 *       value among the spec generations the operator may be acting on (from the one its status
 *       last observed to the current one), since a scale-down takes effect only once the operator
 *       has seen it;
 *   <li><b>duplicates</b>: no client token ({@code nvi-<machine uid>}) ever names two instances;
 *   <li><b>leaks</b>: an active instance that no machine claims (by id or client token) is an
 *       orphan; the garbage collector, which runs every refresh period on the leader, must have
 *       terminated it within its grace plus two refresh periods (and 15 s of slack) of the later of
 *       its becoming an orphan and the current leader's start, for the collector's memory of
 *       orphans dies with its process.
 * </ul>
 *
 * The machines are read before and after the instances, so a machine that finished leaving between
 * the reads still counts as leaving.
 */
final class ChaosObserver implements AutoCloseable {
  static final Duration PERIOD = Duration.ofMillis(500);
  static final Duration SLACK = Duration.ofSeconds(15);

  private final KubernetesClient admin;
  private final Ec2Emulator ec2;
  private final ChaosOperator operator;
  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("chaos-observer").unstarted(r));

  /** Replicas by spec generation, by pool uid: what the churn wrote and what samples saw. */
  private final Map<String, TreeMap<Long, Integer>> replicasByGeneration =
      new ConcurrentHashMap<>();

  /** When each current orphan was first seen (System.nanoTime), by instance id. */
  private final Map<String, Long> orphanSince = new ConcurrentHashMap<>();

  /** The first surge violations seen (each sample that saw one counts once in the total). */
  final List<String> surgeViolations = new CopyOnWriteArrayList<>();

  volatile int surgeSamples;
  final Set<String> duplicateTokens = ConcurrentHashMap.newKeySet();
  final Set<String> leaks = ConcurrentHashMap.newKeySet();
  final Set<String> orphansSeen = ConcurrentHashMap.newKeySet();
  final List<String> samplingErrors = new CopyOnWriteArrayList<>();

  /** Longest an orphan lived, in ms, and the most instances above replicas a pool ever ran. */
  volatile long longestOrphanMillis;

  volatile int mostAboveReplicas;
  volatile long samples;

  private volatile long leadingSince = System.nanoTime();
  private volatile boolean wasLeading;

  ChaosObserver(KubernetesClient admin, Ec2Emulator ec2, ChaosOperator operator) {
    this.admin = admin;
    this.ec2 = ec2;
    this.operator = operator;
    sampler.scheduleWithFixedDelay(
        this::sample, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The churn says what it wrote, so no generation goes unseen between two samples. */
  void wrote(NestedVirtPool pool) {
    record(pool);
  }

  private void record(NestedVirtPool pool) {
    if (pool == null || pool.getSpec() == null || pool.getSpec().replicas == null) {
      return;
    }
    replicasByGeneration
        .computeIfAbsent(pool.uid(), k -> new TreeMap<>())
        .put(pool.getMetadata().getGeneration(), pool.getSpec().replicas);
  }

  private void sample() {
    try {
      boolean leading = operator.leads();
      if (leading && !wasLeading) {
        leadingSince = System.nanoTime();
      }
      wasLeading = leading;
      List<NestedVirtInstance> before = machines();
      List<NestedVirtPool> pools = admin.resources(NestedVirtPool.class).list().getItems();
      List<EmulatedInstance> instances = ec2.instances();
      List<NestedVirtInstance> after = machines();
      pools.forEach(this::record);
      checkSurge(pools, instances, before, after);
      checkDuplicates(instances);
      checkOrphans(instances, before, after, leading);
      samples++;
    } catch (RuntimeException e) {
      if (samplingErrors.size() < 20) {
        samplingErrors.add(e.toString());
      }
    }
  }

  private List<NestedVirtInstance> machines() {
    return admin.resources(NestedVirtInstance.class).list().getItems();
  }

  private void checkSurge(
      List<NestedVirtPool> pools,
      List<EmulatedInstance> instances,
      List<NestedVirtInstance> before,
      List<NestedVirtInstance> after) {
    Set<String> stillThere =
        after.stream().map(NestedVirtInstance::uid).collect(Collectors.toSet());
    for (NestedVirtPool pool : pools) {
      long active =
          instances.stream()
              .filter(i -> i.state().isActive())
              .filter(i -> pool.uid().equals(i.tags().get(Tags.POOL_UID)))
              .count();
      Set<String> leaving = new HashSet<>();
      for (List<NestedVirtInstance> snapshot : List.of(before, after)) {
        for (NestedVirtInstance m : snapshot) {
          if (pool.uid().equals(m.poolUid()) && (m.isLeaving() || !stillThere.contains(m.uid()))) {
            leaving.add(m.uid());
          }
        }
      }
      int replicas = replicasInForce(pool);
      mostAboveReplicas = (int) Math.max(mostAboveReplicas, active - replicas);
      if (active > replicas + leaving.size()) {
        surgeSamples++;
        if (surgeViolations.size() >= 20) {
          continue;
        }
        surgeViolations.add(
            "pool %s ran %d active instances with replicas %d and %d machine(s) leaving"
                .formatted(pool.name(), active, replicas, leaving.size()));
      }
    }
  }

  /** The largest replicas among the generations the operator may be acting on. */
  private int replicasInForce(NestedVirtPool pool) {
    TreeMap<Long, Integer> history = replicasByGeneration.get(pool.uid());
    long generation = pool.getMetadata().getGeneration();
    Long observed = pool.getStatus() == null ? null : pool.getStatus().observedGeneration;
    long from = observed == null ? 1 : Math.min(observed, generation);
    int most = pool.getSpec().replicas == null ? 0 : pool.getSpec().replicas;
    if (history != null) {
      // The last generation before `from` that was recorded, too: generations the churn did not
      // write (status-only writes do not bump it) are that one's replicas.
      Long floor = history.floorKey(from);
      for (int r : history.subMap(floor == null ? from : floor, true, generation, true).values()) {
        most = Math.max(most, r);
      }
    }
    return most;
  }

  private void checkDuplicates(List<EmulatedInstance> instances) {
    Map<String, Long> byToken =
        instances.stream()
            .filter(i -> i.clientToken() != null && !i.clientToken().isBlank())
            .collect(Collectors.groupingBy(EmulatedInstance::clientToken, Collectors.counting()));
    byToken.forEach(
        (token, count) -> {
          if (count > 1) {
            duplicateTokens.add(token + " (" + count + " instances)");
          }
        });
  }

  private void checkOrphans(
      List<EmulatedInstance> instances,
      List<NestedVirtInstance> before,
      List<NestedVirtInstance> after,
      boolean leading) {
    Set<String> claimedIds = new HashSet<>();
    Set<String> claimedTokens = new HashSet<>();
    for (List<NestedVirtInstance> snapshot : List.of(before, after)) {
      for (NestedVirtInstance m : snapshot) {
        if (m.instanceId() != null) {
          claimedIds.add(m.instanceId());
        }
        claimedTokens.add(ClientTokens.forInstance(m.uid()));
      }
    }
    long now = System.nanoTime();
    Set<String> current = new HashSet<>();
    for (EmulatedInstance i : instances) {
      if (!i.state().isActive()
          || claimedIds.contains(i.id())
          || claimedTokens.contains(i.clientToken())) {
        continue;
      }
      current.add(i.id());
      orphansSeen.add(i.id());
      long since = orphanSince.computeIfAbsent(i.id(), k -> now);
      long age = TimeUnit.NANOSECONDS.toMillis(now - since);
      longestOrphanMillis = Math.max(longestOrphanMillis, age);
      long limit =
          Math.max(since, leadingSince)
              + ChaosOperator.LAUNCH_GRACE
                  .plus(ChaosOperator.REFRESH_PERIOD.multipliedBy(2))
                  .plus(SLACK)
                  .toNanos();
      if (leading && now > limit) {
        leaks.add(
            "%s (pool %s, %s) unclaimed for %d s"
                .formatted(i.id(), i.tags().get(Tags.POOL), i.state().wireName(), age / 1000));
      }
    }
    orphanSince.keySet().retainAll(current);
  }

  /** Orphans right now, by id. */
  Set<String> currentOrphans() {
    return Set.copyOf(orphanSince.keySet());
  }

  /**
   * Why the pools have not converged yet, or empty once every pool is Ready for its current
   * generation with exactly {@code replicas} Ready machines, none leaving, and exactly that many
   * running instances in EC2; and no pool is being deleted.
   */
  Optional<String> notConverged() {
    List<NestedVirtPool> pools = admin.resources(NestedVirtPool.class).list().getItems();
    List<NestedVirtInstance> machines = machines();
    List<EmulatedInstance> instances = ec2.instances();
    List<String> problems = new ArrayList<>();
    for (NestedVirtPool pool : pools) {
      String name = pool.name();
      if (pool.getMetadata().getDeletionTimestamp() != null) {
        problems.add(
            name
                + " is still being deleted ("
                + machines.stream()
                    .filter(m -> pool.uid().equals(m.poolUid()))
                    .map(ChaosObserver::leavingState)
                    .collect(Collectors.joining("; "))
                + ")");
        continue;
      }
      int replicas = pool.getSpec().replicas;
      var status = pool.getStatus();
      if (status == null) {
        problems.add(name + " has no status");
        continue;
      }
      boolean ready =
          status.conditions.stream()
              .anyMatch(c -> "Ready".equals(c.type) && "True".equals(c.status));
      if (!ready || !pool.getMetadata().getGeneration().equals(status.observedGeneration)) {
        problems.add(
            name
                + " is not Ready for generation "
                + pool.getMetadata().getGeneration()
                + " ("
                + status.conditions.stream()
                    .filter(c -> !"True".equals(c.status) || "Ready".equals(c.type))
                    .map(ChaosObserver::describe)
                    .collect(Collectors.joining("; "))
                + ")");
        continue;
      }
      List<NestedVirtInstance> own =
          machines.stream().filter(m -> pool.uid().equals(m.poolUid())).toList();
      long readyMachines =
          own.stream()
              .filter(m -> !m.isLeaving())
              .filter(m -> m.getStatus() != null && "Ready".equals(m.getStatus().phase))
              .count();
      long leaving = own.stream().filter(NestedVirtInstance::isLeaving).count();
      Map<InstanceState, Long> states =
          instances.stream()
              .filter(i -> pool.uid().equals(i.tags().get(Tags.POOL_UID)))
              .filter(i -> i.state().isActive())
              .collect(Collectors.groupingBy(EmulatedInstance::state, Collectors.counting()));
      long running = states.getOrDefault(InstanceState.RUNNING, 0L);
      long active = states.values().stream().mapToLong(Long::longValue).sum();
      if (readyMachines != replicas || own.size() != replicas || leaving > 0) {
        problems.add(
            "%s has %d machines, %d Ready, %d leaving, for replicas %d"
                .formatted(name, own.size(), readyMachines, leaving, replicas));
      } else if (running != replicas || active != replicas) {
        problems.add(
            "%s has %d active instances (%s) for replicas %d"
                .formatted(name, active, states, replicas));
      }
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  /** A machine's phase and, while it leaves, what holds it (its Drained or Ready condition). */
  private static String leavingState(NestedVirtInstance m) {
    var status = m.getStatus();
    if (status == null) {
      return m.name() + ": no status";
    }
    String holding =
        status.conditions.stream()
            .filter(c -> "Drained".equals(c.type) && "False".equals(c.status))
            .findFirst()
            .or(
                () ->
                    status.conditions.stream()
                        .filter(c -> "Ready".equals(c.type) && !"True".equals(c.status))
                        .findFirst())
            .map(c -> c.message)
            .orElse("");
    return m.name() + " " + status.phase + ": " + holding;
  }

  private static String describe(Condition c) {
    return c.type + "=" + c.status + " " + c.reason + ": " + c.message;
  }

  /** The pools' replicas as the tier last read them, for the summary. */
  Map<String, Integer> replicasNow() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (NestedVirtPool p : admin.resources(NestedVirtPool.class).list().getItems()) {
      out.put(p.name(), p.getSpec().replicas);
    }
    return out;
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
