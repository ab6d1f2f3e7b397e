package io.nestedvirt.operator.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.metrics.Scrape;
import io.nestedvirt.operator.node.NodeConditions;
import io.nestedvirt.operator.node.bootstrap.NodeTaints;
import io.nestedvirt.sandbox.kubelet.SimulatedInstance;
import io.nestedvirt.sandbox.kubelet.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * How the operator's cost grows, measured on the project's own embedded stack (fabric8's mock API
 * server, the EC2 emulator, simulated kubelets) with instance boot, node registration and
 * verification delays at zero, so that only our cost shows. Prints a table and writes the same
 * figures as JSON. A program, not a test: it asserts nothing. Run it with {@code bin/bench}.
 *
 * <ol>
 *   <li>latency: pool created or scaled up to its RunInstances; node verified to untainted;
 *   <li>EC2 economy: requests per refresh in steady state with 1 to 1,000 pools, RunInstances
 *       requests to launch 1,000 instances;
 *   <li>scale: the operator as its own process with P pools x R nodes: start-up, convergence,
 *       reconciles per second, heap after a full GC, RSS, requests per refresh;
 *   <li>start-up: JVM start to first reconcile with P pools present, a plain JVM against one with a
 *       JDK AOT cache that the jar's own run against the stack trained;
 *   <li>one pool of 1,000: time to Ready, and the operator's API writes and EC2 calls per instance;
 *   <li>demand: 1,000 pending pods over a minute, in bursts and as a trickle, at an autoscaled
 *       pool; pending pod to RunInstances, and nodes launched against the fewest that hold them
 *       (see {@link DemandBenchmark}).
 * </ol>
 */
public final class OperatorBenchmark {
  private static final List<String> MUTATING =
      List.of("RunInstances", "TerminateInstances", "CreateTags");
  private static final String LISTINGS = "nestedvirt_instance_listing_duration_seconds_count";
  private static final String RECONCILES = "operator_sdk_reconciliations_started_total";

  /** The demand phase's pods arrive over this window. */
  private static final Duration ARRIVAL_WINDOW = Duration.ofMinutes(1);

  /** Where the operator processes' logs and the AOT cache go. */
  private static final Path WORK = Path.of("sandbox/target/bench");

  private final Options o;
  private final StringBuilder table = new StringBuilder();

  private OperatorBenchmark(Options o) {
    this.o = o;
  }

  /** Command-line options; every one has a default that gives the documented run. */
  record Options(
      Path jar,
      Path out,
      int latencyPools,
      double ratePerSecond,
      List<Integer> economyPools,
      int scalePools,
      int scaleReplicas,
      Duration refresh,
      Duration scaleRefresh,
      Duration scaleTimeout,
      long scaleMemoryMiB,
      int startupRuns,
      int demandPods,
      int demandBurst,
      Duration demandRefresh,
      Duration batchIdle,
      Duration batchMax,
      Set<String> skip) {
    static Options parse(String[] args) {
      Map<String, String> a = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("expected --option value, got " + args[i]);
        }
        a.put(args[i].substring(2), args[++i]);
      }
      return new Options(
          Path.of(a.getOrDefault("jar", "operator/target/nestedvirt-operator.jar")),
          Path.of(a.getOrDefault("out", "bench/results/latest.json")),
          Integer.parseInt(a.getOrDefault("latency-pools", "120")),
          Double.parseDouble(a.getOrDefault("rate", "8")),
          Arrays.stream(a.getOrDefault("economy-pools", "1,10,100,1000").split(","))
              .map(Integer::parseInt)
              .toList(),
          Integer.parseInt(a.getOrDefault("scale-pools", "1000")),
          Integer.parseInt(a.getOrDefault("scale-replicas", "10")),
          Duration.ofMillis(Long.parseLong(a.getOrDefault("refresh-ms", "1000"))),
          Duration.ofMillis(Long.parseLong(a.getOrDefault("scale-refresh-ms", "5000"))),
          Duration.ofSeconds(Long.parseLong(a.getOrDefault("scale-timeout-s", "600"))),
          // 0: the chart's memory limit (helm/nestedvirt-operator/values.yaml).
          Long.parseLong(a.getOrDefault("scale-memory-mib", "0")),
          Integer.parseInt(a.getOrDefault("startup-runs", "3")),
          Integer.parseInt(a.getOrDefault("demand-pods", "1000")),
          Integer.parseInt(a.getOrDefault("demand-burst", "50")),
          // The operator's default: its periodic look must not hide the batch window.
          Duration.ofMillis(Long.parseLong(a.getOrDefault("demand-refresh-ms", "30000"))),
          Duration.ofMillis(Long.parseLong(a.getOrDefault("batch-idle-ms", "1000"))),
          Duration.ofMillis(Long.parseLong(a.getOrDefault("batch-max-ms", "10000"))),
          Set.of(a.getOrDefault("skip", "").split(",")));
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    quietLogs();
    new OperatorBenchmark(o).run(args);
    // Informers and HTTP clients of closed stacks may leave non-daemon threads behind.
    System.exit(0);
  }

  private void run(String[] args) throws Exception {
    long start = System.nanoTime();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("command", ("bin/bench " + String.join(" ", args)).trim());
    json.put("startedAt", Instant.now().toString());
    json.put("gitCommit", gitCommit());
    json.put("machine", ProcStat.machine());
    json.put("loadAverageAtStart", ProcStat.loadAverage());
    line("nestedvirt-operator benchmark  %s", Instant.now());
    line(
        "machine: %s cores, %s GiB, %s; load average %s",
        ProcStat.machine().get("cores"),
        ProcStat.machine().get("memoryGiB"),
        ProcStat.machine().get("jdk"),
        ProcStat.loadAverage());
    if (!o.skip().contains("latency")) {
      json.put("latency", latency());
    }
    if (!o.skip().contains("economy")) {
      json.put("ec2Economy", economy());
    }
    if (!o.skip().contains("scale")) {
      json.put("scale", scale());
    }
    if (!o.skip().contains("startup")) {
      json.put("startup", startup());
    }
    if (!o.skip().contains("onepool")) {
      json.put("onePool", onePool());
    }
    if (!o.skip().contains("demand")) {
      json.put("demand", demand());
    }
    json.put("loadAverageAtEnd", ProcStat.loadAverage());
    double wall = (System.nanoTime() - start) / 1e9;
    json.put("wallSeconds", Samples.round(wall));
    line("");
    line("load average at end %s; benchmark took %.0f s", ProcStat.loadAverage(), wall);
    json.put("table", table.toString());
    Files.createDirectories(o.out().toAbsolutePath().getParent());
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(o.out().toFile(), json);
    Files.writeString(
        o.out().resolveSibling(o.out().getFileName().toString().replace(".json", ".txt")),
        table.toString());
    System.out.println();
    System.out.print(table);
    System.out.println("wrote " + o.out());
  }

  // ---- 1. latency ----

  private Map<String, Object> latency() throws Exception {
    progress(
        "latency: %d pools created, then each scaled 1 -> 2, at %.1f/s",
        o.latencyPools(), o.ratePerSecond());
    Map<String, Long> verifiedAt = new ConcurrentHashMap<>();
    Map<String, Long> untaintedAt = new ConcurrentHashMap<>();
    Map<String, String> poolOfInstance = new ConcurrentHashMap<>();
    Map<String, List<Long>> launches = new ConcurrentHashMap<>();
    Function<SimulatedInstance, Verdict> verdicts =
        i -> {
          verifiedAt.putIfAbsent(i.id(), System.nanoTime());
          return Verdict.expectedFor(i);
        };
    try (BenchStack stack = new BenchStack(verdicts);
        ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
      stack.ec2.onStateChange(
          i -> {
            if (i.state() == InstanceState.PENDING
                && poolOfInstance.putIfAbsent(i.id(), i.tag(Tags.POOL)) == null) {
              launches
                  .computeIfAbsent(i.tag(Tags.POOL), k -> new CopyOnWriteArrayList<>())
                  .add(System.nanoTime());
            }
          });
      SharedIndexInformer<Node> nodes =
          stack.client().nodes().inform(new UntaintWatch(untaintedAt));
      stack.startOperator(o.refresh());
      // Warm-up (JIT, connection pools), not counted.
      for (int i = 0; i < 10; i++) {
        stack.createPool("warmup-" + i, 1);
      }
      require(stack.awaitReady(10, Duration.ofSeconds(60)), "warm-up pools not Ready in 60 s");
      Samples toLaunch = new Samples();
      long interval = (long) (1e9 / o.ratePerSecond());
      int n = o.latencyPools();
      long[] changedAt = new long[n];
      arrive(writers, n, interval, changedAt, i -> stack.createPool("lat-" + i, 1));
      require(stack.awaitReady(10 + n, Duration.ofSeconds(120)), "latency pools not Ready");
      for (int i = 0; i < n; i++) {
        toLaunch.add((launches.get("lat-" + i).get(0) - changedAt[i]) / 1e6);
      }
      arrive(writers, n, interval, changedAt, i -> stack.scale("lat-" + i, 2));
      Thread.sleep(2000);
      require(stack.awaitReady(10 + n, Duration.ofSeconds(120)), "scaled pools not Ready");
      for (int i = 0; i < n; i++) {
        toLaunch.add((launches.get("lat-" + i).get(1) - changedAt[i]) / 1e6);
      }
      Samples toUntaint = new Samples();
      verifiedAt.forEach(
          (id, at) -> {
            String pool = poolOfInstance.get(id);
            if (pool != null && pool.startsWith("lat-") && untaintedAt.containsKey(id)) {
              toUntaint.add((untaintedAt.get(id) - at) / 1e6);
            }
          });
      nodes.close();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put(
          "method",
          "open loop: one change every "
              + interval / 1_000_000
              + " ms ("
              + o.ratePerSecond()
              + "/s), each on its own virtual thread; first "
              + n
              + " pools created with replicas 1, then each scaled to 2; 10 warm-up pools"
              + " first, not counted. Change time: before the client's create/edit call."
              + " RunInstances time: the emulator's state listener when the instance appears."
              + " Verified time: the simulated agent's verdict, just before its status write."
              + " Untainted time: a Node watch in the benchmark sees the condition True and no"
              + " startup taint.");
      result.put("refreshPeriodMs", o.refresh().toMillis());
      result.put("poolChangeToRunInstances", toLaunch.summary());
      result.put("nodeVerifiedToUntainted", toUntaint.summary());
      line("");
      line(
          "1. Latency (in-process operator, refresh %d ms; open loop at %.1f changes/s)",
          o.refresh().toMillis(), o.ratePerSecond());
      line("   %-40s %7s %9s %9s %9s   %s", "", "events", "p50 ms", "p99 ms", "max ms", "target");
      latencyRow("pool created/scaled up -> RunInstances", toLaunch, "p99 <= 1000 ms");
      latencyRow("node verified -> startup taint removed", toUntaint, "p99 <= 1000 ms");
      return result;
    }
  }

  private void latencyRow(String what, Samples s, String target) {
    line(
        "   %-40s %7d %9.1f %9.1f %9.1f   %s %s",
        what,
        s.count(),
        s.percentile(50),
        s.percentile(99),
        s.max(),
        target,
        s.percentile(99) <= 1000 ? "(met)" : "(MISSED)");
  }

  /** Open-loop arrivals: change i is started at start + i * interval whatever came before. */
  private static void arrive(
      ExecutorService writers, int n, long intervalNanos, long[] changedAt, IntAction change)
      throws InterruptedException {
    long start = System.nanoTime();
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long due = start + i * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(Duration.ofNanos(wait));
      }
      int k = i;
      changedAt[k] = System.nanoTime();
      done.add(writers.submit(() -> change.run(k)));
    }
    for (var f : done) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("a change failed", e.getCause());
      }
    }
  }

  @FunctionalInterface
  interface IntAction {
    void run(int i);
  }

  /** Records when each verified Node is first seen without the startup taint. */
  private record UntaintWatch(Map<String, Long> untaintedAt) implements ResourceEventHandler<Node> {
    @Override
    public void onAdd(Node node) {
      check(node);
    }

    @Override
    public void onUpdate(Node before, Node node) {
      check(node);
    }

    @Override
    public void onDelete(Node node, boolean unknownFinalState) {}

    private void check(Node node) {
      long now = System.nanoTime();
      if (node.getSpec() == null || node.getSpec().getProviderID() == null) {
        return;
      }
      boolean tainted =
          node.getSpec().getTaints() != null
              && node.getSpec().getTaints().stream()
                  .anyMatch(t -> NodeTaints.STARTUP_KEY.equals(t.getKey()));
      boolean verified =
          node.getStatus() != null
              && node.getStatus().getConditions() != null
              && node.getStatus().getConditions().stream()
                  .anyMatch(
                      c ->
                          NodeConditions.NESTED_VIRTUALIZATION_READY.equals(c.getType())
                              && "True".equals(c.getStatus()));
      if (verified && !tainted) {
        String providerId = node.getSpec().getProviderID();
        untaintedAt.putIfAbsent(providerId.substring(providerId.lastIndexOf('/') + 1), now);
      }
    }
  }

  // ---- 2. EC2 economy ----

  private Map<String, Object> economy() throws Exception {
    progress("economy: steady-state EC2 requests with %s pools", o.economyPools());
    Map<String, Object> result = new LinkedHashMap<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    int periods = 5;
    line("");
    line(
        "2. EC2 requests per refresh in steady state (in-process operator, refresh %d ms, pools of 1"
            + " instance; mean over %d refreshes)",
        o.refresh().toMillis(), periods);
    line(
        "   %6s %9s %18s %22s %21s %14s %12s",
        "pools",
        "listings",
        "DescribeInstances",
        "baseline: per pool",
        "DescribeInstanceTypes",
        "mutating",
        "other calls");
    try (BenchStack stack = new BenchStack(Verdict::expectedFor)) {
      stack.startOperator(o.refresh());
      int created = 0;
      for (int size : o.economyPools()) {
        for (; created < size; created++) {
          stack.createPool("eco-" + created, 1);
        }
        require(
            stack.awaitReady(size, Duration.ofSeconds(300)), size + " pools not Ready in 300 s");
        Thread.sleep(2 * o.refresh().toMillis());
        Map<String, Integer> before = stack.ec2.callCounts();
        double listed = Scrape.parse(stack.metrics().scrape()).sum(LISTINGS);
        Thread.sleep(periods * o.refresh().toMillis());
        Map<String, Integer> after = stack.ec2.callCounts();
        double listings = Scrape.parse(stack.metrics().scrape()).sum(LISTINGS) - listed;
        Map<String, Integer> delta = delta(before, after);
        double describe = delta.getOrDefault("DescribeInstances", 0) / listings;
        double types = delta.getOrDefault("DescribeInstanceTypes", 0) / listings;
        int mutating = MUTATING.stream().mapToInt(a -> delta.getOrDefault(a, 0)).sum();
        int other =
            delta.entrySet().stream()
                .filter(e -> !e.getKey().equals("DescribeInstances"))
                .filter(e -> !e.getKey().equals("DescribeInstanceTypes"))
                .filter(e -> !MUTATING.contains(e.getKey()))
                .mapToInt(Map.Entry::getValue)
                .sum();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("pools", size);
        row.put("listings", (int) listings);
        row.put("describeInstancesPerRefresh", Samples.round(describe));
        row.put("baselinePoolByPoolDescribeInstancesPerRefresh", size);
        row.put("describeInstanceTypesPerRefresh", Samples.round(types));
        row.put("mutatingCalls", mutating);
        row.put("otherCalls", other);
        row.put("allCallsInWindow", delta);
        rows.add(row);
        line(
            "   %6d %9d %18.2f %22s %21.2f %14d %12d",
            size,
            (int) listings,
            describe,
            size + " (" + Math.round(size / describe) + "x)",
            types,
            mutating,
            other);
      }
      result.put("steadyState", rows);
      result.put("refreshPeriodMs", o.refresh().toMillis());
      result.put("mutatingActions", MUTATING);
      // Launch economy: 1,000 instances over 10 pools.
      Map<String, Integer> before = stack.ec2.callCounts();
      for (int i = 0; i < 10; i++) {
        stack.createPool("launch-" + i, 100);
      }
      require(stack.awaitReady(created + 10, Duration.ofSeconds(300)), "launch pools not Ready");
      Map<String, Integer> delta = delta(before, stack.ec2.callCounts());
      int runs = delta.getOrDefault("RunInstances", 0);
      Map<String, Object> launch = new LinkedHashMap<>();
      launch.put("instances", 1000);
      launch.put("pools", 10);
      launch.put("runInstancesRequests", runs);
      launch.put("oneMachineOneCall", 1000);
      launch.put("createTagsRequests", delta.getOrDefault("CreateTags", 0));
      launch.put("allCalls", delta);
      result.put("launch1000", launch);
      line(
          "   launching 1,000 instances over 10 pools: %d RunInstances requests (one per machine,"
              + " each under its own client token); %d CreateTags (tags go on RunInstances)",
          runs, delta.getOrDefault("CreateTags", 0));
      line(
          "   target: one listing per refresh whatever the pool count, zero mutating calls when steady");
    }
    return result;
  }

  static Map<String, Integer> delta(Map<String, Integer> before, Map<String, Integer> after) {
    Map<String, Integer> d = new java.util.TreeMap<>();
    after.forEach(
        (k, v) -> {
          int diff = v - before.getOrDefault(k, 0);
          if (diff != 0) {
            d.put(k, diff);
          }
        });
    return d;
  }

  // ---- 3 and 4. scale and start-up ----

  private Map<String, Object> scale() throws Exception {
    int pools = o.scalePools();
    int replicas = o.scaleReplicas();
    progress("scale: %d pools x %d nodes, operator as its own process", pools, replicas);
    Map<String, Object> result = new LinkedHashMap<>();
    Map<String, Long> verdicts = new ConcurrentHashMap<>();
    Map<String, Instant> firstLaunch = new ConcurrentHashMap<>();
    try (BenchStack stack =
        new BenchStack(
            i -> {
              verdicts.putIfAbsent(i.id(), System.nanoTime());
              return Verdict.expectedFor(i);
            })) {
      stack.ec2.onStateChange(i -> firstLaunch.putIfAbsent("first", Instant.now()));
      long createStart = System.nanoTime();
      for (int i = 0; i < pools; i++) {
        stack.createPool(String.format("scale-%04d", i), replicas);
      }
      double createSeconds = (System.nanoTime() - createStart) / 1e9;
      double stackCpu0 = ProcStat.selfCpuSeconds();
      // The JVM as the chart runs it in its container: the heap follows the memory limit.
      ChartMemory chart = ChartMemory.read();
      ChartMemory memory = o.scaleMemoryMiB() > 0 ? chart.withLimit(o.scaleMemoryMiB()) : chart;
      Path gcLog = WORK.resolve("scale-gc.log");
      Files.deleteIfExists(gcLog);
      List<String> jvm = new ArrayList<>(memory.asJvmOptions());
      jvm.add("-Xlog:gc,gc+cpu:file=" + gcLog);
      OperatorProcess op =
          OperatorProcess.start(o.jar(), stack, o.scaleRefresh(), WORK, jvm, "scale-operator.log");
      try {
        Instant started = op.startedAt();
        Instant firstReconcile = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (firstReconcile == null && System.nanoTime() < deadline && op.isAlive()) {
          String m = op.scrape();
          if (m != null && Scrape.parse(m).sum(RECONCILES) > 0) {
            firstReconcile = Instant.now();
          } else {
            Thread.sleep(20);
          }
        }
        require(
            firstReconcile != null,
            "no reconcile within 120 s; see " + WORK.resolve("scale-operator.log"));
        // Convergence.
        long convergeStart = System.nanoTime();
        long scaleDeadline = convergeStart + o.scaleTimeout().toNanos();
        long nextReport = 0;
        List<Map<String, Object>> timeline = new ArrayList<>();
        int ready = 0;
        while (System.nanoTime() < scaleDeadline && op.isAlive()) {
          ready = stack.readyPools();
          if (ready == pools) {
            break;
          }
          if (System.nanoTime() >= nextReport) {
            timeline.add(sample(stack, op, verdicts, ready, started, stackCpu0));
            nextReport = System.nanoTime() + 15_000_000_000L;
          }
          Thread.sleep(250);
        }
        Instant convergedAt = Instant.now();
        boolean converged = ready == pools;
        Map<String, Integer> convergeWrites = stack.operatorWritesSinceLastCall();
        timeline.add(sample(stack, op, verdicts, ready, started, stackCpu0));
        String atConvergence = op.scrape();
        double reconciles = Scrape.parse(atConvergence).sum(RECONCILES);
        double poolReconciles =
            Scrape.parse(atConvergence).sum(RECONCILES, "kind", "NestedVirtPool");
        double convergeSeconds = Duration.between(started, convergedAt).toMillis() / 1e3;
        // Steady state.
        Thread.sleep(2 * o.scaleRefresh().toMillis());
        stack.operatorWritesSinceLastCall();
        Map<String, Integer> before = stack.ec2.callCounts();
        String m0 = op.scrape();
        double cpu0 = op.cpuSeconds();
        long t0 = System.nanoTime();
        Thread.sleep(3 * o.scaleRefresh().toMillis());
        String m1 = op.scrape();
        double steadySeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Integer> delta = delta(before, stack.ec2.callCounts());
        Map<String, Integer> steadyWrites = stack.operatorWritesSinceLastCall();
        double listings = Scrape.parse(m1).sum(LISTINGS) - Scrape.parse(m0).sum(LISTINGS);
        double steadyReconciles =
            Scrape.parse(m1).sum(RECONCILES) - Scrape.parse(m0).sum(RECONCILES);
        double steadyCpu = (op.cpuSeconds() - cpu0) / steadySeconds;
        // GC cost over the run so far (start, convergence, steady state), before the benchmark's
        // own full collections below add theirs.
        GcLog gc = GcLog.read(gcLog);
        double gcCpuShare = gc.gcCpuSeconds() / Math.max(1e-9, op.cpuSeconds());
        // Live data, as the JVM defines it: what a full collection leaves. Three samples a
        // listing apart (what a listing allocates in between is garbage by the next), median.
        List<Double> histogramSamples = new ArrayList<>();
        List<Double> liveDataSamples = new ArrayList<>();
        OperatorProcess.Histogram histogram = null;
        String mem = null;
        for (int i = 0; i < 3; i++) {
          if (i > 0) {
            Thread.sleep(o.scaleRefresh().toMillis());
          }
          histogram = op.classHistogram(12, WORK.resolve("heap-histogram.txt"));
          histogramSamples.add((double) histogram.liveBytes());
          mem = op.scrape();
          liveDataSamples.add(Scrape.parse(mem).sum("jvm_gc_live_data_size_bytes"));
        }
        double live = median(histogramSamples);
        double liveData = median(liveDataSamples);
        double heap = Scrape.parse(mem).sum("jvm_memory_used_bytes", "area", "heap");
        double heapMax = Scrape.parse(mem).sum("jvm_memory_max_bytes", "area", "heap");
        double nonHeap = Scrape.parse(mem).sum("jvm_memory_used_bytes", "area", "nonheap");
        long rss = op.rssBytes();
        boolean outOfMemory = op.logContains("OutOfMemoryError");
        Instant firstLog = op.firstLogLine();

        double startupSeconds = Duration.between(started, firstReconcile).toMillis() / 1e3;
        Instant launch = firstLaunch.get("first");
        result.put("pools", pools);
        result.put("replicasPerPool", replicas);
        result.put("converged", converged);
        result.put("poolsReady", ready);
        result.put("nodesVerified", verdicts.size());
        result.put("refreshPeriodMs", o.scaleRefresh().toMillis());
        result.put("poolCreationSeconds", Samples.round(createSeconds));
        result.put("jvmStartToFirstReconcileSeconds", startupSeconds);
        result.put(
            "jvmStartToFirstRunInstancesSeconds",
            launch == null ? null : Duration.between(started, launch).toMillis() / 1e3);
        result.put("jvmStartToAllReadySeconds", Samples.round(convergeSeconds));
        result.put("reconcilesUntilReady", (long) reconciles);
        result.put("poolReconcilesUntilReady", (long) poolReconciles);
        result.put("reconcilesPerSecondUntilReady", Samples.round(reconciles / convergeSeconds));
        result.put("memoryLimitMiB", memory.limitMiB());
        result.put("jvmOptions", memory.asJvmOptions());
        result.put("heapMaxMiB", Samples.round(heapMax / 1048576));
        result.put("outOfMemoryError", outOfMemory);
        result.put("collector", gc.collector());
        result.put("gcPauses", gc.pausesMs().size());
        result.put("gcPauseP99Ms", Samples.round(gc.pausePercentileMs(99)));
        result.put("gcPauseMaxMs", Samples.round(gc.pausePercentileMs(100)));
        result.put("gcCpuShare", Math.round(gcCpuShare * 10000) / 10000.0);
        result.put("liveDataMedianMiB", Samples.round(live / 1048576));
        result.put(
            "liveDataSamplesMiB",
            histogramSamples.stream().map(b -> Samples.round(b / 1048576)).toList());
        result.put("jvmGcLiveDataSizeMedianMiB", Samples.round(liveData / 1048576));
        result.put(
            "jvmGcLiveDataSizeSamplesMiB",
            liveDataSamples.stream().map(b -> Samples.round(b / 1048576)).toList());
        result.put("heapUsedAfterLastSampleMiB", Samples.round(heap / 1048576));
        result.put("nonHeapUsedMiB", Samples.round(nonHeap / 1048576));
        result.put("rssMiB", Samples.round(rss / 1048576.0));
        result.put("rssWithinLimit", rss / 1048576.0 <= memory.limitMiB());
        result.put("steadyWindowSeconds", Samples.round(steadySeconds));
        result.put("steadyListings", (int) listings);
        result.put("steadyCallsInWindow", delta);
        result.put("operatorApiWritesUntilReady", convergeWrites);
        result.put("operatorApiWritesSteady", steadyWrites);
        result.put("steadyReconcilesPerSecond", Samples.round(steadyReconciles / steadySeconds));
        result.put("steadyOperatorCpuCores", Math.round(steadyCpu * 1000) / 1000.0);
        result.put("heapClassHistogramTop", histogram.top());
        result.put(
            "jvmStartToFirstLogLineSeconds",
            firstLog == null ? null : Duration.between(started, firstLog).toMillis() / 1e3);
        result.put("timeline", timeline);
        line("");
        line(
            "3. Scale: %d pools x %d nodes = %d Nodes and instances; operator as its own process"
                + " (refresh %d ms)%s",
            pools,
            replicas,
            pools * replicas,
            o.scaleRefresh().toMillis(),
            pools == 1000 && replicas == 10 ? "" : "  ** NOT the full 1000 x 10 **");
        if (pools * replicas < 10_000) {
          line(
              "   (smaller than the issue's 1000 x 10: --scale-pools and --scale-replicas were set)");
        }
        line(
            "   converged: %s (%d/%d pools Ready, %d nodes verified)",
            converged ? "yes" : "NO, timed out after " + o.scaleTimeout().toSeconds() + " s",
            ready,
            pools,
            verdicts.size());
        line("   %-52s %12s   %s", "", "measured", "target / baseline");
        line("   %-52s %10.1f s", "JVM start to all pools Ready", convergeSeconds);
        line(
            "   %-52s %10.1f /s",
            "reconciles per second until Ready", reconciles / convergeSeconds);
        line(
            "   %-52s %10.2f     (pools %.0f, other %.0f)",
            "reconciles per node until Ready",
            reconciles / (pools * replicas),
            poolReconciles,
            reconciles - poolReconciles);
        line(
            "   %-52s %8.1f MiB   (samples %s)",
            "live data: class histogram after full GC, median of 3",
            live / 1048576,
            String.join(
                ", ", histogramSamples.stream().map(b -> "%.1f".formatted(b / 1048576)).toList()));
        line(
            "   %-52s %8.1f MiB   (samples %s)",
            "live data: jvm_gc_live_data_size_bytes, median of 3",
            liveData / 1048576,
            String.join(
                ", ", liveDataSamples.stream().map(b -> "%.1f".formatted(b / 1048576)).toList()));
        line(
            "   %-52s %8.1f MiB   (limit %d MiB, %s)",
            "heap limit (the chart's memory settings)",
            heapMax / 1048576,
            memory.limitMiB(),
            String.join(" ", memory.jvmOptions()));
        line(
            "   %-52s %10s",
            "OutOfMemoryError", outOfMemory ? "YES: the limit does not hold" : "none");
        line(
            "   %-52s %8.1f ms   (%s, %d pauses, max %.1f ms)",
            "GC pause p99, start to steady",
            gc.pausePercentileMs(99),
            gc.collector(),
            gc.pausesMs().size(),
            gc.pausePercentileMs(100));
        line("   %-52s %9.1f %%", "CPU spent in GC, start to steady", gcCpuShare * 100);
        line("   %-52s %8.1f MiB", "heap used after the last sample (/metrics)", heap / 1048576);
        line(
            "   %-52s %8.1f MiB   %s",
            "process RSS (VmRSS), steady",
            rss / 1048576.0,
            rss / 1048576.0 <= memory.limitMiB()
                ? "(within the " + memory.limitMiB() + " MiB limit)"
                : "(OVER the " + memory.limitMiB() + " MiB limit: a pod would be OOM-killed)");
        line("   %-52s %8.1f MiB", "non-heap used (metaspace, code cache, ...)", nonHeap / 1048576);
        line(
            "   %-52s %10.2f     1 (baseline pool by pool: %d)",
            "listings per refresh, steady",
            listings / (steadySeconds * 1000 / o.scaleRefresh().toMillis()),
            pools);
        line(
            "   %-52s %10.2f",
            "DescribeInstances requests (pages of 1000) per listing",
            delta.getOrDefault("DescribeInstances", 0) / Math.max(1, listings));
        line(
            "   %-52s %10d     0",
            "mutating EC2 calls in steady window",
            MUTATING.stream().mapToInt(a -> delta.getOrDefault(a, 0)).sum());
        line(
            "   %-52s %10d     0",
            "operator's API writes in steady window",
            steadyWrites.values().stream().mapToInt(Integer::intValue).sum());
        line(
            "   %-52s %10.2f",
            "operator's API writes per node until Ready",
            convergeWrites.values().stream().mapToInt(Integer::intValue).sum()
                / (double) (pools * replicas));
        line(
            "   %-52s %10.2f /s",
            "reconciles per second, steady", steadyReconciles / steadySeconds);
        line("   %-52s %10.3f cores", "operator CPU, steady", steadyCpu);
        line(
            "   %-52s %10.2f s   (plain JVM; section 4 compares)",
            "JVM start to first reconcile, this run", startupSeconds);
        if (launch != null) {
          line(
              "   %-52s %10.2f s",
              "JVM start to first RunInstances",
              Duration.between(started, launch).toMillis() / 1e3);
        }
        return result;
      } finally {
        op.close();
      }
    }
  }

  // ---- 5. one pool of 1,000 ----

  /**
   * One pool of 1,000 machines created at once, the operator in this process: how long until it is
   * Ready, and what the operator wrote to the API server and sent to EC2 for it, per instance.
   */
  private Map<String, Object> onePool() throws Exception {
    int replicas = 1000;
    progress("one pool: %d replicas at once, in-process operator", replicas);
    try (BenchStack stack = new BenchStack(Verdict::expectedFor)) {
      stack.startOperator(o.refresh());
      stack.createPool("warmup", 10);
      require(stack.awaitReady(1, Duration.ofSeconds(60)), "warm-up pool not Ready in 60 s");
      Thread.sleep(2 * o.refresh().toMillis());
      stack.operatorWritesSinceLastCall();
      Map<String, Integer> ec2Before = stack.ec2.callCounts();
      long start = System.nanoTime();
      stack.createPool("thousand", replicas);
      require(stack.awaitReady(2, Duration.ofSeconds(600)), "the pool of 1,000 not Ready in 600 s");
      double seconds = (System.nanoTime() - start) / 1e9;
      Map<String, Integer> writes = stack.operatorWritesSinceLastCall();
      Map<String, Integer> ec2 = delta(ec2Before, stack.ec2.callCounts());
      Thread.sleep(3 * o.refresh().toMillis());
      Map<String, Integer> steady = stack.operatorWritesSinceLastCall();
      int total = writes.values().stream().mapToInt(Integer::intValue).sum();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("replicas", replicas);
      result.put("refreshPeriodMs", o.refresh().toMillis());
      result.put("createdToReadySeconds", Samples.round(seconds));
      result.put("operatorApiWrites", writes);
      result.put("operatorApiWritesPerInstance", Samples.round(total / (double) replicas));
      result.put("ec2Calls", ec2);
      result.put("operatorApiWritesSteady", steady);
      line("");
      line(
          "5. One pool of %,d replicas created at once (in-process operator, refresh %d ms)",
          replicas, o.refresh().toMillis());
      line("   %-52s %10.1f s", "pool created to Ready (every node verified)", seconds);
      line(
          "   %-52s %10.2f     (%d in all)",
          "operator's API writes per instance", total / (double) replicas, total);
      writes.forEach((kind, n) -> line("     %-50s %10.2f", kind, n / (double) replicas));
      line(
          "   %-52s %10.2f",
          "RunInstances per instance", ec2.getOrDefault("RunInstances", 0) / (double) replicas);
      line(
          "   %-52s %10d     0",
          "operator's API writes once Ready (3 refreshes)",
          steady.values().stream().mapToInt(Integer::intValue).sum());
      return result;
    }
  }

  // ---- 6. demand ----

  /** Pending pods over a minute: {@link #ARRIVAL_WINDOW} split into bursts, or a trickle. */
  private Map<String, Object> demand() throws Exception {
    int pods = o.demandPods();
    int bursts = (pods + o.demandBurst() - 1) / o.demandBurst();
    return new DemandBenchmark(
            new DemandBenchmark.Settings(
                o.jar(),
                WORK,
                o.demandRefresh(),
                o.batchIdle(),
                o.batchMax(),
                pods,
                o.demandBurst(),
                ARRIVAL_WINDOW.dividedBy(bursts),
                ARRIVAL_WINDOW.dividedBy(pods),
                "350m",
                "512Mi"),
            l -> line("%s", l))
        .run();
  }

  // ---- 4. start-up, plain and with an AOT cache ----

  /**
   * JVM start to first reconcile with the scale run's pools present and nothing else (a fresh stack
   * each time, no Nodes yet), alternating a plain JVM and one with an AOT cache trained by the
   * jar's run against the stack; the median of {@code startupRuns} each.
   */
  private Map<String, Object> startup() throws Exception {
    int pools = o.scalePools();
    boolean aot = !o.skip().contains("aot");
    Path cache = WORK.resolve("nestedvirt-operator.aot").toAbsolutePath();
    double trainSeconds = 0;
    if (aot) {
      progress("start-up: training an AOT cache: the jar's run against the stack (%s)", cache);
      long t = System.nanoTime();
      OperatorProcess.trainAotCache(o.jar(), cache, WORK, o.refresh());
      trainSeconds = (System.nanoTime() - t) / 1e9;
    }
    Map<String, List<Double>> reconcile = new LinkedHashMap<>();
    Map<String, List<Double>> firstLog = new LinkedHashMap<>();
    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("plain", List.of());
    if (aot) {
      variants.put("aotCache", List.of("-XX:AOTCache=" + cache));
    }
    for (int run = 0; run < o.startupRuns(); run++) {
      for (var v : variants.entrySet()) {
        double[] r = startOnce(pools, v.getValue());
        progress(
            "  start-up %s run %d: first log line %.2f s, first reconcile %.2f s",
            v.getKey(), run + 1, r[1], r[0]);
        reconcile.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(r[0]);
        firstLog.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(r[1]);
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("pools", pools);
    result.put("runs", o.startupRuns());
    if (aot) {
      result.put("aotCacheTrainingSeconds", Samples.round(trainSeconds));
      result.put("aotCacheMiB", Samples.round(Files.size(cache) / 1048576.0));
    }
    result.put("jvmStartToFirstReconcileSeconds", reconcile);
    result.put("jvmStartToFirstLogLineSeconds", firstLog);
    double plain = median(reconcile.get("plain"));
    line("");
    line(
        "4. Start-up with %d pools present (fresh stack each time; median of %d runs each)",
        pools, o.startupRuns());
    line("   %-52s %12s   %s", "", "measured", "target");
    line(
        "   %-52s %10.2f s   <= 2 s %s",
        "JVM start to first reconcile, plain JVM", plain, plain <= 2 ? "(met)" : "(MISSED)");
    if (aot) {
      double withCache = median(reconcile.get("aotCache"));
      line(
          "   %-52s %10.2f s   <= 2 s %s",
          "  with an AOT cache trained against the stack",
          withCache,
          withCache <= 2 ? "(met)" : "(MISSED)");
    }
    line(
        "   %-52s %10.2f s",
        "JVM start to the operator's first log line, plain", median(firstLog.get("plain")));
    if (aot) {
      line("   %-52s %10.2f s", "  with the AOT cache", median(firstLog.get("aotCache")));
      line(
          "   (AOT cache: %.0f MiB, trained in %.0f s by `java -XX:AOTCacheOutput=FILE -jar JAR"
              + " run` against the stack until the example pools were Ready, then SIGTERM; see"
              + " README, Performance)",
          Files.size(cache) / 1048576.0, trainSeconds);
    }
    return result;
  }

  /** One operator start: {first reconcile, first log line} in seconds after JVM start. */
  private double[] startOnce(int pools, List<String> jvmOptions) throws Exception {
    try (BenchStack stack = new BenchStack(Verdict::expectedFor)) {
      for (int i = 0; i < pools; i++) {
        stack.createPool(String.format("start-%04d", i), o.scaleReplicas());
      }
      try (OperatorProcess op =
          OperatorProcess.start(o.jar(), stack, o.scaleRefresh(), WORK, jvmOptions)) {
        Instant started = op.startedAt();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && op.isAlive()) {
          String m = op.scrape();
          if (m != null && Scrape.parse(m).sum(RECONCILES) > 0) {
            Instant first = Instant.now();
            Instant log = op.firstLogLine();
            return new double[] {
              Duration.between(started, first).toMillis() / 1e3,
              log == null ? Double.NaN : Duration.between(started, log).toMillis() / 1e3
            };
          }
          Thread.sleep(20);
        }
        throw new IllegalStateException(
            "no reconcile within 120 s; see " + WORK.resolve("operator.log"));
      }
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Progress while converging: who is spending the CPU, and how long the API server takes. */
  private Map<String, Object> sample(
      BenchStack stack,
      OperatorProcess op,
      Map<String, Long> verdicts,
      int ready,
      Instant started,
      double stackCpu0) {
    long t = System.nanoTime();
    stack.client().nodes().withName("bench-probe-absent").get();
    double getMs = (System.nanoTime() - t) / 1e6;
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("seconds", Duration.between(started, Instant.now()).toMillis() / 1e3);
    s.put("poolsReady", ready);
    s.put("nodesVerified", verdicts.size());
    s.put("instances", stack.ec2.instances().size());
    s.put("operatorCpuSeconds", op.cpuSeconds());
    s.put("stackCpuSeconds", Samples.round(ProcStat.selfCpuSeconds() - stackCpu0));
    s.put("apiServerGetNodeMs", Samples.round(getMs));
    progress(
        "  %6.1fs  pools Ready %5d  nodes verified %6d  instances %6d  CPU s: operator %.1f,"
            + " stack %.1f  API GET %.1f ms",
        s.get("seconds"),
        ready,
        verdicts.size(),
        s.get("instances"),
        op.cpuSeconds(),
        ProcStat.selfCpuSeconds() - stackCpu0,
        getMs);
    return s;
  }

  // ---- helpers ----

  private void line(String format, Object... args) {
    table.append(String.format(format, args)).append('\n');
  }

  static void progress(String format, Object... args) {
    System.err.println("bench: " + String.format(format, args));
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  private static String gitCommit() {
    try {
      Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").start();
      String out = new String(git.getInputStream().readAllBytes()).trim();
      return git.waitFor() == 0 ? out : null;
    } catch (Exception e) {
      return null;
    }
  }

  /** The in-process operator and stack log every decision at INFO; keep warnings only. */
  private static void quietLogs() {
    var context =
        (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    context.getLogger("io.nestedvirt").setLevel(ch.qos.logback.classic.Level.WARN);
    context.getLogger("io.javaoperatorsdk").setLevel(ch.qos.logback.classic.Level.WARN);
    java.util.logging.Logger.getLogger("io.fabric8").setLevel(java.util.logging.Level.WARNING);
  }
}
