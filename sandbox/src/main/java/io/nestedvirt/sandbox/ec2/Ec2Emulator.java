package io.nestedvirt.sandbox.ec2;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An in-process EC2 (with SSM parameters and SQS queues) endpoint for tests and the sandbox, spoken
 * to with the real AWS SDK through {@code endpointOverride(emulator.endpoint())}, region us-east-1
 * and any static credentials (signatures are not checked).
 *
 * <p>It warns as EC2 does: Spot interruptions, rebalance recommendations, scheduled retirements and
 * state changes reach the SQS queue {@link #INTERRUPTION_QUEUE} as EventBridge events, and
 * scheduled events also show in DescribeInstanceStatus.
 *
 * <p>Instance states follow the clock: pending for {@code bootDelay}, then running; after
 * TerminateInstances, shutting-down for {@code shutdownDelay}, then terminated, visible for {@code
 * terminatedRetention}, then gone. States are evaluated on every request; with the system clock a
 * ticker also evaluates them so that state listeners hear of changes without a request.
 */
public final class Ec2Emulator implements AutoCloseable {
  /** The region the emulated account lives in. */
  public static final String REGION = "us-east-1";

  /**
   * The SQS queue that exists from the start and that the emulated EventBridge rule feeds with
   * EC2's and AWS Health's interruption events ({@link #warnSpotInterruption} and the others).
   */
  public static final String INTERRUPTION_QUEUE = "nestedvirt-sandbox-interruptions";

  /** How long EC2 warns before it takes a Spot instance back. */
  public static final Duration SPOT_WARNING = Duration.ofMinutes(2);

  /** The window of a scheduled retirement: AWS Health's endTime after its startTime. */
  public static final Duration RETIREMENT_WINDOW = Duration.ofDays(1);

  /** The EKS-optimized AMI parameter for a Kubernetes version, as AWS publishes it. */
  public static String eksAmiParameter(String kubernetesVersion) {
    return "/aws/service/eks/optimized-ami/"
        + kubernetesVersion
        + "/amazon-linux-2023/x86_64/standard/recommended/image_id";
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final ScheduledExecutorService ticker;
  private final Ec2State state;
  private final Faults faults = new Faults();
  private final CallCounts calls = new CallCounts();
  private final InstanceCatalog catalog = new InstanceCatalog();
  private final InstantSource clock;
  private final SqsQueues queues;
  private final InterruptionEvents interruptions;

  private Ec2Emulator(Builder builder) {
    this.state =
        new Ec2State(
            builder.clock,
            builder.bootDelay,
            builder.shutdownDelay,
            builder.terminatedRetention,
            catalog,
            faults,
            builder.seed);
    try {
      server =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), builder.port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot bind the EC2 emulator to port " + builder.port, e);
    }
    this.clock = builder.clock;
    this.queues = new SqsQueues(endpoint(), builder.clock);
    this.interruptions =
        new InterruptionEvents(queues.create(INTERRUPTION_QUEUE), builder.clock, REGION);
    state.addListener(interruptions::onStateChange);
    Ec2Handler handler =
        new Ec2Handler(
            new InstanceActions(state),
            new InstanceStatusActions(state),
            new ResourceActions(state, catalog),
            new SsmHandler(state, faults),
            new SqsHandler(queues, faults),
            faults,
            calls);
    server.createContext("/", handler);
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.start();
    Duration tick = builder.tickInterval;
    if (tick == null && builder.clock == InstantSource.system()) {
      tick = Duration.ofMillis(100);
    }
    if (tick != null && !tick.isZero()) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> Thread.ofPlatform().daemon().name("ec2-emulator-ticker").unstarted(r));
      ticker.scheduleWithFixedDelay(
          state::tick, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
    }
  }

  /** An emulator on an ephemeral loopback port with the system clock and default delays. */
  public static Ec2Emulator start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options; every one has a default. */
  public static final class Builder {
    private InstantSource clock = InstantSource.system();
    private Duration bootDelay = Duration.ofSeconds(2);
    private Duration shutdownDelay = Duration.ofSeconds(2);
    private Duration terminatedRetention = Duration.ofHours(1);
    private Duration tickInterval;
    private int port;
    private long seed = System.nanoTime();

    private Builder() {}

    /** The clock lifecycles follow; an injected clock disables the ticker unless one is set. */
    public Builder clock(InstantSource clock) {
      this.clock = clock;
      return this;
    }

    /** Time from pending to running (default 2 s; zero: running on the next request). */
    public Builder bootDelay(Duration delay) {
      this.bootDelay = delay;
      return this;
    }

    /** Time from shutting-down to terminated (default 2 s). */
    public Builder shutdownDelay(Duration delay) {
      this.shutdownDelay = delay;
      return this;
    }

    /** How long terminated instances stay visible (default 1 hour, like EC2). */
    public Builder terminatedRetention(Duration retention) {
      this.terminatedRetention = retention;
      return this;
    }

    /** How often lifecycles are evaluated without requests; zero disables the ticker. */
    public Builder tickInterval(Duration interval) {
      this.tickInterval = interval;
      return this;
    }

    /** Port on 127.0.0.1 (default 0: ephemeral). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Seed for generated ids, for reproducible runs. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Ec2Emulator start() {
      return new Ec2Emulator(this);
    }
  }

  /** {@code http://127.0.0.1:<port>}, for {@code endpointOverride} of Ec2Client and SsmClient. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Override
  public void close() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    // Long polls answer now rather than hold the server's stop.
    queues.closeAll();
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- seeding ----

  /** What {@link #seedCluster} created. */
  public record SeededCluster(
      String vpcId, List<EmulatedSubnet> subnets, String securityGroupId, String imageId) {
    public List<String> subnetIds() {
      return subnets.stream().map(EmulatedSubnet::id).toList();
    }
  }

  /**
   * An EKS-like cluster network: a VPC 10.0.0.0/16, one /19 subnet in each of us-east-1a/b/c tagged
   * {@code kubernetes.io/cluster/<name>=shared}, a security group tagged {@code ...=owned}, an
   * x86_64 EKS AMI, and the EKS AMI SSM parameters for Kubernetes 1.30 to 1.35 pointing at it.
   */
  public SeededCluster seedCluster(String clusterName) {
    String clusterTag = "kubernetes.io/cluster/" + clusterName;
    String vpcId = addVpc("10.0.0.0/16");
    List<EmulatedSubnet> subnets = new ArrayList<>();
    String[] zones = {"us-east-1a", "us-east-1b", "us-east-1c"};
    for (int i = 0; i < zones.length; i++) {
      subnets.add(
          addSubnet(
              vpcId,
              zones[i],
              "10.0." + (i * 32) + ".0/19",
              Map.of(clusterTag, "shared", "Name", clusterName + "-private-" + zones[i])));
    }
    EmulatedSecurityGroup group =
        addSecurityGroup(
            vpcId,
            "eks-cluster-sg-" + clusterName,
            Map.of(clusterTag, "owned", "Name", "eks-cluster-sg-" + clusterName));
    EmulatedImage image =
        state.addImage(
            "amazon-eks-node-al2023-x86_64-standard-1.35-v20261101", "x86_64", "amazon", Map.of());
    for (int minor = 30; minor <= 35; minor++) {
      putParameter(eksAmiParameter("1." + minor), image.id());
    }
    return new SeededCluster(vpcId, List.copyOf(subnets), group.id(), image.id());
  }

  /** A VPC (with its {@code default} security group); returns its id. */
  public String addVpc(String cidrBlock) {
    return state.addVpc(cidrBlock);
  }

  public EmulatedSubnet addSubnet(
      String vpcId, String zone, String cidrBlock, Map<String, String> tags) {
    return state.addSubnet(vpcId, zone, cidrBlock, tags);
  }

  public EmulatedSecurityGroup addSecurityGroup(
      String vpcId, String name, Map<String, String> tags) {
    return state.addSecurityGroup(vpcId, name, tags);
  }

  /** An image owned by this account; architecture {@code x86_64} or {@code arm64}. */
  public EmulatedImage addImage(String name, String architecture, Map<String, String> tags) {
    return state.addImage(name, architecture, null, tags);
  }

  /** Creates or overwrites (bumping the version) an SSM String parameter. */
  public void putParameter(String name, String value) {
    state.putParameter(name, value);
  }

  /**
   * Publishes a new AMI behind an SSM parameter, as AWS does when it releases an EKS AMI: registers
   * an Amazon-owned x86_64 image (so DescribeImages and RunInstances know it) and points the
   * parameter at it; returns the new image.
   */
  public EmulatedImage publishImage(String parameter, String imageName) {
    EmulatedImage image = state.addImage(imageName, "x86_64", "amazon", Map.of());
    state.putParameter(parameter, image.id());
    return image;
  }

  // ---- observation ----

  /**
   * What DescribeInstanceTypes reports of one type that a node's kubelet sees: vCPUs, memory, and
   * the network limits from which EKS derives max pods.
   */
  public record InstanceTypeFacts(
      int vcpus, long memoryMiB, int maxNetworkInterfaces, int ipv4AddressesPerInterface) {}

  /** The facts of a type in the emulator's catalog, if it has the type. */
  public Optional<InstanceTypeFacts> instanceType(String name) {
    return catalog
        .find(name)
        .map(
            t ->
                new InstanceTypeFacts(
                    t.vcpus(),
                    t.memoryMiB(),
                    t.maxNetworkInterfaces(),
                    t.ipv4AddressesPerInterface()));
  }

  /** Every instance still visible (including terminated ones within retention), launch order. */
  public List<EmulatedInstance> instances() {
    return state.instances();
  }

  /**
   * Terminates every instance that is still active, as a user tearing down the sandbox would;
   * returns how many it terminated.
   */
  public int terminateAll() {
    List<String> active =
        state.instances().stream()
            .filter(i -> i.state().isActive())
            .map(EmulatedInstance::id)
            .toList();
    if (active.isEmpty()) {
      return 0;
    }
    return (int) state.terminate(active).stream().filter(t -> t.previous().isActive()).count();
  }

  /**
   * Stops an instance behind the operator's back, as a user or an EC2 scheduled retirement does:
   * stopping at once, stopped after the shutdown delay; its volumes and id stay. Returns whether it
   * was pending or running, so that it stops now.
   *
   * @throws IllegalArgumentException for an instance EC2 does not know
   */
  public boolean stopInstance(String instanceId) {
    try {
      return !state.stop(List.of(instanceId)).isEmpty();
    } catch (Ec2Error e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Called with the new snapshot whenever an instance appears (pending) or changes state, in order,
   * on the thread whose request or tick caused it, never under the emulator's lock.
   */
  public void onStateChange(Consumer<EmulatedInstance> listener) {
    state.addListener(listener);
  }

  /**
   * Evaluates lifecycles against the clock now (e.g. after a test advanced its clock), and has long
   * polls look again for messages whose visibility timeout has passed.
   */
  public void tick() {
    state.tick();
    queues.wakeAll();
  }

  /** Calls received for an action (EC2 action or SSM operation name), failed ones included. */
  public int calls(String action) {
    return calls.get(action);
  }

  public Map<String, Integer> callCounts() {
    return calls.snapshot();
  }

  public void resetCalls() {
    calls.reset();
  }

  // ---- SQS and interruption events ----

  /** The URL of a queue ({@code <endpoint>/<account>/<name>}), created if it does not exist. */
  public String queueUrl(String queueName) {
    return queues.create(queueName).url();
  }

  /**
   * The bodies of the messages in a queue that nobody has deleted yet, in send order, without
   * receiving them (received ones included): what EventBridge has delivered so far.
   */
  public List<String> queuedMessages(String queueName) {
    try {
      return queues.byName(queueName).bodies();
    } catch (SqsError e) {
      throw new IllegalArgumentException("no queue " + queueName, e);
    }
  }

  /** The emulator's clock now: what its lifecycles and warnings are timed by. */
  public Instant now() {
    return clock.instant();
  }

  /** A queue itself, for tests that watch long polls. */
  SqsQueue queue(String queueName) {
    return queues.byName(queueName);
  }

  /**
   * EC2 warns that it takes a Spot instance back: an "EC2 Spot Instance Interruption Warning"
   * (instance-action terminate) to the interruption queue now, and {@link #SPOT_WARNING} later on
   * the emulator's clock the instance goes shutting-down, then terminated, with their state-change
   * notifications. Returns when it goes.
   *
   * @throws IllegalArgumentException for an instance EC2 does not know
   * @throws IllegalStateException for an On-Demand instance (EC2 interrupts Spot instances only) or
   *     one that has already ended
   */
  public Instant warnSpotInterruption(String instanceId) {
    EmulatedInstance instance = activeInstance(instanceId);
    if (!instance.spot()) {
      throw new IllegalStateException(
          instanceId
              + " is an On-Demand instance: EC2 sends Spot interruption warnings for Spot"
              + " instances only");
    }
    Instant reclaimAt = clock.instant().plus(SPOT_WARNING);
    interruptions.spotInterruption(instance);
    state.reclaim(instanceId, reclaimAt);
    return reclaimAt;
  }

  /**
   * EC2 recommends rebalancing a Spot instance (at elevated risk of interruption): an "EC2 Instance
   * Rebalance Recommendation" to the interruption queue; the instance keeps running.
   *
   * @throws IllegalStateException for an On-Demand instance or one that has already ended
   */
  public void recommendRebalance(String instanceId) {
    EmulatedInstance instance = activeInstance(instanceId);
    if (!instance.spot()) {
      throw new IllegalStateException(
          instanceId
              + " is an On-Demand instance: EC2 sends rebalance recommendations for Spot"
              + " instances only");
    }
    interruptions.rebalanceRecommendation(instance);
  }

  /**
   * AWS schedules the instance's retirement (its hardware degrades) from {@code start} to {@code
   * start + RETIREMENT_WINDOW}: an AWS Health event (AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED,
   * scheduledChange) to the interruption queue, and an {@code instance-retirement} event with
   * notBefore {@code start} in DescribeInstanceStatus, so a poller and a queue reader both see it.
   * The emulator does not carry the retirement out.
   *
   * @throws IllegalStateException for an instance that has already ended
   */
  public void scheduleRetirement(String instanceId, Instant start) {
    EmulatedInstance instance = activeInstance(instanceId);
    Instant end = start.plus(RETIREMENT_WINDOW);
    state.scheduleEvent(
        instanceId,
        "instance-retirement",
        "The instance is running on degraded hardware",
        start,
        end);
    interruptions.scheduledRetirement(
        instance,
        start,
        end,
        "EC2 has detected degradation of the underlying hardware hosting your Amazon EC2 instance"
            + " associated with this event in the "
            + REGION
            + " region. Due to this degradation your instance could already be unreachable. After "
            + InterruptionEvents.HEALTH_TIME.format(start)
            + " your instance, which has an EBS volume as the root device, will be stopped.");
  }

  private EmulatedInstance activeInstance(String instanceId) {
    EmulatedInstance instance;
    try {
      instance = state.instance(instanceId);
    } catch (Ec2Error e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (!instance.state().isActive()) {
      throw new IllegalStateException(instanceId + " is " + instance.state().wireName());
    }
    return instance;
  }

  // ---- faults ----

  /** The next {@code times} calls of the action fail with {@code RequestLimitExceeded} (503). */
  public void throttle(String action, int times) {
    faults.failNext(
        action, times, new Ec2Error(503, "RequestLimitExceeded", "Request limit exceeded."));
  }

  /**
   * The next {@code times} calls of the action fail with this error ({@link Integer#MAX_VALUE}:
   * until {@link #clearFaults}), for example 403 {@code UnauthorizedOperation} on RunInstances.
   */
  public void failWith(String action, int times, int status, String code, String message) {
    faults.failNext(action, times, new Ec2Error(status, code, message));
  }

  /** The next {@code times} calls of the action fail with {@code InternalError} (500). */
  public void failWithInternalError(String action, int times) {
    faults.failNext(
        action,
        times,
        new Ec2Error(
            500,
            "InternalError",
            "An internal error has occurred. Please try again; if the problem persists, contact"
                + " AWS Support."));
  }

  /**
   * The next {@code times} calls of the action take effect but answer {@code InternalError} (500),
   * as when a response is lost: the SDK retries RunInstances with the same (auto-generated)
   * ClientToken, so idempotency decides whether instances are launched twice.
   */
  public void failWithInternalErrorAfterApplying(String action, int times) {
    faults.failNext(
        Faults.afterApplying(action),
        times,
        new Ec2Error(500, "InternalError", "An internal error has occurred."));
  }

  /** The next {@code times} calls of the action fail with {@code Unavailable} (503). */
  public void failWithUnavailable(String action, int times) {
    faults.failNext(
        action,
        times,
        new Ec2Error(503, "Unavailable", "The service is unavailable. Please try again shortly."));
  }

  /**
   * The next {@code times} launches of this type (in {@code zone}, or anywhere when null) fail with
   * {@code InsufficientInstanceCapacity}, which EC2 sends as HTTP 500 (so SDK retries consume it).
   */
  public void insufficientCapacity(String instanceType, String zone, int times) {
    faults.insufficientCapacity(instanceType, zone, times);
  }

  /**
   * The next {@code instances} launched with nested virtualization come up without it, and
   * DescribeInstances says so: a launch path that silently drops the option.
   */
  public void dropNestedVirtualization(int instances) {
    faults.dropNestedVirtualization(instances);
  }

  /** Launches of this type (in {@code zone}, or anywhere) fail until {@link #clearFaults}. */
  public void insufficientCapacity(String instanceType, String zone) {
    faults.insufficientCapacity(instanceType, zone, Faults.UNTIL_CLEARED);
  }

  /**
   * From now on a {@code share} (0 to 1) of the action's calls take effect but lose their answer:
   * half of those answer {@code InternalError} (500), half close the connection without an answer.
   * Which calls lose is drawn from {@code seed}. A share of 0 stops it; {@link #clearFaults} too.
   */
  public void loseResponses(String action, double share, long seed) {
    faults.loseResponses(action, share, seed);
  }

  /**
   * Every call of an action that {@code actions} accepts fails with {@code RequestLimitExceeded}
   * (503), SDK retries included, until {@link #stopThrottling} or {@link #clearFaults}.
   */
  public void throttle(java.util.function.Predicate<String> actions) {
    faults.throttle(actions);
  }

  public void stopThrottling() {
    faults.stopThrottling();
  }

  /**
   * From now on an instance stays out of DescribeInstances (by filter and by id, which answers
   * {@code InvalidInstanceID.NotFound}) for {@code lag} after RunInstances launched it, as EC2's
   * eventually consistent listings do; RunInstances itself (a repeat with its client token
   * included) answers at once. Zero (the default) lists launches at once.
   */
  public void listingLag(Duration lag) {
    state.listingLag(lag);
  }

  /**
   * Stops offering a type in a zone, as AWS does not offer every type in every zone: the pair
   * disappears from DescribeInstanceTypeOfferings, and RunInstances of the type in a subnet of the
   * zone answers {@code Unsupported} naming the zones that do offer it. Not cleared by {@link
   * #clearFaults}; {@link #restoreOffering} undoes it.
   */
  public void withdrawOffering(String instanceType, String zone) {
    state.withdrawOffering(instanceType, zone, false);
  }

  /**
   * Refuses launches of a type in a zone as {@link #withdrawOffering} does, while
   * DescribeInstanceTypeOfferings still lists the pair: offerings that are stale, or an endpoint
   * whose offerings cannot be trusted, so that only the refusal tells.
   */
  public void refuseOfferingWhileListed(String instanceType, String zone) {
    state.withdrawOffering(instanceType, zone, true);
  }

  /** Offers the type in the zone again, undoing either withdrawal. */
  public void restoreOffering(String instanceType, String zone) {
    state.restoreOffering(instanceType, zone);
  }

  public void clearCapacityFaults() {
    faults.clearCapacityFaults();
  }

  public void clearFaults() {
    faults.clear();
  }
}
