package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.kubelet.KubeletSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The chaos tier (DESIGN.md tier 4, {@code bin/test-chaos}): the operator jar as a process against
 * the real kube-apiserver and the project's EC2 emulator on its own port, killed with SIGKILL at
 * random at least 100 times while three pools are scaled, deleted and recreated at random, with
 * faults as phases. See e2e/README.md for what each phase does and what is a stand-in.
 *
 * <p>Throughout: the listing lags launches by 5 s, the operator lists every 30 s (its default), and
 * 20% of RunInstances answers are lost after EC2 launched. Asserted all along (sampled twice a
 * second) and reported at the end: no pool above its replicas plus the machines it is removing, no
 * client token with two instances, no orphan instance older than the garbage collector's grace
 * allows; and after each phase, every pool converged within 60 s of the phase's faults ending.
 *
 * <p>{@code -Dchaos.seed=N} repeats a run's random choices (which pool, which replicas, when to
 * kill, which answers to lose); the threads' timing still varies.
 */
class OperatorChaos {
  static final String CLUSTER = "chaos";
  static final Duration CONVERGENCE = Duration.ofSeconds(60);
  static final Duration LISTING_LAG = Duration.ofSeconds(5);
  static final double LOST_SHARE = 0.2;
  static final int KILLS = 100;

  /** The type a zone stops offering in the zone phase, and that zone. */
  static final String REFUSED_TYPE = "m8i.large";

  static final String REFUSING_ZONE = "us-east-1b";

  private final long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
  private final Random random = new Random(seed);
  private final List<String> failures = new ArrayList<>();
  private final Map<String, Long> convergence = new LinkedHashMap<>();

  /** Phases whose limit counted from the end of a disruption Kubernetes held (see converge). */
  private final List<String> phantomHolds = new ArrayList<>();

  private ChaosWorkload workload;
  private final long started = System.nanoTime();

  private Ec2Emulator ec2;
  private ChaosOperator operator;
  private ChaosObserver observer;
  private ChaosChurn churn;
  private KubernetesClient admin;

  @Test
  void poolsConvergeWithoutDuplicatesOrLeaksThroughKillsLostAnswersThrottlingAndARefusingZone()
      throws Exception {
    System.out.printf("chaos: seed %d (repeat with -Dchaos.seed=%d)%n", seed, seed);
    E2EEnvironment env = E2EEnvironment.load();
    try (RealCluster cluster = new RealCluster(env);
        Ec2Emulator emulator =
            Ec2Emulator.builder()
                .seed(seed)
                .bootDelay(Duration.ofSeconds(1))
                .shutdownDelay(Duration.ofSeconds(2))
                .start()) {
      ec2 = emulator;
      ec2.seedCluster(CLUSTER);
      ec2.listingLag(LISTING_LAG);
      KubernetesClient admin = cluster.admin;
      try (KubeletSimulator kubelets =
              new KubeletSimulator(
                      admin,
                      KubeletSimulator.Settings.defaults()
                          .withRegistrationDelay(Duration.ofMillis(500))
                          .withVerificationDelay(Duration.ofMillis(500)))
                  .attach(ec2);
          ChaosOperator op =
              new ChaosOperator(
                  env, cluster.operatorKubeconfig(), ec2.endpoint(), CLUSTER, random.nextLong());
          ChaosObserver obs = new ChaosObserver(admin, ec2, op);
          ChaosChurn ch =
              new ChaosChurn(
                  admin,
                  obs,
                  random.nextLong(),
                  Map.of(
                      "chaos-a", List.of(REFUSED_TYPE),
                      "chaos-b", List.of("c8i.large"),
                      "chaos-c", List.of(REFUSED_TYPE, "r8i.large"),
                      "chaos-d", List.of("c8i.large", REFUSED_TYPE)),
                  List.of("chaos-a", "chaos-b", "chaos-c"));
          ChaosWorkload workload =
              new ChaosWorkload(
                  admin,
                  "chaos-a",
                  random.nextLong(),
                  // While the drain waits for the evicted pod to go, not during the eviction
                  // request: a kill there leaves the budget counting a disruption whose pod was
                  // never deleted, which the disruption controller gives back only after 2 min
                  // (Kubernetes' DeletionTimeout), whatever the operator does.
                  pod ->
                      op.killBetween(Duration.ofSeconds(1), Duration.ofSeconds(3), "mid-drain"))) {
        operator = op;
        observer = obs;
        this.workload = workload;
        this.admin = admin;
        churn = ch;
        // A kill between EC2's launch and the operator's record of it, now and then.
        Random launches = new Random(random.nextLong());
        ec2.onStateChange(
            i -> {
              if (i.state() == InstanceState.PENDING && launches.nextDouble() < 0.3) {
                op.killSoon(Duration.ofMillis(300), "between launch and record");
              }
            });
        run(workload);
        summarize(env, kubelets, workload);
      }
    }
    assertThat(failures).as("what the chaos tier found (seed %d)", seed).isEmpty();
  }

  private void run(ChaosWorkload workload) throws Exception {
    churn.apply("chaos-a", 2);
    churn.apply("chaos-b", 2);
    churn.apply("chaos-c", 1);
    converge("start", Duration.ofMinutes(3));

    // Kills and lost answers from here on (the throttling phase apart).
    operator.killing(true);
    ec2.loseResponses("RunInstances", LOST_SHARE, random.nextLong());
    phase("kills", Duration.ofSeconds(120));
    ec2.loseResponses("RunInstances", LOST_SHARE, random.nextLong());
    converged("kills");

    ec2.loseResponses("RunInstances", 1.0, random.nextLong());
    churn.apply("chaos-b", 3);
    phase("brownout", Duration.ofSeconds(40));
    ec2.loseResponses("RunInstances", LOST_SHARE, random.nextLong());
    converged("brownout");

    // No kills here: a restart reconciles every pool, which would hide a pool that an operator
    // left waiting after its retries ran out; this phase is about the operator that stays up.
    operator.killing(false);
    ec2.throttle(action -> action.startsWith("Describe"));
    churn.apply("chaos-d", 2);
    phase("throttled", Duration.ofSeconds(60));
    ec2.stopThrottling();
    converged("throttled");
    operator.killing(true);

    // The zone refuses the type for good, as AWS's offerings do: after 30 s of churn with the
    // refusal, the two pools that may use it are set to 3 replicas over the three zones (once any
    // deletion of theirs has finished), and must converge around the refusing zone while it lasts.
    ec2.withdrawOffering(REFUSED_TYPE, REFUSING_ZONE);
    phase("zone refuses " + REFUSED_TYPE, Duration.ofSeconds(30));
    for (String pool : List.of("chaos-a", "chaos-c")) {
      awaitNotDeleting(pool);
      churn.apply(pool, 3);
    }
    converged("zone refuses " + REFUSED_TYPE);

    // Kills until at least KILLS, with the churn, then a last convergence.
    while (operator.totalKills() < KILLS) {
      phase("more kills", Duration.ofSeconds(20));
    }
    converge("more kills", CONVERGENCE);
    operator.killing(false);
    ec2.loseResponses("RunInstances", 0, 0);
    awaitOrphansCollected();
  }

  /**
   * Waits (up to 2 min) until the pool is not being deleted: gone, or alive. As in {@link
   * #converge}, the 2 minutes count from when the disruption controller gives back an eviction
   * whose pod was never deleted: the pool's drains cannot end before then.
   */
  private void awaitNotDeleting(String name) throws InterruptedException {
    Duration limit = Duration.ofMinutes(2);
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      var pool = admin.resources(NestedVirtPool.class).withName(name).get();
      if (pool == null || pool.getMetadata().getDeletionTimestamp() == null) {
        return;
      }
      deadline = grantPhantomHold("deleting " + name, deadline, limit);
      Thread.sleep(500);
    }
    failures.add("pool " + name + " was still being deleted 2 min into the zone phase");
  }

  /**
   * The wait's deadline, moved to {@code limit} after the disruption controller gives back an
   * eviction whose pod was never deleted, if the budget counts one now; the first move of a wait is
   * recorded under {@code what} for the summary.
   */
  private long grantPhantomHold(String what, long deadline, Duration limit) {
    Optional<Instant> phantom = workload.phantomDisruptionUntil();
    if (phantom.isEmpty()) {
      return deadline;
    }
    long extended =
        System.nanoTime() + Duration.between(Instant.now(), phantom.get()).plus(limit).toNanos();
    if (extended <= deadline) {
      return deadline;
    }
    if (!phantomHolds.contains(what)) {
      phantomHolds.add(what);
      System.out.printf(
          "chaos: %s: the budget counts an eviction whose pod was never deleted, given back at %s;"
              + " the limit counts from then%n",
          what, phantom.get());
    }
    return extended;
  }

  /** The churn runs for {@code length}; when the phase's faults end the caller says. */
  private void phase(String name, Duration length) throws InterruptedException {
    System.out.printf(
        "chaos: %s for %d s (%d kills so far)%n", name, length.toSeconds(), operator.totalKills());
    churn.active(true);
    Thread.sleep(length.toMillis());
    churn.active(false);
  }

  /** Waits up to 60 s for every pool to converge; records how long it took or what was left. */
  private void converged(String phase) throws InterruptedException {
    converge(phase, CONVERGENCE);
  }

  /**
   * Waits up to {@code limit} for every pool to converge. The one wait granted beyond it is
   * Kubernetes' own: while the budget counts an eviction whose pod was never deleted (a kill inside
   * the eviction request, or a precondition that failed after the budget was charged), the limit
   * counts from when the disruption controller gives it back (see
   * ChaosWorkload#phantomDisruptionUntil); such phases are counted in the summary.
   */
  private void converge(String phase, Duration limit) throws InterruptedException {
    long from = System.nanoTime();
    long deadline = from + limit.toNanos();
    Optional<String> why = Optional.of("not checked");
    while (System.nanoTime() < deadline) {
      why = observer.notConverged();
      if (why.isEmpty()) {
        long took = (System.nanoTime() - from) / 1_000_000;
        convergence.put(phase, took);
        System.out.printf("chaos: %s: converged in %.1f s%n", phase, took / 1000.0);
        return;
      }
      deadline = grantPhantomHold(phase, deadline, limit);
      Thread.sleep(500);
    }
    convergence.put(phase, -1L);
    String failure =
        "after %s the pools did not converge within %d s: %s"
            .formatted(phase, limit.toSeconds(), why.get());
    System.out.println("chaos: " + failure);
    failures.add(failure);
  }

  /**
   * Orphans still there once the faults stopped get the time the collector is allowed, so that the
   * leak figure covers every orphan, not only those old enough when the run ended.
   */
  private void awaitOrphansCollected() throws InterruptedException {
    long deadline =
        System.nanoTime()
            + ChaosOperator.LAUNCH_GRACE
                .plus(ChaosOperator.REFRESH_PERIOD.multipliedBy(2))
                .plus(ChaosObserver.SLACK)
                .toNanos();
    while (!observer.currentOrphans().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(1000);
    }
    Thread.sleep(2 * ChaosObserver.PERIOD.toMillis());
  }

  private void summarize(E2EEnvironment env, KubeletSimulator kubelets, ChaosWorkload workload)
      throws IOException {
    int kills = operator.totalKills();
    if (kills < KILLS) {
      failures.add("only " + kills + " kills, fewer than " + KILLS);
    }
    if (!observer.duplicateTokens.isEmpty()) {
      failures.add("instances launched twice for one machine: " + observer.duplicateTokens);
    }
    if (!observer.leaks.isEmpty()) {
      failures.add(
          "instances left without an owner past the garbage collector's grace: " + observer.leaks);
    }
    if (observer.surgeSamples > 0) {
      failures.add(
          "pools above replicas plus leaving machines in "
              + observer.surgeSamples
              + " samples, first: "
              + observer.surgeViolations);
    }
    if (observer.samples == 0) {
      failures.add("the observer took no sample: " + observer.samplingErrors);
    }
    long longest = convergence.values().stream().mapToLong(Long::longValue).max().orElse(-1);
    StringBuilder out = new StringBuilder();
    out.append("chaos summary\n");
    out.append(
        "  seed                      %d (repeat with -Dchaos.seed=%d)%n".formatted(seed, seed));
    out.append(
        "  duration                  %d s%n"
            .formatted((System.nanoTime() - started) / 1_000_000_000L));
    out.append("  SIGKILLs                  %d %s%n".formatted(kills, operator.kills));
    out.append("  operator starts           %d%n".formatted(operator.starts.get()));
    out.append(
        "  RunInstances calls        %d (%.0f%% of answers lost, 100%% in the brownout)%n"
            .formatted(ec2.calls("RunInstances"), LOST_SHARE * 100));
    out.append("  instances launched        %d%n".formatted(ec2.instances().size()));
    out.append("  duplicates                %d%n".formatted(observer.duplicateTokens.size()));
    out.append("  leaks                     %d%n".formatted(observer.leaks.size()));
    out.append(
        "  orphans seen              %d, longest %.1f s (the garbage collector's grace: %d s)%n"
            .formatted(
                observer.orphansSeen.size(),
                observer.longestOrphanMillis / 1000.0,
                ChaosOperator.LAUNCH_GRACE.toSeconds()));
    out.append(
        "  surge violations          %d (most instances above replicas: %d, machines leaving)%n"
            .formatted(observer.surgeSamples, observer.mostAboveReplicas));
    out.append("  evictions (drains)        %d%n".formatted(workload.evictions.get()));
    out.append("  pool changes              %s%n".formatted(churn.actions));
    out.append("  observer samples          %d%n".formatted(observer.samples));
    out.append("  convergence (s, -1 = not within the limit)\n");
    convergence.forEach(
        (phase, ms) ->
            out.append(
                "    %-24s%s%n".formatted(phase, ms < 0 ? "-1" : "%.1f".formatted(ms / 1000.0))));
    out.append("  longest convergence       %.1f s%n".formatted(longest / 1000.0));
    out.append(
        "  limit from a budget's release %s (evictions the API server counted but never carried"
                .formatted(phantomHolds)
            + " out, given back after Kubernetes' 2 min DeletionTimeout)\n");
    if (!churn.errors.isEmpty() || !workload.errors.isEmpty()) {
      out.append(
          "  API errors (churn, workload): %s %s%n".formatted(churn.errors, workload.errors));
    }
    out.append(
        "  result                    %s%n".formatted(failures.isEmpty() ? "passed" : "FAILED"));
    failures.forEach(f -> out.append("    - ").append(f).append('\n'));
    System.out.print(out);
    Path file = env.logs().getParent().resolve("chaos-summary.txt");
    Files.writeString(file, out.toString());
    System.out.println("chaos: summary in " + file + ", operator log in " + operator.log);
  }
}
