package io.nestedvirt.operator.bench;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nestedvirt.operator.OperatorRuntime;
import io.nestedvirt.operator.OperatorSettings;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.aws.AwsCloudProvider;
import io.nestedvirt.operator.cloud.aws.AwsSettings;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.kubelet.KubeletSimulator;
import io.nestedvirt.sandbox.kubelet.SimulatedInstance;
import io.nestedvirt.sandbox.kubelet.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The project's embedded stack with every artificial delay at zero: fabric8's mock API server, the
 * EC2 emulator (instances run at once) and simulated kubelets that register and report {@code
 * NestedVirtualizationReady=True} at once. What remains is the cost of the operator and of the
 * stack itself. The operator runs in this process ({@link #startOperator}) or as its own process
 * ({@link OperatorProcess}).
 */
final class BenchStack implements AutoCloseable {
  static final String CLUSTER = "bench";
  static final String REGION = "us-east-1";
  static final String INSTANCE_TYPE = "m8i.large";

  final EmbeddedApiServer api;
  final Ec2Emulator ec2;
  final KubeletSimulator kubelets;
  private final SharedIndexInformer<NestedVirtPool> pools;
  private OperatorMetrics metrics;
  private AwsCloudProvider cloud;
  private OperatorRuntime operator;

  BenchStack(Function<SimulatedInstance, Verdict> verdicts) {
    this(verdicts, Duration.ZERO);
  }

  /**
   * As above, with running instances registering their Nodes only after {@code registrationDelay}:
   * longer than a phase, it keeps every node launched in it on its way (Joining).
   */
  BenchStack(Function<SimulatedInstance, Verdict> verdicts, Duration registrationDelay) {
    api = EmbeddedApiServer.start();
    ec2 =
        Ec2Emulator.builder()
            .bootDelay(Duration.ZERO)
            .shutdownDelay(Duration.ZERO)
            // Pending becomes running on the next tick; keep that far below what we measure.
            .tickInterval(Duration.ofMillis(20))
            .seed(9)
            .start();
    ec2.seedCluster(CLUSTER);
    kubelets =
        new KubeletSimulator(
                api.client(),
                KubeletSimulator.Settings.defaults()
                    .withRegistrationDelay(registrationDelay)
                    .withVerificationDelay(Duration.ZERO)
                    // What is measured ends at verification; the add-ons' two writes per node
                    // would only queue on the simulator's one thread and slow other nodes.
                    .withAddOns(false))
            .attach(ec2);
    kubelets.verdictPolicy(verdicts);
    pools = client().resources(NestedVirtPool.class).inform();
  }

  KubernetesClient client() {
    return api.client();
  }

  /** The operator in this process, as the sandbox runs it. */
  void startOperator(Duration refreshPeriod) {
    metrics = OperatorMetrics.prometheus();
    cloud =
        AwsCloudProvider.create(
            AwsSettings.of(CLUSTER, REGION)
                .withEndpointOverride(ec2.endpoint())
                .withStaticCredentials("bench", "bench"),
            metrics);
    operator =
        OperatorRuntime.start(
            client(),
            cloud,
            OperatorSettings.defaults(CLUSTER)
                .withRefreshPeriod(refreshPeriod)
                .withCluster(cluster()),
            () -> "1.34",
            Clock.systemUTC(),
            false,
            metrics);
  }

  OperatorMetrics metrics() {
    return metrics;
  }

  static ClusterInfo cluster() {
    return new ClusterInfo(
        CLUSTER, "https://bench.cluster.local", caPlaceholder(), "10.100.0.0/16");
  }

  static String caPlaceholder() {
    return Base64.getEncoder()
        .encodeToString(
            "-----BEGIN CERTIFICATE-----\nbench\n-----END CERTIFICATE-----\n"
                .getBytes(StandardCharsets.UTF_8));
  }

  static NestedVirtPool pool(String name, int replicas) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = replicas;
    spec.instanceTypes = List.of(INSTANCE_TYPE);
    pool.setSpec(spec);
    return pool;
  }

  void createPool(String name, int replicas) {
    client().resource(pool(name, replicas)).create();
  }

  void scale(String name, int replicas) {
    client()
        .resources(NestedVirtPool.class)
        .withName(name)
        .edit(
            p -> {
              p.getSpec().replicas = replicas;
              return p;
            });
  }

  /** Pools that are Ready for their current generation with every replica verified. */
  int readyPools() {
    int ready = 0;
    for (NestedVirtPool p : pools.getStore().list()) {
      if (isReady(p)) {
        ready++;
      }
    }
    return ready;
  }

  int poolCount() {
    return pools.getStore().list().size();
  }

  static boolean isReady(NestedVirtPool p) {
    return p.getStatus() != null
        && p.getMetadata().getGeneration().equals(p.getStatus().observedGeneration)
        && java.util.Objects.equals(p.getStatus().readyReplicas, p.getSpec().replicas)
        && p.getStatus().conditions.stream()
            .anyMatch(c -> "Ready".equals(c.type) && "True".equals(c.status));
  }

  /** Waits until {@code count} pools are Ready; false on timeout. */
  boolean awaitReady(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (readyPools() < count) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  /**
   * The operator's writes to the API server since the last call, by kind, read from the embedded
   * server's request log (which also drains it). The simulated kubelets' own writes (Node creation,
   * Node status) are left out: what is counted is what the operator costs.
   */
  Map<String, Integer> operatorWritesSinceLastCall() {
    Map<String, Integer> writes = new java.util.TreeMap<>();
    for (String request : api.takeRequests()) {
      String kind = operatorWrite(request);
      if (kind != null) {
        writes.merge(kind, 1, Integer::sum);
      }
    }
    return writes;
  }

  /** "METHOD path" as an operator write, e.g. "create NestedVirtInstance"; null if not one. */
  static String operatorWrite(String request) {
    int space = request.indexOf(' ');
    String method = request.substring(0, space);
    String path = request.substring(space + 1).split("\\?")[0];
    if (method.equals("GET")) {
      return null;
    }
    String verb =
        switch (method) {
          case "POST" -> "create";
          case "DELETE" -> "delete";
          default -> "update";
        };
    if (path.startsWith("/apis/nestedvirt.io/")) {
      if (verb.equals("create") && path.endsWith("/nestedvirtpools")) {
        return null; // the benchmark's own pools: the operator never creates one
      }
      String kind = path.contains("/nestedvirtinstances") ? "NestedVirtInstance" : "NestedVirtPool";
      return verb + " " + kind + (path.endsWith("/status") ? " status" : "");
    }
    if (path.startsWith("/api/v1/namespaces/default/events")) {
      return verb + " Event";
    }
    if (path.startsWith("/api/v1/nodes/") && !path.endsWith("/status") && !verb.equals("delete")) {
      return verb + " Node";
    }
    return null;
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
    }
    if (cloud != null) {
      cloud.close();
    }
    pools.close();
    kubelets.close();
    ec2.close();
    api.close();
  }
}
