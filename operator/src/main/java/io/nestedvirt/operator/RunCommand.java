package io.nestedvirt.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.aws.AwsCloudProvider;
import io.nestedvirt.operator.cloud.aws.AwsSettings;
import io.nestedvirt.operator.metrics.MetricsServer;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Production mode: the Kubernetes client from kubeconfig or the in-cluster service account, AWS
 * from the SDK's default credential chain (IRSA, Pod Identity, instance profile, environment).
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run the operator against a real cluster and AWS.")
final class RunCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
  static final String LEASE_NAME = "nestedvirt-operator";

  @Option(
      names = "--cluster-name",
      required = true,
      description = "The cluster's name; instances are tagged with it and subnets found by it.")
  String clusterName;

  @Option(
      names = "--region",
      defaultValue = "${env:AWS_REGION}",
      description = "AWS region (default: $AWS_REGION).")
  String region;

  @Option(
      names = "--endpoint-url",
      description = "Override the EC2 and SSM endpoint (an emulator, or a VPC endpoint).")
  URI endpoint;

  @Option(
      names = "--kubernetes-version",
      description =
          "Kubernetes version for the default AMI (for example 1.34); default: the API"
              + " server's.")
  String kubernetesVersion;

  @Option(
      names = "--refresh-period",
      defaultValue = "30s",
      converter = Durations.class,
      description = "How often to list the cluster's instances (default ${DEFAULT-VALUE}).")
  Duration refreshPeriod;

  @Option(
      names = "--image-refresh",
      defaultValue = "1h",
      converter = Durations.class,
      description =
          "How often an image given as an SSM parameter (the default is one) is resolved again,"
              + " one GetParameter per parameter; a new AMI is used by launches after that"
              + " (default ${DEFAULT-VALUE}).")
  Duration imageRefresh;

  @Option(
      names = "--agent-interval",
      defaultValue = "5m",
      converter = Durations.class,
      description =
          "The node agents' --interval: a NestedVirtualizationReady condition not renewed for"
              + " three intervals is stale, and its node unverified (default ${DEFAULT-VALUE}).")
  Duration agentInterval;

  @Option(
      names = "--launch-grace",
      defaultValue = "5m",
      converter = Durations.class,
      description =
          "How long EC2's listing may lag a launch: a launch not listed yet counts for this long,"
              + " a leaving machine whose launch may have landed waits this long to see it, and"
              + " the garbage collector terminates an instance no machine claims after this long"
              + " (default ${DEFAULT-VALUE}; longer than --refresh-period).")
  Duration launchGrace;

  @Option(
      names = "--batch-idle",
      defaultValue = "1s",
      converter = Durations.class,
      description =
          "Decide a scale-up once no new pending pod has come for this long (default"
              + " ${DEFAULT-VALUE}).")
  Duration batchIdle;

  @Option(
      names = "--batch-max",
      defaultValue = "10s",
      converter = Durations.class,
      description =
          "Decide a scale-up at the latest this long after the first pending pod of a batch"
              + " (default ${DEFAULT-VALUE}).")
  Duration batchMax;

  @Option(
      names = "--cluster-endpoint",
      description = "The API server URL nodes join (EKS: the cluster's endpoint); bootstrap eks.")
  String clusterEndpoint;

  @Option(
      names = "--cluster-ca",
      description =
          "The cluster CA bundle, base64 (EKS: certificateAuthority.data); bootstrap eks.")
  String clusterCa;

  @Option(
      names = "--service-cidr",
      description = "The cluster's service CIDR, for example 10.100.0.0/16; bootstrap eks.")
  String serviceCidr;

  @Option(
      names = "--namespace",
      defaultValue = "${env:POD_NAMESPACE:-nestedvirt-system}",
      description =
          "The operator's namespace, the default of --leader-election-namespace (default:"
              + " ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--interruption-queue",
      description =
          "The SQS queue EventBridge sends EC2's warnings to (deploy/interruption): Spot"
              + " interruptions and stopping instances are drained at once, scheduled changes"
              + " replaced ahead. Without it, scheduled events are read with"
              + " DescribeInstanceStatus once per --refresh-period.")
  String interruptionQueue;

  @Option(
      names = "--trust-unreported-nested-virtualization",
      description =
          "Count an instance whose CpuOptions say nothing about nested virtualization as running"
              + " it. AWS always reports the setting; only for EC2-compatible endpoints that do"
              + " not.")
  boolean trustUnreportedNestedVirtualization;

  @Option(
      names = "--no-server-side-apply",
      negatable = true,
      defaultValue = "true",
      description = "Patch the pool with server-side apply (default true).")
  boolean serverSideApply;

  @Option(
      names = "--no-leader-election",
      negatable = true,
      defaultValue = "true",
      description =
          "Reconcile only while holding the Lease nestedvirt-operator, so that several replicas"
              + " can run and one works (default true).")
  boolean leaderElection;

  @Option(
      names = "--leader-election-namespace",
      description = "Namespace of the Lease (default: --namespace).")
  String leaderElectionNamespace;

  @Option(
      names = "--lease-duration",
      defaultValue = "15s",
      converter = Durations.class,
      description =
          "How long a standby waits for a silent leader before it takes the lease; a dead"
              + " leader is replaced within about this long (default: ${DEFAULT-VALUE}).")
  Duration leaseDuration;

  @Option(
      names = "--renew-deadline",
      defaultValue = "10s",
      converter = Durations.class,
      description =
          "How long the leader keeps trying to renew before it stops and exits (default:"
              + " ${DEFAULT-VALUE}).")
  Duration renewDeadline;

  @Option(
      names = "--retry-period",
      defaultValue = "2s",
      converter = Durations.class,
      description =
          "How often the leader renews and standbys try to acquire (default: ${DEFAULT-VALUE}).")
  Duration retryPeriod;

  @Option(
      names = "--metrics-port",
      defaultValue = "8080",
      description =
          "Port of /metrics (Prometheus), /healthz and /readyz; 0 picks a free one (default:"
              + " ${DEFAULT-VALUE}).")
  int metricsPort;

  @Mixin LoggingOptions logging;

  @Override
  public Integer call() throws InterruptedException {
    if (region == null || region.isBlank()) {
      System.err.println("error: no AWS region: pass --region or set AWS_REGION");
      return 2;
    }
    boolean someEks = clusterEndpoint != null || clusterCa != null || serviceCidr != null;
    if (someEks && (clusterEndpoint == null || clusterCa == null || serviceCidr == null)) {
      System.err.println(
          "error: --cluster-endpoint, --cluster-ca and --service-cidr go together (bootstrap eks)");
      return 2;
    }
    if (batchIdle.compareTo(batchMax) > 0) {
      System.err.println(
          "error: --batch-idle ("
              + Durations.format(batchIdle)
              + ") must not be longer than --batch-max ("
              + Durations.format(batchMax)
              + ")");
      return 2;
    }
    if (launchGrace.compareTo(refreshPeriod) <= 0) {
      System.err.println(
          "error: the launch grace ("
              + Durations.format(launchGrace)
              + ") must be longer than the refresh period ("
              + Durations.format(refreshPeriod)
              + "), or a launch that landed could be given up before any listing could show it");
      return 2;
    }
    if (!imageRefresh.isPositive()) {
      System.err.println(
          "error: --image-refresh must be longer than zero, was " + Durations.format(imageRefresh));
      return 2;
    }
    OperatorRuntime.LeaderElection election;
    try {
      election = leaderElection ? leaderElection() : null;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    OperatorMetrics metrics = OperatorMetrics.prometheus().withGcMetrics();
    // Serving before the operator starts: probes answer (not ready) while the informers sync.
    AtomicReference<OperatorRuntime> started = new AtomicReference<>();
    MetricsServer http =
        new MetricsServer(
            metricsPort,
            metrics::scrape,
            () -> started.get() == null ? Optional.empty() : started.get().health(),
            () ->
                started.get() == null
                    ? Optional.of("starting: informers not synced yet")
                    : started.get().readiness());
    AwsSettings aws =
        endpoint == null
            ? AwsSettings.of(clusterName, region)
            : AwsSettings.of(clusterName, region).withEndpointOverride(endpoint);
    // The AWS SDK clients and the Kubernetes client each load a few thousand classes on a cold
    // JVM; building them side by side brings the first reconcile about half a second closer.
    FutureTask<AwsCloudProvider> cloudBuild =
        new FutureTask<>(() -> AwsCloudProvider.create(aws, metrics));
    Thread.ofPlatform().name("aws-clients").daemon().start(cloudBuild);
    KubernetesClient client = new KubernetesClientBuilder().build();
    AwsCloudProvider cloud = built(cloudBuild);
    OperatorSettings settings = settings();
    OperatorRuntime runtime;
    try {
      runtime =
          OperatorRuntime.start(
              client,
              cloud,
              settings,
              () -> kubernetesVersion != null ? kubernetesVersion : KubernetesVersions.of(client),
              Clock.systemUTC(),
              serverSideApply,
              Optional.ofNullable(election),
              metrics);
    } catch (RuntimeException e) {
      // The informers and the first instance listing are part of the start: without them a
      // reconcile could not tell which instances exist and might launch again. So the operator
      // does not start without them, and says why in one line, not a stack of wrapped
      // exceptions; the pod restarts with back-off until the cause is fixed.
      String problem = startProblem(e, client);
      if (problem == null) {
        throw e;
      }
      System.err.println("error: " + problem);
      http.close();
      cloud.close();
      client.close();
      return 1;
    }
    started.set(runtime);
    log.info(
        "nestedvirt-operator running for cluster {} in {}; /metrics, /healthz, /readyz on port {}",
        clusterName,
        region,
        http.port());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  runtime.close();
                  http.close();
                  cloud.close();
                  client.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  /** What the flags say about the controllers' behaviour. */
  OperatorSettings settings() {
    OperatorSettings settings =
        OperatorSettings.defaults(clusterName)
            .withRefreshPeriod(refreshPeriod)
            .withLaunchGrace(launchGrace)
            .withTrustUnreportedNestedVirtualization(trustUnreportedNestedVirtualization)
            .withInterruptionQueue(interruptionQueue)
            .withAgentInterval(agentInterval)
            .withBatching(new OperatorSettings.Batching(batchIdle, batchMax))
            .withImageRefresh(imageRefresh);
    if (clusterEndpoint != null) {
      settings =
          settings.withCluster(
              new ClusterInfo(clusterName, clusterEndpoint, clusterCa, serviceCidr));
    }
    return settings;
  }

  private static <T> T built(FutureTask<T> task) throws InterruptedException {
    try {
      return task.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * One line for a start that failed on EC2 or on the API server, with what to check; null for
   * anything else (a bug: its stack trace is the useful part).
   */
  private String startProblem(RuntimeException e, KubernetesClient client) {
    CloudException cloud = Causes.find(e, CloudException.class);
    if (cloud != null) {
      return "cannot list the cluster's EC2 instances in "
          + region
          + ": "
          + cloud.getMessage()
          + "\n  Check the operator's AWS credentials (IRSA or EKS Pod Identity), that the policy"
          + " in deploy/iam-policy.json is attached to its role, and --region"
          + (endpoint == null ? "" : " and --endpoint-url")
          + ".";
    }
    KubernetesClientException kube = Causes.find(e, KubernetesClientException.class);
    java.io.IOException io = Causes.find(e, java.io.IOException.class);
    if (kube != null || io != null) {
      return "cannot watch NestedVirtPools and Nodes on the Kubernetes API server at "
          + client.getMasterUrl()
          + ": "
          + (kube != null ? kube.getMessage() : io.toString())
          + "\n  Check the kubeconfig (in a pod: its ServiceAccount and the chart's RBAC) and that"
          + " the CRD is installed (kubectl apply -f crds/).";
    }
    return null;
  }

  /** Identity: the pod's name (a Deployment's pods get it as their hostname), else a random id. */
  private OperatorRuntime.LeaderElection leaderElection() {
    String hostname = System.getenv("HOSTNAME");
    String identity =
        hostname != null && !hostname.isBlank() ? hostname : UUID.randomUUID().toString();
    String ns = leaderElectionNamespace != null ? leaderElectionNamespace : namespace;
    var election =
        new OperatorRuntime.LeaderElection(
            LEASE_NAME, ns, identity, leaseDuration, renewDeadline, retryPeriod);
    log.info(
        "leader election: {} competes for the lease {}/{} (lease {}, renew deadline {}, retry {})",
        identity,
        ns,
        LEASE_NAME,
        Durations.format(leaseDuration),
        Durations.format(renewDeadline),
        Durations.format(retryPeriod));
    return election;
  }
}
