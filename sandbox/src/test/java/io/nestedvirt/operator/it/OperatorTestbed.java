package io.nestedvirt.operator.it;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.OperatorRuntime;
import io.nestedvirt.operator.OperatorSettings;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.cloud.aws.AwsCloudProvider;
import io.nestedvirt.operator.cloud.aws.AwsSettings;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import io.nestedvirt.sandbox.kubelet.KubeletSimulator;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The operator's real controllers in-process against the embedded API server and the EC2 emulator,
 * reached through the real AWS SDK. Tests may wrap the cloud provider (to count calls or to imitate
 * EC2's eventual consistency) and restart the operator.
 */
final class OperatorTestbed implements AutoCloseable {
  static final String CLUSTER = "testbed";
  static final Duration REFRESH = Duration.ofMillis(300);

  /** Shared by the emulator, the simulated kubelets and the operator. */
  final TestClock clock = new TestClock();

  final EmbeddedApiServer api = EmbeddedApiServer.start();
  final Ec2Emulator ec2 =
      Ec2Emulator.builder()
          .bootDelay(Duration.ZERO)
          .clock(clock)
          .tickInterval(Duration.ofMillis(50))
          .start();

  /** Plays the kubelet (and, until the node agent exists, its KVM verdict) of each instance. */
  final KubeletSimulator kubelets =
      new KubeletSimulator(
              api.client(),
              KubeletSimulator.Settings.defaults()
                  .withRegistrationDelay(Duration.ofMillis(100))
                  .withVerificationDelay(Duration.ofMillis(100))
                  .withClock(clock))
          .attach(ec2);

  final Ec2Emulator.SeededCluster network = ec2.seedCluster(CLUSTER);

  /** The operator's meters; the AWS provider reports its requests here, as in production. */
  final OperatorMetrics metrics = OperatorMetrics.prometheus();

  final AwsCloudProvider aws =
      AwsCloudProvider.create(
          AwsSettings.of(CLUSTER, "us-east-1")
              .withEndpointOverride(ec2.endpoint())
              .withStaticCredentials("test", "test"),
          metrics);

  /** A plain SDK client, for asserting what EC2 holds without going through our code. */
  final Ec2Client sdk =
      Ec2Client.builder()
          .endpointOverride(URI.create(ec2.endpoint().toString()))
          .region(Region.US_EAST_1)
          .credentialsProvider(
              StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
          .httpClientBuilder(Apache5HttpClient.builder())
          .build();

  private OperatorRuntime operator;

  /** Watches the tests opened through the bed, closed with it. */
  private final List<io.fabric8.kubernetes.client.Watch> watches =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  KubernetesClient client() {
    return api.client();
  }

  OperatorTestbed startOperator() {
    return startOperator(Function.identity());
  }

  /** Starts the operator with the AWS provider, optionally wrapped. */
  OperatorTestbed startOperator(Function<CloudProvider, CloudProvider> wrap) {
    return startOperator(wrap, REFRESH);
  }

  /** Starts the operator listing the cluster's instances every {@code refresh}. */
  OperatorTestbed startOperator(Function<CloudProvider, CloudProvider> wrap, Duration refresh) {
    return startOperator(wrap, settings -> settings.withRefreshPeriod(refresh));
  }

  /** Starts the operator with settings of the test's own (a shorter image refresh, say). */
  OperatorTestbed startOperator(
      Function<CloudProvider, CloudProvider> wrap,
      java.util.function.UnaryOperator<OperatorSettings> edit) {
    operator =
        OperatorRuntime.start(
            client(),
            wrap.apply(aws),
            edit.apply(OperatorSettings.defaults(CLUSTER).withRefreshPeriod(REFRESH))
                .withCluster(
                    new ClusterInfo(
                        CLUSTER,
                        "https://127.0.0.1:6443",
                        java.util.Base64.getEncoder().encodeToString("test CA".getBytes()),
                        "10.100.0.0/16")),
            () -> "1.34",
            clock,
            false,
            metrics);
    return this;
  }

  void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  NestedVirtPool createPool(String name, int replicas, String... types) {
    return createPool(name, replicas, spec -> {}, types);
  }

  NestedVirtPool createPool(
      String name,
      int replicas,
      java.util.function.Consumer<NestedVirtPoolSpec> edit,
      String... types) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = replicas;
    spec.instanceTypes = List.of(types);
    edit.accept(spec);
    pool.setSpec(spec);
    return client().resource(pool).create();
  }

  NestedVirtPool pool(String name) {
    return client().resources(NestedVirtPool.class).withName(name).get();
  }

  /**
   * Sets replicas with a merge patch, as {@code kubectl scale} would, not a read-modify-write that
   * a status write of the operator in between turns into a 409.
   */
  void scale(String name, int replicas) {
    client()
        .resources(NestedVirtPool.class)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"replicas\":" + replicas + "}}");
  }

  Optional<Condition> condition(String pool, String type) {
    NestedVirtPool p = pool(pool);
    if (p == null || p.getStatus() == null) {
      return Optional.empty();
    }
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.type)).findFirst();
  }

  /** Waits until the pool is Ready for its current generation with {@code replicas} instances. */
  NestedVirtPool awaitReady(String name, int replicas) {
    awaitPool(
        name,
        p ->
            p.getStatus() != null
                && p.getMetadata().getGeneration().equals(p.getStatus().observedGeneration)
                && p.getStatus().readyReplicas == replicas
                && p.getStatus().conditions.stream()
                    .anyMatch(c -> c.type.equals("Ready") && c.status.equals("True")));
    await().atMost(Duration.ofSeconds(30)).until(() -> liveInstances(name).size() == replicas);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> machines(name).size() == replicas && readyInstances(name).size() == replicas);
    return pool(name);
  }

  void awaitPool(String name, Predicate<NestedVirtPool> done) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              NestedVirtPool p = pool(name);
              return p != null && p.getStatus() != null && done.test(p);
            });
  }

  /** The pool's instances that EC2 has not begun to terminate. */
  List<EmulatedInstance> liveInstances(String pool) {
    return ec2.instances().stream()
        .filter(i -> pool.equals(i.tags().get(Tags.POOL)))
        .filter(i -> i.state() == InstanceState.PENDING || i.state() == InstanceState.RUNNING)
        .toList();
  }

  /**
   * An instance tagged for this cluster and a pool as the operator tags them, launched behind the
   * operator's back (as a leak, or as an earlier operator version launched it).
   */
  io.nestedvirt.operator.cloud.Instance launchTagged(
      String pool, String poolUid, String clientToken, int subnet) {
    return aws.launch(
            new io.nestedvirt.operator.cloud.LaunchRequest(
                clientToken,
                1,
                "m8i.large",
                network.subnetIds().get(subnet),
                network.imageId(),
                List.of(network.securityGroupId()),
                null,
                new io.nestedvirt.operator.cloud.LaunchRequest.RootVolume(50, "gp3", true, null),
                new io.nestedvirt.operator.cloud.LaunchRequest.MetadataOptions(true, 1, true),
                null,
                null,
                io.nestedvirt.operator.cloud.CapacityType.ON_DEMAND,
                null,
                java.util.Map.of(Tags.CLUSTER, CLUSTER, Tags.POOL, pool, Tags.POOL_UID, poolUid)))
        .get(0);
  }

  /** The Events recorded on the pool itself. */
  List<Event> events(String pool) {
    return client().v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> pool.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** The Events recorded on the pool and on its machines (named after it), gone ones included. */
  List<Event> eventsWithMachines(String pool) {
    return client().v1().events().inNamespace("default").list().getItems().stream()
        .filter(
            e ->
                pool.equals(e.getInvolvedObject().getName())
                    || "NestedVirtInstance".equals(e.getInvolvedObject().getKind())
                        && e.getInvolvedObject().getName().startsWith(pool + "-"))
        .toList();
  }

  /** The pool's machines (NestedVirtInstances), as the API server holds them. */
  List<NestedVirtInstance> machines(String pool) {
    return client()
        .resources(NestedVirtInstance.class)
        .withLabel(NestedVirtPool.POOL_LABEL, pool)
        .list()
        .getItems();
  }

  /** One machine by name, or null when it is gone. */
  NestedVirtInstance machine(String name) {
    return client().resources(NestedVirtInstance.class).withName(name).get();
  }

  /** The pool's machines in a phase. */
  List<NestedVirtInstance> machines(String pool, String phase) {
    return machines(pool).stream()
        .filter(m -> m.getStatus() != null && phase.equals(m.getStatus().phase))
        .toList();
  }

  /** The instance ids of the pool's Ready machines. */
  java.util.Set<String> readyInstances(String pool) {
    return machines(pool, "Ready").stream()
        .map(m -> m.getStatus().instanceId)
        .collect(java.util.stream.Collectors.toSet());
  }

  /**
   * A pod of namespace "apps" labelled {@code app}, already bound to {@code node} and Running, as
   * the scheduler and a kubelet would leave it (no scheduler or kubelet runs pods here).
   */
  static io.fabric8.kubernetes.api.model.Pod runningPod(String name, String node, String app) {
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata()
        .withNamespace("apps")
        .withName(name)
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("app")
        .withImage("registry.k8s.io/pause:3.10")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .endStatus()
        .build();
  }

  /**
   * Every status the pool shows from now on (it may not exist yet), as a watch delivers each write:
   * for asserting what held at every step, not only at the end.
   */
  List<io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus> statusHistory(String pool) {
    List<io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus> seen =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    watches.add(
        client()
            .resources(NestedVirtPool.class)
            .withName(pool)
            .watch(
                new io.fabric8.kubernetes.client.Watcher<>() {
                  @Override
                  public void eventReceived(Action action, NestedVirtPool p) {
                    if (p.getStatus() != null) {
                      seen.add(p.getStatus());
                    }
                  }

                  @Override
                  public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
                }));
    return seen;
  }

  @Override
  public void close() {
    watches.forEach(io.fabric8.kubernetes.client.Watch::close);
    stopOperator();
    kubelets.close();
    sdk.close();
    aws.close();
    ec2.close();
    api.close();
  }
}
