package io.nestedvirt.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelets of EC2 instances against a Kubernetes API server:
 *
 * <ul>
 *   <li>an instance that becomes running registers, after {@link Settings#registrationDelay}, a
 *       Node named by its private DNS name, with {@code spec.providerID = aws:///<zone>/<id>}, the
 *       labels a kubelet and the AWS cloud controller set, the {@code --node-labels} and {@code
 *       --register-with-taints} of its user data ({@link RegistrationParser}), then posts status
 *       through {@code nodes/status}: Ready, addresses, nodeInfo, capacity;
 *   <li>after {@link Settings#verificationDelay} it writes {@code NestedVirtualizationReady} as the
 *       node agent will, from the instance's CPU options ({@link Verdict#expectedFor}), unless a
 *       test overrides the verdict;
 *   <li>once the node is verified ({@code NestedVirtualizationReady=True}, written by this
 *       simulator or reported through {@link #nodeVerified} when a node agent wrote it), it plays
 *       KubeVirt's virt-handler and kata-deploy, which a cluster runs as DaemonSets that start when
 *       the operator lets workloads in ({@link Settings#addOns}, on by default): their device
 *       plugins add {@code devices.kubevirt.io/kvm}, {@code tun}, {@code vhost-net} and {@code
 *       vhost-vsock} (1,000 each) to capacity and allocatable, then they label the node {@code
 *       kubevirt.io/schedulable=true} and {@code katacontainers.io/kata-runtime=true};
 *   <li>an instance that shuts down or terminates has its Node deleted (unless a test keeps it, see
 *       {@link #keepNodeAfterShutdown}); one that stops keeps it (a kubelet does not remove its
 *       Node; marking it NotReady is the node lifecycle controller's job), and registers again when
 *       it runs again.
 * </ul>
 *
 * <p>After registration it never writes taints or anything else outside status, and in status it
 * replaces only the conditions it owns (by read, modify and a write guarded by the
 * resourceVersion), so what the operator or others add to the Node stays. The one exception is the
 * add-ons' labels, which virt-handler and kata-deploy write to the Node's metadata: a JSON merge
 * patch of {@code metadata.labels} that names only those two labels, so it neither needs a
 * resourceVersion nor touches any other label or field.
 *
 * <p>Capacity and allocatable are those of an EKS AL2023 node of the instance's type ({@link
 * EksNodeResources}), from what the EC2 source describes of the type ({@link
 * #describeInstanceTypesWith}).
 *
 * <p>Not simulated: periodic heartbeats and node leases (conditions are written when something
 * changes, and when a test calls {@link #heartbeat}, so that time passes only as a test says), the
 * cloud controller's uninitialized taint, and anything running on the node.
 *
 * <p>All work runs on one scheduler thread, in the order instances were observed; API errors are
 * logged and retried after {@link Settings#retryInterval}, never thrown to the caller of {@link
 * #observe}.
 */
public final class KubeletSimulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeletSimulator.class);

  private static final int CONFLICT_ATTEMPTS = 5;
  private static final int DELETE_ATTEMPTS = 10;

  /**
   * How the simulated kubelets behave; {@link #defaults()} and the {@code with...} methods make
   * one.
   *
   * @param registrationDelay from running to the Node's creation (a real kubelet takes tens of
   *     seconds; default 1 s)
   * @param verificationDelay from registration to the first {@code NestedVirtualizationReady}
   *     (default 1 s)
   * @param kubeletVersion {@code status.nodeInfo.kubeletVersion} (default v1.34.4)
   * @param retryInterval wait before retrying a failed API call (default 1 s)
   * @param clock the time written into conditions (default the system clock)
   * @param addOns whether KubeVirt's virt-handler and kata-deploy start on a node once it is
   *     verified, adding their labels and devices (default true)
   */
  public record Settings(
      Duration registrationDelay,
      Duration verificationDelay,
      String kubeletVersion,
      Duration retryInterval,
      InstantSource clock,
      boolean addOns) {
    public Settings {
      requireNotNegative(registrationDelay, "registrationDelay");
      requireNotNegative(verificationDelay, "verificationDelay");
      requireNotNegative(retryInterval, "retryInterval");
      Objects.requireNonNull(kubeletVersion, "kubeletVersion");
      Objects.requireNonNull(clock, "clock");
    }

    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          "v1.34.4",
          Duration.ofSeconds(1),
          InstantSource.system(),
          true);
    }

    public Settings withRegistrationDelay(Duration delay) {
      return new Settings(delay, verificationDelay, kubeletVersion, retryInterval, clock, addOns);
    }

    public Settings withVerificationDelay(Duration delay) {
      return new Settings(registrationDelay, delay, kubeletVersion, retryInterval, clock, addOns);
    }

    public Settings withKubeletVersion(String version) {
      return new Settings(
          registrationDelay, verificationDelay, version, retryInterval, clock, addOns);
    }

    public Settings withRetryInterval(Duration interval) {
      return new Settings(
          registrationDelay, verificationDelay, kubeletVersion, interval, clock, addOns);
    }

    public Settings withClock(InstantSource source) {
      return new Settings(
          registrationDelay, verificationDelay, kubeletVersion, retryInterval, source, addOns);
    }

    /** Whether virt-handler and kata-deploy start on verified nodes. */
    public Settings withAddOns(boolean enabled) {
      return new Settings(
          registrationDelay, verificationDelay, kubeletVersion, retryInterval, clock, enabled);
    }

    private static void requireNotNegative(Duration d, String name) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be zero or positive, not " + d);
      }
    }
  }

  private enum Phase {
    /** Pending or stopped: no kubelet runs. */
    WAITING,
    /** Running; registration scheduled (or withheld by a test). */
    BOOTING,
    /** The Node exists and its kubelet posts status. */
    REGISTERED
  }

  /** One instance's kubelet. Touched only on the scheduler thread. */
  private static final class Kubelet {
    SimulatedInstance instance;
    Phase phase = Phase.WAITING;
    String bootId;
    boolean verificationDue;
    boolean addOnsStarted;
    ScheduledFuture<?> next;

    /**
     * Whether the node joined once: a kubelet that registers again (its Node was deleted) has its
     * own client certificate by then and needs no bootstrap token.
     */
    boolean joined;

    Kubelet(SimulatedInstance instance) {
      this.instance = instance;
    }

    String nodeName() {
      return instance.nodeName();
    }

    void cancel() {
      if (next != null) {
        next.cancel(false);
        next = null;
      }
    }
  }

  private final KubernetesClient client;
  private final Settings settings;
  private final ScheduledExecutorService scheduler;

  // Scheduler thread only.
  private final Map<String, Kubelet> kubelets = new HashMap<>();
  private final Set<String> gone = new HashSet<>();

  // Any thread.
  private final Set<String> neverRegisterIds = ConcurrentHashMap.newKeySet();
  private final Set<String> keepNodeIds = ConcurrentHashMap.newKeySet();
  private final List<Predicate<SimulatedInstance>> neverRegisterWhen = new CopyOnWriteArrayList<>();
  private final Map<String, Optional<Verdict>> verdictOverrides = new ConcurrentHashMap<>();
  private final Set<String> lost = ConcurrentHashMap.newKeySet();
  private final Set<String> silentAgents = ConcurrentHashMap.newKeySet();
  private volatile Function<SimulatedInstance, Verdict> verdictPolicy = Verdict::expectedFor;
  private volatile Function<String, Optional<InstanceTypeShape>> instanceTypes =
      type -> Optional.empty();
  private volatile boolean closed;

  public KubeletSimulator(KubernetesClient client) {
    this(client, Settings.defaults());
  }

  public KubeletSimulator(KubernetesClient client, Settings settings) {
    this.client = Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kubelet-simulator").unstarted(r));
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Follows the emulator's instances: those it has now, and every state change from here on. The
   * emulator offers no way to remove a listener; after {@link #close} the listener does nothing.
   */
  public KubeletSimulator attach(Ec2Emulator emulator) {
    describeInstanceTypesWith(type -> emulator.instanceType(type).map(InstanceTypeShape::of));
    emulator.onStateChange(instance -> observe(SimulatedInstance.of(instance)));
    emulator.instances().forEach(instance -> observe(SimulatedInstance.of(instance)));
    return this;
  }

  /**
   * Tells the simulator an instance's current state. Cheap, never blocks on the API server and
   * never throws; repeating a state (a poller seeing the same instance again) changes nothing.
   */
  public void observe(SimulatedInstance instance) {
    Objects.requireNonNull(instance, "instance");
    submit("observe " + instance.id(), () -> handle(instance));
  }

  /**
   * Where the kubelets read their instance type's vCPUs, memory and network limits (what the EC2
   * source's DescribeInstanceTypes says; {@link #attach} sets the emulator's). A type it does not
   * know is judged by its name, with the kubelet's default max pods ({@link
   * InstanceTypeShape#fromName}). Called on the simulator's thread at each registration.
   */
  public KubeletSimulator describeInstanceTypesWith(
      Function<String, Optional<InstanceTypeShape>> describe) {
    this.instanceTypes = Objects.requireNonNull(describe, "describe");
    return this;
  }

  private InstanceTypeShape shapeOf(SimulatedInstance instance) {
    return instanceTypes
        .apply(instance.instanceType())
        .orElseGet(() -> InstanceTypeShape.fromName(instance.instanceType(), instance.vcpus()));
  }

  // ---- test overrides ----

  /** The instance's kubelet never registers (no effect once it has). */
  public void neverRegister(String instanceId) {
    neverRegisterIds.add(instanceId);
  }

  /**
   * Instances matching {@code predicate} never register; checked when registration is due, so it
   * works with a zero registration delay (e.g. {@code i -> "broken".equals(i.tags().get("pool"))}).
   */
  public void neverRegisterWhen(Predicate<SimulatedInstance> predicate) {
    neverRegisterWhen.add(Objects.requireNonNull(predicate, "predicate"));
  }

  /**
   * The instance's Node stays when it shuts down, as in a cluster where nothing but the operator
   * deletes the Nodes of terminated instances (no cloud controller removes them).
   */
  public void keepNodeAfterShutdown(String instanceId) {
    keepNodeIds.add(instanceId);
  }

  /** The instance's Node registers but never gets {@code NestedVirtualizationReady}. */
  public void neverVerify(String instanceId) {
    verdictOverrides.put(instanceId, Optional.empty());
  }

  /**
   * The verdict the instance's node reports from now on. When the node has already reported one,
   * the condition is rewritten at once (with a new {@code lastTransitionTime} when the status
   * flips).
   */
  public void setVerdict(String instanceId, Verdict verdict) {
    verdictOverrides.put(instanceId, Optional.of(Objects.requireNonNull(verdict, "verdict")));
    submit(
        "verdict " + instanceId,
        () -> {
          Kubelet kubelet = kubelets.get(instanceId);
          if (kubelet != null && kubelet.phase == Phase.REGISTERED && kubelet.verificationDue) {
            step(kubelet, "report verification", this::reportVerification);
          }
        });
  }

  /**
   * The instance's node becomes unreachable (its kubelet and node agent fall silent, the instance
   * keeps running): its Ready turns Unknown as the node lifecycle controller marks it, and {@link
   * #heartbeat} skips it from now on.
   */
  public void loseNode(String instanceId) {
    lost.add(instanceId);
    submit(
        "lose " + instanceId,
        () -> {
          Kubelet kubelet = kubelets.get(instanceId);
          if (kubelet != null && kubelet.phase == Phase.REGISTERED) {
            step(
                kubelet,
                "mark unreachable",
                k ->
                    writeStatus(
                        k,
                        List.of(SimulatedNodes.unreachable(settings.clock().instant())),
                        status -> {}));
          }
        });
  }

  /**
   * The instance's node agent stops renewing {@code NestedVirtualizationReady} (its pod crashed,
   * say), while the kubelet goes on: {@link #heartbeat} leaves the verdict's heartbeat as it is.
   */
  public void silenceAgent(String instanceId) {
    silentAgents.add(instanceId);
  }

  /**
   * Every registered kubelet posts its status now, with fresh heartbeats at the clock's time, as
   * kubelets do every few seconds, and its node agent renews its verdict (as it does every
   * interval) unless silenced; lost nodes post nothing. Returns once the writes are done, so a test
   * that moved its clock can make the cluster catch up deterministically.
   */
  public void heartbeat() {
    try {
      scheduler
          .submit(
              () ->
                  List.copyOf(kubelets.values()).stream()
                      .filter(k -> k.phase == Phase.REGISTERED && !lost.contains(k.instance.id()))
                      .forEach(k -> step(k, "heartbeat", this::beat)))
          .get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("kubelet simulator: heartbeat did not complete", e);
    }
  }

  private void beat(Kubelet kubelet) {
    Instant now = settings.clock().instant();
    List<NodeCondition> conditions =
        new java.util.ArrayList<>(SimulatedNodes.kubeletConditions(now));
    if (kubelet.verificationDue && !silentAgents.contains(kubelet.instance.id())) {
      Optional<Verdict> verdict = verdictOverrides.get(kubelet.instance.id());
      if (verdict == null) {
        verdict = Optional.ofNullable(verdictPolicy.apply(kubelet.instance));
      }
      verdict.ifPresent(v -> conditions.add(SimulatedNodes.verification(v, now)));
    }
    writeStatus(kubelet, conditions, status -> {});
  }

  /**
   * The instance's node agent (not this simulator: its {@link #verdictPolicy} withholds the
   * verdict) reported {@code NestedVirtualizationReady=True}: the add-ons start there, as when this
   * simulator reports it. Repeating it changes nothing.
   */
  public void nodeVerified(String instanceId) {
    submit(
        "verified " + instanceId,
        () -> {
          Kubelet kubelet = kubelets.get(instanceId);
          if (kubelet != null && kubelet.phase == Phase.REGISTERED) {
            step(kubelet, "start add-ons", this::startAddOns);
          }
        });
  }

  /** {@link #setVerdict} with {@link Verdict#probeFailed}. */
  public void failVerification(String instanceId, String detail) {
    setVerdict(instanceId, Verdict.probeFailed(detail));
  }

  /**
   * The verdict of every instance without its own override (default {@link Verdict#expectedFor});
   * applies to verifications still to come. A policy that returns null withholds the condition.
   */
  public void verdictPolicy(Function<SimulatedInstance, Verdict> policy) {
    this.verdictPolicy = Objects.requireNonNull(policy, "policy");
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    try {
      if (!scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("kubelet simulator: scheduler did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- lifecycle, on the scheduler thread ----

  private void handle(SimulatedInstance instance) {
    String id = instance.id();
    if (gone.contains(id)) {
      return;
    }
    Kubelet kubelet = kubelets.computeIfAbsent(id, unused -> new Kubelet(instance));
    kubelet.instance = instance;
    switch (instance.state()) {
      case PENDING -> {}
      case RUNNING -> {
        if (kubelet.phase == Phase.WAITING) {
          kubelet.phase = Phase.BOOTING;
          kubelet.bootId = UUID.randomUUID().toString();
          schedule(kubelet, "register", this::register, settings.registrationDelay());
        }
      }
      case STOPPING, STOPPED -> {
        kubelet.cancel();
        kubelet.phase = Phase.WAITING;
        kubelet.verificationDue = false;
        kubelet.addOnsStarted = false;
      }
      case SHUTTING_DOWN, TERMINATED -> {
        kubelet.cancel();
        kubelets.remove(id);
        gone.add(id);
        if (!keepNodeIds.contains(id)) {
          deleteNode(instance, 1);
        }
      }
    }
  }

  private void register(Kubelet kubelet) {
    SimulatedInstance instance = kubelet.instance;
    if (neverRegisterIds.contains(instance.id())
        || neverRegisterWhen.stream().anyMatch(p -> p.test(instance))) {
      LOG.info("kubelet of {}: never registers (test override)", instance.id());
      return;
    }
    RegistrationParser.Registration registration = RegistrationParser.parse(instance.userData());
    if (!kubelet.joined && registration.bootstrapToken() != null) {
      var refusal =
          BootstrapTokenCheck.refusal(
              client, registration.bootstrapToken(), settings.clock().instant());
      if (refusal.isPresent()) {
        // kubeadm join fails and is not run again: the node never registers.
        LOG.warn(
            "kubelet of {}: kubeadm join refused ({}); never registers",
            instance.id(),
            refusal.get());
        return;
      }
    }
    kubelet.joined = true;
    Node node = SimulatedNodes.registration(instance, registration);
    try {
      client.nodes().resource(node).create();
      LOG.info("kubelet of {}: registered node {}", instance.id(), node.getMetadata().getName());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // Registered before (a restart, or a retry after a failed status write): carry on, unless
      // the name belongs to another instance.
      Node existing = client.nodes().withName(node.getMetadata().getName()).get();
      if (existing != null && !instance.providerId().equals(providerId(existing))) {
        LOG.warn(
            "kubelet of {}: node {} exists with providerID {}; not taking it over",
            instance.id(),
            node.getMetadata().getName(),
            providerId(existing));
        return;
      }
    }
    kubelet.phase = Phase.REGISTERED;
    writeStatus(
        kubelet,
        SimulatedNodes.kubeletConditions(settings.clock().instant()),
        status ->
            SimulatedNodes.setKubeletStatusFields(
                status, instance, shapeOf(instance), settings.kubeletVersion(), kubelet.bootId));
    schedule(kubelet, "verify", this::verify, settings.verificationDelay());
  }

  private void verify(Kubelet kubelet) {
    kubelet.verificationDue = true;
    reportVerification(kubelet);
  }

  private void reportVerification(Kubelet kubelet) {
    Optional<Verdict> verdict = verdictOverrides.get(kubelet.instance.id());
    if (verdict == null) {
      verdict = Optional.ofNullable(verdictPolicy.apply(kubelet.instance));
    }
    if (verdict.isEmpty()) {
      LOG.info("kubelet of {}: never reports verification (test override)", kubelet.instance.id());
      return;
    }
    Instant now = settings.clock().instant();
    writeStatus(kubelet, List.of(SimulatedNodes.verification(verdict.get(), now)), status -> {});
    LOG.info(
        "kubelet of {}: {}={} ({})",
        kubelet.instance.id(),
        SimulatedNodes.CONDITION_NESTED_VIRTUALIZATION_READY,
        verdict.get().status(),
        verdict.get().reason());
    if ("True".equals(verdict.get().status())) {
      step(kubelet, "start add-ons", this::startAddOns);
    }
  }

  /**
   * virt-handler and kata-deploy start on the node: first the device plugins' resources in status
   * (so that a pod selecting the labels finds the devices there), then the labels, by a merge patch
   * of those labels alone.
   */
  private void startAddOns(Kubelet kubelet) {
    if (!settings.addOns() || kubelet.addOnsStarted) {
      return;
    }
    writeStatus(
        kubelet,
        List.of(),
        status -> {
          status.setCapacity(EksNodeResources.withKubevirtDevices(status.getCapacity()));
          status.setAllocatable(EksNodeResources.withKubevirtDevices(status.getAllocatable()));
        });
    client
        .nodes()
        .withName(kubelet.nodeName())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            Serialization.asJson(
                Map.of("metadata", Map.of("labels", SimulatedNodes.ADD_ON_LABELS))));
    kubelet.addOnsStarted = true;
    LOG.info(
        "kubelet of {}: virt-handler and kata-deploy started on node {}",
        kubelet.instance.id(),
        kubelet.nodeName());
  }

  /**
   * Replaces the given conditions (and sets the other fields) in the Node's status: read the Node,
   * change only those, and write it back through {@code nodes/status} (PUT) guarded by the
   * resourceVersion read, retried on conflict. Not a merge patch: it replaces the whole conditions
   * list on a real API server and appends to it on fabric8's mock; not a strategic merge patch
   * (which merges conditions by type): the mock refuses it.
   */
  private void writeStatus(
      Kubelet kubelet, List<NodeCondition> conditions, Consumer<NodeStatus> fields) {
    String name = kubelet.nodeName();
    for (int attempt = 1; ; attempt++) {
      Node node = client.nodes().withName(name).get();
      if (node == null) {
        LOG.warn("kubelet of {}: node {} is gone; status not written", kubelet.instance.id(), name);
        return;
      }
      NodeStatus status = node.getStatus() == null ? new NodeStatus() : node.getStatus();
      fields.accept(status);
      status.setConditions(SimulatedNodes.merge(status.getConditions(), conditions));
      node.setStatus(status);
      try {
        client.nodes().resource(node).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Deletes the instance's Node if it is this instance's (by providerID); retries on errors. */
  private void deleteNode(SimulatedInstance instance, int attempt) {
    String name = instance.nodeName();
    try {
      Node node = client.nodes().withName(name).get();
      if (node == null) {
        return;
      }
      if (!instance.providerId().equals(providerId(node))) {
        LOG.warn(
            "instance {} is {}, but node {} has providerID {}; leaving it",
            instance.id(),
            instance.state().wireName(),
            name,
            providerId(node));
        return;
      }
      client.nodes().withName(name).delete();
      LOG.info(
          "instance {} is {}: deleted node {}", instance.id(), instance.state().wireName(), name);
    } catch (RuntimeException e) {
      if (attempt >= DELETE_ATTEMPTS) {
        LOG.warn("instance {}: giving up deleting node {}: {}", instance.id(), name, e.toString());
        return;
      }
      LOG.warn(
          "instance {}: deleting node {} failed, will retry: {}",
          instance.id(),
          name,
          e.toString());
      schedulePlain(
          "delete node " + name, () -> deleteNode(instance, attempt + 1), settings.retryInterval());
    }
  }

  // ---- scheduling ----

  /** Runs {@code action} for the kubelet after {@code delay}, if it is still the current one. */
  private void schedule(Kubelet kubelet, String what, Consumer<Kubelet> action, Duration delay) {
    kubelet.cancel();
    try {
      kubelet.next =
          scheduler.schedule(
              () -> step(kubelet, what, action), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // Closed meanwhile.
    }
  }

  /** Runs one step now; on failure logs it and retries it after the retry interval. */
  private void step(Kubelet kubelet, String what, Consumer<Kubelet> action) {
    if (closed || kubelets.get(kubelet.instance.id()) != kubelet) {
      return;
    }
    try {
      action.accept(kubelet);
    } catch (RuntimeException e) {
      LOG.warn(
          "kubelet of {}: {} failed, will retry in {}: {}",
          kubelet.instance.id(),
          what,
          settings.retryInterval(),
          e.toString());
      schedule(kubelet, what, action, settings.retryInterval());
    }
  }

  private void schedulePlain(String what, Runnable task, Duration delay) {
    try {
      scheduler.schedule(() -> safely(what, task), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // Closed meanwhile.
    }
  }

  private void submit(String what, Runnable task) {
    if (closed) {
      return;
    }
    try {
      scheduler.execute(() -> safely(what, task));
    } catch (RejectedExecutionException closing) {
      // Closed meanwhile.
    }
  }

  private void safely(String what, Runnable task) {
    if (closed) {
      return;
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.warn("kubelet simulator: {} failed: {}", what, e.toString(), e);
    }
  }

  private static String providerId(Node node) {
    return node.getSpec() == null ? null : node.getSpec().getProviderID();
  }
}
