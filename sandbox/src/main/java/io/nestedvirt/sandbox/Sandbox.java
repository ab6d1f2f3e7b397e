package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.OperatorRuntime;
import io.nestedvirt.operator.OperatorSettings;
import io.nestedvirt.operator.agent.KvmVerdict;
import io.nestedvirt.operator.agent.ProbeVerdicts;
import io.nestedvirt.operator.agent.kvm.KvmProbe;
import io.nestedvirt.operator.agent.kvm.ProbeResult;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.aws.AwsCloudProvider;
import io.nestedvirt.operator.cloud.aws.AwsSettings;
import io.nestedvirt.operator.metrics.MetricsServer;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import io.nestedvirt.sandbox.kubelet.KubeletSimulator;
import io.nestedvirt.sandbox.scheduler.PodBinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole operator in one process: an embedded API server, the EC2 emulator seeded with an
 * EKS-like network, simulated kubelets, a stand-in scheduler ({@link PodBinder}), and the
 * operator's real controllers talking to the emulator through the real AWS SDK. Nothing is mocked
 * inside the operator.
 *
 * <p>Or the stack alone ({@link #startStack}): everything but the operator, for an operator that
 * runs as its own process, such as the production jar ({@link #operatorArguments}).
 */
public final class Sandbox implements AutoCloseable {
  public static final String REGION = "us-east-1";
  public static final String KUBERNETES_VERSION = EmbeddedApiServer.KUBERNETES_VERSION;

  /** The EC2 emulator takes any credentials; these are the ones the sandbox's operator uses. */
  public static final String ACCESS_KEY = "sandbox";

  public static final String SECRET_KEY = "sandbox";

  /** Sandbox knobs; the defaults make a pool converge in seconds. */
  public record Options(String clusterName, Duration refreshPeriod, Duration bootDelay) {
    public static Options defaults() {
      return new Options("sandbox", Duration.ofSeconds(1), Duration.ofSeconds(2));
    }
  }

  private final Options options;
  private final EmbeddedApiServer api;
  private final Ec2Emulator ec2;
  private final KubeletSimulator kubelets;
  private final SandboxAgents agents;
  private final PodBinder scheduler;
  private final InterruptionTrigger interruptions;
  // Null for the stack alone.
  private final AwsCloudProvider cloud;
  private final OperatorRuntime operator;
  private final OperatorMetrics metrics;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Sandbox(
      Options options,
      EmbeddedApiServer api,
      Ec2Emulator ec2,
      KubeletSimulator kubelets,
      SandboxAgents agents,
      PodBinder scheduler,
      InterruptionTrigger interruptions,
      AwsCloudProvider cloud,
      OperatorRuntime operator,
      OperatorMetrics metrics) {
    this.options = options;
    this.api = api;
    this.ec2 = ec2;
    this.kubelets = kubelets;
    this.agents = agents;
    this.scheduler = scheduler;
    this.interruptions = interruptions;
    this.cloud = cloud;
    this.operator = operator;
    this.metrics = metrics;
  }

  /**
   * How often the sandbox's node agents probe and renew their verdict; the operator is told the
   * same, so a verdict not renewed for three intervals is stale, as in a cluster.
   */
  static final Duration AGENT_INTERVAL = Duration.ofSeconds(10);

  /** The stack and the operator in this process. */
  public static Sandbox start(Options options) {
    Sandbox stack = startStack(options);
    OperatorMetrics metrics = OperatorMetrics.prometheus();
    AwsCloudProvider cloud =
        AwsCloudProvider.create(
            AwsSettings.of(options.clusterName(), REGION)
                .withEndpointOverride(stack.ec2.endpoint())
                .withStaticCredentials(ACCESS_KEY, SECRET_KEY),
            metrics);
    OperatorRuntime operator =
        OperatorRuntime.start(
            stack.api.client(),
            cloud,
            OperatorSettings.defaults(options.clusterName())
                .withRefreshPeriod(options.refreshPeriod())
                .withAgentInterval(AGENT_INTERVAL)
                .withInterruptionQueue(Ec2Emulator.INTERRUPTION_QUEUE)
                .withCluster(cluster(options.clusterName())),
            () -> KUBERNETES_VERSION,
            Clock.systemUTC(),
            false, // the embedded API server has no server-side apply
            metrics);
    return new Sandbox(
        options,
        stack.api,
        stack.ec2,
        stack.kubelets,
        stack.agents,
        stack.scheduler,
        stack.interruptions,
        cloud,
        operator,
        metrics);
  }

  /**
   * The stack without an operator: the API server, the EC2 emulator, the simulated kubelets and the
   * node agents. An operator started with {@link #operatorArguments} makes the pools Ready.
   */
  public static Sandbox startStack(Options options) {
    EmbeddedApiServer api = EmbeddedApiServer.start();
    Ec2Emulator ec2 = Ec2Emulator.builder().bootDelay(options.bootDelay()).start();
    ec2.seedCluster(options.clusterName());
    // Plays each instance's kubelet; the verdict comes from the node agents below, not from it.
    KubeletSimulator kubelets = new KubeletSimulator(api.client()).attach(ec2);
    kubelets.verdictPolicy(instance -> null);
    SandboxAgents agents =
        new SandboxAgents(
            api.client(), ec2, Sandbox::probe, AGENT_INTERVAL, kubelets::nodeVerified);
    // Places pending pods as kube-scheduler would, or marks them Unschedulable: the demand the
    // operator sees.
    PodBinder scheduler = new PodBinder(api.client()).start();
    // kubectl annotate nvi NAME sandbox.nestedvirt.io/interrupt=...: EC2's warnings on demand.
    InterruptionTrigger interruptions = new InterruptionTrigger(api.client(), ec2);
    return new Sandbox(
        options, api, ec2, kubelets, agents, scheduler, interruptions, null, null, null);
  }

  /**
   * The arguments of the production jar that run it against this stack as the sandbox runs its own
   * operator: the emulator as EC2, the cluster that bootstraps pools in eks mode, no leader
   * election and no server-side apply (the embedded API server has none), /metrics on a free port.
   * The process also needs {@code KUBECONFIG} for this API server and the emulator's credentials
   * ({@link #operatorEnvironment}).
   */
  public List<String> operatorArguments() {
    ClusterInfo cluster = cluster(options.clusterName());
    return List.of(
        "run",
        "--cluster-name",
        options.clusterName(),
        "--region",
        REGION,
        "--endpoint-url",
        ec2.endpoint().toString(),
        "--cluster-endpoint",
        cluster.apiServerEndpoint(),
        "--cluster-ca",
        cluster.certificateAuthorityBase64(),
        "--service-cidr",
        cluster.serviceCidr(),
        "--refresh-period",
        Durations.format(options.refreshPeriod()),
        "--agent-interval",
        Durations.format(AGENT_INTERVAL),
        "--interruption-queue",
        Ec2Emulator.INTERRUPTION_QUEUE,
        "--no-leader-election",
        "--no-server-side-apply",
        "--metrics-port",
        "0");
  }

  /** The environment of that process, given the kubeconfig written for this API server. */
  public static Map<String, String> operatorEnvironment(Path kubeconfig) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    return env;
  }

  /** Whether the operator runs in this process (false for {@link #startStack}). */
  public boolean runsOperator() {
    return operator != null;
  }

  /**
   * What EKS would report for the cluster, so pools bootstrap in eks mode. The simulated kubelets
   * read the rendered NodeConfig but never connect, so the endpoint and CA are placeholders.
   */
  static ClusterInfo cluster(String name) {
    String ca =
        java.util.Base64.getEncoder()
            .encodeToString(
                "-----BEGIN CERTIFICATE-----\nsandbox\n-----END CERTIFICATE-----\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return new ClusterInfo(name, "https://" + name + ".cluster.local", ca, "10.100.0.0/16");
  }

  /**
   * What a node agent on this emulated instance reports: the real KVM probe on this host's
   * /dev/kvm, since the sandbox's "instances" run here; /dev/kvm absent for an instance launched
   * without nested virtualization (as on EC2); a plainly simulated verdict where this host has no
   * KVM at all.
   */
  static KvmVerdict probe(EmulatedInstance instance) {
    if (!instance.cpuOptions().nestedVirtualization()) {
      return new KvmVerdict(
          false,
          ProbeResult.Failure.DEVICE_MISSING.reason(),
          "/dev/kvm does not exist: the instance runs without nested virtualization (sandbox:"
              + " emulated instance launched without it)");
    }
    if (!Files.exists(KvmProbe.DEFAULT_DEVICE)) {
      return new KvmVerdict(
          true,
          "Simulated",
          "simulated: this host has no /dev/kvm, so no KVM probe ran for this sandbox node");
    }
    return ProbeVerdicts.of(KvmProbe.run(KvmProbe.DEFAULT_DEVICE));
  }

  public KubernetesClient client() {
    return api.client();
  }

  /**
   * Where the sandbox says what EC2 does when a machine is annotated {@code
   * sandbox.nestedvirt.io/interrupt} (one line per warning; default: standard output).
   */
  public void onNotice(java.util.function.Consumer<String> sink) {
    interruptions.sayTo(sink);
  }

  public Ec2Emulator ec2() {
    return ec2;
  }

  /** The operator's meters, as its {@code /metrics} would serve them. */
  public OperatorMetrics metrics() {
    requireOperator();
    return metrics;
  }

  /** The operator's /metrics, /healthz and /readyz on {@code port} (0: any free port). */
  public MetricsServer serveMetrics(int port) {
    requireOperator();
    return new MetricsServer(port, metrics::scrape, operator::health, operator::readiness);
  }

  private void requireOperator() {
    if (operator == null) {
      throw new IllegalStateException("no operator runs in this sandbox (the stack alone)");
    }
  }

  public void apply(List<NestedVirtPool> pools) {
    for (NestedVirtPool pool : pools) {
      client().resource(pool).createOr(existing -> existing.update());
    }
  }

  public List<NestedVirtPool> pools() {
    return client().resources(NestedVirtPool.class).list().getItems();
  }

  /** Every pod, in every namespace. */
  public List<Pod> pods() {
    return client().pods().inAnyNamespace().list().getItems();
  }

  /** Every pool's machines, as the operator created them. */
  public List<NestedVirtInstance> machines() {
    return client().resources(NestedVirtInstance.class).list().getItems();
  }

  /** The Events the operator recorded (it writes them to "default", as for any cluster object). */
  public List<Event> events() {
    return client().v1().events().inNamespace("default").list().getItems();
  }

  /**
   * Stops the operator first (or it would relaunch what is terminated), terminates every instance
   * still running in the emulator, then closes the rest; returns how many instances it terminated.
   */
  public int shutDown() {
    if (closed.getAndSet(true)) {
      return 0;
    }
    if (operator != null) {
      operator.close();
    }
    // The simulated kubelets and agents go first too: they would chase the terminations by
    // deleting Nodes while the API server is closing.
    interruptions.close();
    scheduler.close();
    agents.close();
    kubelets.close();
    int terminated = ec2.terminateAll();
    if (cloud != null) {
      cloud.close();
    }
    ec2.close();
    api.close();
    return terminated;
  }

  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    if (operator != null) {
      operator.close();
    }
    closeAllButOperator();
  }

  private void closeAllButOperator() {
    interruptions.close();
    scheduler.close();
    agents.close();
    kubelets.close();
    if (cloud != null) {
      cloud.close();
    }
    ec2.close();
    api.close();
  }
}
