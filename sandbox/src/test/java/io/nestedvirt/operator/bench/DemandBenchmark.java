package io.nestedvirt.operator.bench;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.nestedvirt.operator.api.v1alpha1.AutoscalingSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.cloud.aws.AwsCloudProvider;
import io.nestedvirt.operator.cloud.aws.AwsSettings;
import io.nestedvirt.operator.demand.NodeOffers;
import io.nestedvirt.operator.demand.PodRequests;
import io.nestedvirt.operator.demand.Resources;
import io.nestedvirt.operator.metrics.Scrape;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import io.nestedvirt.sandbox.kubelet.Verdict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Demand-driven scaling (issue 16): pending pods arrive over a minute, in bursts or as a steady
 * trickle, at an autoscaled pool with no node yet; how long each pod waits for the RunInstances of
 * the node that serves it, and how many nodes come against the fewest a bin-packing needs.
 *
 * <p>The operator is the production jar as its own process against a fresh {@link BenchStack} per
 * shape. No scheduler runs: pods are created already marked {@code PodScheduled=False,
 * Unschedulable}, and stay pending. The simulated kubelets register Nodes only after an hour, so
 * every node launched in the phase stays on its way (Joining), its room counted by the operator:
 * otherwise pods that no scheduler binds would, a batch maximum after their node is verified,
 * rightly look unserved and launch again.
 *
 * <p>Which launch serves which pod: all pods are identical, {@code k} of them fill a node (from the
 * operator's own {@link NodeOffers} for the type), and pod i waits for the pool's {@code
 * ceil((i+1)/k)}-th launch, timed by the EC2 emulator's state listener as the instance appears (see
 * {@link ServingLaunches} for why that is exact here).
 */
final class DemandBenchmark {
  private static final String RECONCILES = "operator_sdk_reconciliations_started_total";
  private static final String NAMESPACE = "default";
  private static final String POOL = "demand";
  private static final String WARMUP_POOL = "warmup";

  private static final int WARMUP_BURSTS = 5;

  /** Longer than the phase: launched nodes stay Joining, so their room stays counted. */
  private static final Duration REGISTRATION_DELAY = Duration.ofHours(1);

  /** Command-line settings of the phase. */
  record Settings(
      Path jar,
      Path workDir,
      Duration refresh,
      Duration batchIdle,
      Duration batchMax,
      int pods,
      int burstSize,
      Duration burstGap,
      Duration trickleGap,
      String podCpu,
      String podMemory) {}

  /** One shape's figures for the JSON, and its pending -> RunInstances samples. */
  private record Measured(Map<String, Object> figures, Samples toLaunch) {
    /** The operator's API writes in the phase, of every kind. */
    int writes() {
      return ((Map<?, ?>) figures.get("operatorApiWrites"))
          .values().stream().mapToInt(v -> (Integer) v).sum();
    }
  }

  /** When each pod is due, as an offset from the start: its arrival shape. */
  record Shape(String name, String description, long[] dueNanos) {}

  private final Settings s;
  private final Consumer<String> table;

  DemandBenchmark(Settings s, Consumer<String> table) {
    this.s = s;
    this.table = table;
  }

  /** Both shapes, each on a fresh stack and operator; the figures for the JSON. */
  Map<String, Object> run() throws Exception {
    List<Shape> shapes = List.of(bursts(), trickle());
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("method", method());
    result.put("pods", s.pods());
    result.put("instanceType", BenchStack.INSTANCE_TYPE);
    result.put("podRequests", Map.of("cpu", s.podCpu(), "memory", s.podMemory()));
    result.put("refreshPeriodMs", s.refresh().toMillis());
    result.put("batchIdleMs", s.batchIdle().toMillis());
    result.put("batchMaxMs", s.batchMax().toMillis());
    List<Measured> measured = new ArrayList<>();
    for (Shape shape : shapes) {
      measured.add(measure(shape));
    }
    int perNode = (int) measured.get(0).figures().get("podsPerNode");
    result.put("podsPerNode", perNode);
    result.put("shapes", measured.stream().map(Measured::figures).toList());
    report(measured, perNode);
    return result;
  }

  private Shape bursts() {
    int count = (s.pods() + s.burstSize() - 1) / s.burstSize();
    long[] due = new long[s.pods()];
    for (int i = 0; i < s.pods(); i++) {
      due[i] = (i / s.burstSize()) * s.burstGap().toNanos();
    }
    return new Shape(
        "bursts",
        count
            + " bursts of "
            + s.burstSize()
            + " pods, "
            + s.burstGap().toMillis()
            + " ms apart, each created as fast as the client goes",
        due);
  }

  private Shape trickle() {
    long[] due = new long[s.pods()];
    for (int i = 0; i < s.pods(); i++) {
      due[i] = i * s.trickleGap().toNanos();
    }
    return new Shape("trickle", "one pod every " + s.trickleGap().toMillis() + " ms", due);
  }

  private Measured measure(Shape shape) throws Exception {
    OperatorBenchmark.progress("demand: %s: %s", shape.name(), shape.description());
    Map<String, List<Long>> launches = new ConcurrentHashMap<>();
    Set<String> seen = ConcurrentHashMap.newKeySet();
    try (BenchStack stack = new BenchStack(Verdict::expectedFor, REGISTRATION_DELAY)) {
      stack.ec2.onStateChange(
          i -> {
            if (i.state() == InstanceState.PENDING && seen.add(i.id())) {
              launches
                  .computeIfAbsent(
                      i.tag(Tags.POOL), k -> Collections.synchronizedList(new ArrayList<>()))
                  .add(System.nanoTime());
            }
          });
      int k = podsPerNode(stack);
      int minimum = (s.pods() + k - 1) / k;
      createPool(stack, WARMUP_POOL, WARMUP_BURSTS * s.burstSize());
      createPool(stack, POOL, Math.max(minimum * 2, 100));
      try (OperatorProcess op =
          OperatorProcess.start(
              s.jar(),
              stack,
              s.refresh(),
              s.workDir(),
              List.of(),
              "demand-" + shape.name() + "-operator.log",
              List.of(
                  "--batch-idle",
                  s.batchIdle().toMillis() + "ms",
                  "--batch-max",
                  s.batchMax().toMillis() + "ms"))) {
        awaitFirstReconcile(op);
        warmUp(stack, launches, k);
        // Counted from here: the phase's own calls, writes and reconciles.
        Map<String, Integer> ec2Before = stack.ec2.callCounts();
        stack.operatorWritesSinceLastCall();
        Scrape before = Scrape.parse(op.scrape());
        double cpuBefore = op.cpuSeconds();
        long start = System.nanoTime();
        long[] pendingAt = arrive(stack, shape, POOL, "pod");
        long lastArrival = pendingAt[pendingAt.length - 1];
        // Until the fewest nodes that hold every pod have launched, then a batch more to see any
        // extra one; at the latest a maximum batch and half a minute after the last pod.
        long deadline = lastArrival + s.batchMax().plusSeconds(30).toNanos();
        while (launched(launches, POOL) < minimum && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        long served = System.nanoTime();
        Thread.sleep(s.batchMax().plus(s.batchIdle()).toMillis());
        Scrape after = Scrape.parse(op.scrape());
        double cpu = op.cpuSeconds() - cpuBefore;
        Map<String, Integer> ec2 = OperatorBenchmark.delta(ec2Before, stack.ec2.callCounts());
        Map<String, Integer> writes = stack.operatorWritesSinceLastCall();
        List<Long> times = launches.getOrDefault(POOL, List.of());
        ServingLaunches serving;
        synchronized (times) {
          serving = new ServingLaunches(pendingAt, times, k);
        }
        ServingLaunches.Waits waits = serving.waits();
        ServingLaunches.Bursts bursts = serving.bursts(shape.dueNanos());
        double reconciles = after.sum(RECONCILES) - before.sum(RECONCILES);
        double poolReconciles =
            after.sum(RECONCILES, "kind", "NestedVirtPool")
                - before.sum(RECONCILES, "kind", "NestedVirtPool");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("shape", shape.name());
        r.put("arrival", shape.description());
        r.put("podsPerNode", k);
        r.put("arrivalSeconds", Samples.round((lastArrival - pendingAt[0]) / 1e9));
        r.put("lastPodToMinimumLaunchedSeconds", Samples.round((served - lastArrival) / 1e9));
        r.put("pendingToRunInstances", waits.toLaunch().summary());
        if (bursts.creation().count() > 0) {
          r.put("burstCreation", bursts.creation().summary());
          r.put("burstLastPodToLastRunInstances", bursts.lastPodToLaunch().summary());
        }
        r.put("podsOnRoomLaunchedBeforeThem", waits.onEarlierRoom());
        r.put("podsNotServed", waits.unserved());
        r.put("nodesLaunched", times.size());
        r.put("minimumNodes", minimum);
        r.put("runInstancesCalls", ec2.getOrDefault("RunInstances", 0));
        r.put("ec2Calls", ec2);
        r.put("reconciles", (long) reconciles);
        r.put("poolReconciles", (long) poolReconciles);
        r.put("operatorApiWrites", writes);
        r.put("operatorCpuSeconds", Samples.round(cpu));
        r.put("phaseSeconds", Samples.round((System.nanoTime() - start) / 1e9));
        return new Measured(r, waits.toLaunch());
      }
    }
  }

  /** How many of the phase's pods one new node of the pool holds, by the operator's own offer. */
  private int podsPerNode(BenchStack stack) {
    try (AwsCloudProvider cloud =
        AwsCloudProvider.create(
            AwsSettings.of(BenchStack.CLUSTER, BenchStack.REGION)
                .withEndpointOverride(stack.ec2.endpoint())
                .withStaticCredentials("bench", "bench"))) {
      InstanceType type =
          cloud
              .describeInstanceTypes(List.of(BenchStack.INSTANCE_TYPE))
              .get(BenchStack.INSTANCE_TYPE);
      NestedVirtPool pool = pool(POOL, 1);
      Resources free =
          NodeOffers.of(pool, List.of(type), List.of("any"), List.of()).get(0).allocatable();
      Resources one = PodRequests.of(pod(0, POOL, "x"));
      int k = 0;
      for (Resources used = one; used.fitsIn(free); used = used.plus(one)) {
        k++;
      }
      if (k == 0) {
        throw new IllegalStateException("a pod of the phase does not fit a new node: " + free);
      }
      return k;
    }
  }

  /**
   * {@link #WARMUP_BURSTS} bursts for a pool of their own, not counted: the operator's JIT warms up
   * (with two, the first measured burst still took twice as long as the others).
   */
  private void warmUp(BenchStack stack, Map<String, List<Long>> launches, int k)
      throws InterruptedException {
    int pods = Math.min(WARMUP_BURSTS * s.burstSize(), s.pods());
    Shape warm =
        new Shape(
            "warmup",
            WARMUP_BURSTS + " bursts",
            java.util.stream.IntStream.range(0, pods)
                .mapToLong(i -> (i / s.burstSize()) * s.burstGap().toNanos())
                .toArray());
    arrive(stack, warm, WARMUP_POOL, "warm");
    long deadline = System.nanoTime() + s.batchMax().plusSeconds(30).toNanos();
    while (launched(launches, WARMUP_POOL) < (pods + k - 1) / k && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    // Quiet before measuring: the warm-up's batch is over.
    Thread.sleep(s.batchIdle().multipliedBy(2).toMillis());
  }

  /**
   * Creates the shape's pods, each when it is due (open loop, one thread: a burst's pods back to
   * back); returns when each became pending, taken just before its create call.
   */
  private long[] arrive(BenchStack stack, Shape shape, String pool, String prefix)
      throws InterruptedException {
    long[] pendingAt = new long[shape.dueNanos().length];
    long start = System.nanoTime();
    for (int i = 0; i < pendingAt.length; i++) {
      long wait = start + shape.dueNanos()[i] - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(Duration.ofNanos(wait));
      }
      Pod pod = pod(i, pool, prefix);
      pendingAt[i] = System.nanoTime();
      stack.client().pods().inNamespace(NAMESPACE).resource(pod).create();
    }
    return pendingAt;
  }

  private static int launched(Map<String, List<Long>> launches, String pool) {
    return launches.getOrDefault(pool, List.of()).size();
  }

  /**
   * A pod as kube-scheduler leaves one it found no node for; it selects its pool, and its name
   * sorts in arrival order.
   */
  private Pod pod(int i, String pool, String prefix) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(NAMESPACE)
        .withName(String.format("%s-%s-%05d", pool, prefix, i))
        .endMetadata()
        .withNewSpec()
        .withNodeSelector(Map.of(NodeLabels.POOL, pool))
        .addNewContainer()
        .withName("app")
        .withImage("registry.k8s.io/pause:3.10")
        .withNewResources()
        .addToRequests("cpu", new Quantity(s.podCpu()))
        .addToRequests("memory", new Quantity(s.podMemory()))
        .endResources()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Pending")
        .addToConditions(
            new PodConditionBuilder()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .withMessage("0/0 nodes are available: no scheduler runs in the benchmark")
                .build())
        .endStatus()
        .build();
  }

  private static NestedVirtPool pool(String name, int max) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.instanceTypes = List.of(BenchStack.INSTANCE_TYPE);
    spec.autoscaling = new AutoscalingSpec();
    spec.autoscaling.minReplicas = 0;
    spec.autoscaling.maxReplicas = max;
    pool.setSpec(spec);
    return pool;
  }

  private static void createPool(BenchStack stack, String name, int max) {
    stack.client().resource(pool(name, max)).create();
  }

  private static void awaitFirstReconcile(OperatorProcess op) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline && op.isAlive()) {
      String m = op.scrape();
      if (m != null && Scrape.parse(m).sum(RECONCILES) > 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("demand: the operator did not reconcile within 120 s");
  }

  private String method() {
    return "The production jar as its own process (refresh "
        + s.refresh().toMillis()
        + " ms, --batch-idle "
        + s.batchIdle().toMillis()
        + "ms, --batch-max "
        + s.batchMax().toMillis()
        + "ms) against a fresh stack per shape, with two autoscaled pools of "
        + BenchStack.INSTANCE_TYPE
        + " (minReplicas 0): 'warmup', which 5 bursts of pods grow first (not counted), and"
        + " 'demand', which the measured pods select by nodeSelector. No scheduler runs: pods are"
        + " created with PodScheduled=False, Unschedulable and stay pending; Nodes register only"
        + " after an hour, so every launched node stays on its way and its room counts. Pending"
        + " time: just before the pod's create call. Pod i (arrival order = name order, which"
        + " first-fit decreasing keeps for identical pods) is served by the ceil((i+1)/k)-th"
        + " launch of the pool, k pods per node from the operator's NodeOffers; launch time: the"
        + " EC2 emulator's state listener as the instance appears. A pod that took room on a node"
        + " launched before it came counts 0 ms. Counted after the last pod: until the minimum"
        + " number of nodes launched, then batch-max + batch-idle more for any extra launch.";
  }

  private void report(List<Measured> measured, int k) {
    double target = s.batchIdle().toMillis() + 1000;
    table.accept("");
    table.accept(
        String.format(
            "6. Demand: %,d pending pods (%s CPU, %s each; %d fit an %s) over a minute; operator as"
                + " its own process (refresh %d ms, batch idle %d ms, max %d ms); no scheduler runs",
            s.pods(),
            s.podCpu(),
            s.podMemory(),
            k,
            BenchStack.INSTANCE_TYPE,
            s.refresh().toMillis(),
            s.batchIdle().toMillis(),
            s.batchMax().toMillis()));
    for (Measured m : measured) {
      table.accept(
          String.format("   %s: %s", m.figures().get("shape"), m.figures().get("arrival")));
    }
    table.accept(
        String.format(
            "   %-40s %7s %9s %9s %9s   %s", "", "pods", "p50 ms", "p99 ms", "max ms", "target"));
    for (Measured m : measured) {
      Map<String, Object> r = m.figures();
      Samples samples = m.toLaunch();
      boolean bursts = "bursts".equals(r.get("shape"));
      table.accept(
          String.format(
              "   %-40s %7d %9.1f %9.1f %9.1f   %s",
              "pending -> RunInstances, " + r.get("shape"),
              samples.count(),
              samples.percentile(50),
              samples.percentile(99),
              samples.max(),
              bursts
                  ? String.format(
                      "p99 <= batch idle + 1 s = %.0f ms %s",
                      target, samples.percentile(99) <= target ? "(met)" : "(MISSED)")
                  : String.format("none (batch max %d ms bounds it)", s.batchMax().toMillis())));
    }
    table.accept(
        String.format(
            "   %-22s %8s %8s %13s %17s %15s %11s",
            "",
            "nodes",
            "minimum",
            "RunInstances",
            "reconciles (pool)",
            "operator CPU s",
            "API writes"));
    for (Measured m : measured) {
      Map<String, Object> r = m.figures();
      table.accept(
          String.format(
              "   %-22s %8d %8d %13d %17s %15.1f %11d",
              r.get("shape"),
              r.get("nodesLaunched"),
              r.get("minimumNodes"),
              r.get("runInstancesCalls"),
              r.get("reconciles") + " (" + r.get("poolReconciles") + ")",
              r.get("operatorCpuSeconds"),
              m.writes()));
    }
    for (Measured m : measured) {
      Map<String, Object> r = m.figures();
      if (r.get("burstCreation") instanceof Map<?, ?> creation
          && r.get("burstLastPodToLastRunInstances") instanceof Map<?, ?> toLaunch) {
        table.accept(
            String.format(
                "   %s: creating one took p50 %s ms, max %s ms; its last pod to the last"
                    + " RunInstances it waits for p50 %s ms, max %s ms (batch idle %d ms of it)",
                r.get("shape"),
                creation.get("p50Ms"),
                creation.get("maxMs"),
                toLaunch.get("p50Ms"),
                toLaunch.get("maxMs"),
                s.batchIdle().toMillis()));
      }
    }
    table.accept(
        String.format(
            "   pods on room of a node launched before they came (count 0 ms): %s; not served: %s",
            measured.stream()
                .map(
                    m ->
                        m.figures().get("shape")
                            + " "
                            + m.figures().get("podsOnRoomLaunchedBeforeThem"))
                .toList(),
            measured.stream()
                .map(m -> m.figures().get("shape") + " " + m.figures().get("podsNotServed"))
                .toList()));
    table.accept(
        "   target: nodes = minimum, one RunInstances per node; API writes by kind in the JSON");
  }
}
