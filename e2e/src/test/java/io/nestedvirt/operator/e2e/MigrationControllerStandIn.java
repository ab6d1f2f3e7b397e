package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * <b>Stand-in</b> for the parts of KubeVirt's virt-controller that a drain meets (its evacuation
 * and migration controllers) and for the virt-handlers that copy the VM, written from KubeVirt
 * v1.9's evacuation.go and its migration types. It acts through the real API server, in one loop
 * that reads everything every 200 ms:
 *
 * <ul>
 *   <li>evacuation: for each VMI marked by the eviction interceptor ({@code
 *       status.evacuationNodeName} equal to its {@code status.nodeName}) that is migratable on
 *       eviction and has no unfinished migration, it creates a {@code
 *       VirtualMachineInstanceMigration} ({@code generateName: kubevirt-evacuation-}); after a
 *       failed one the VMI is still marked, so a new one follows, as in KubeVirt;
 *   <li>migration: a new migration is Pending; it starts (Scheduling) while fewer than {@code
 *       parallelMigrationsPerCluster} migrations run in the cluster and fewer than {@code
 *       parallelOutboundMigrationsPerNode} leave its node (KubeVirt CR, defaults 5 and 2); a
 *       started one waits for a target node of the VMI's pool (Ready, schedulable, untainted, with
 *       room for the launcher pod's requests), creates the target virt-launcher pod there (reported
 *       Ready) and runs; after the migration time it succeeds (the VMI's {@code status.nodeName}
 *       becomes the target, {@code evacuationNodeName} goes, {@code migrationState} says completed,
 *       the source virt-launcher pod Succeeded) or, for injected failures, fails (target pod
 *       deleted, {@code migrationState.failed}).
 * </ul>
 *
 * Left out: migration policies, bandwidth, post-copy, progress and completion timeouts (a migration
 * here takes the time it is given), the node-drain taint, VMs that are not running.
 *
 * <p>It also watches VMIs and virt-launcher pods and records every deletion it sees, so that a test
 * can assert that no VM was killed.
 */
final class MigrationControllerStandIn implements AutoCloseable {
  private static final Duration TICK = Duration.ofMillis(200);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final KubernetesClient client;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("migration-stand-in").unstarted(r));
  private final Watch vmiWatch;
  private final Watch podWatch;

  private volatile Duration migrationTime = Duration.ofSeconds(2);
  private final Map<String, Duration> migrationTimes = new ConcurrentHashMap<>();
  private final Map<String, Integer> failuresToInject = new ConcurrentHashMap<>();

  /** When each running migration (by uid) got its target pod; loop thread only. */
  private final Map<String, Instant> runningSince = new HashMap<>();

  /** VMIs ("ns/name") seen deleted or with a deletionTimestamp. */
  final Set<String> deletedVmis = ConcurrentHashMap.newKeySet();

  /**
   * Target pods of failed migrations ("ns/name"), which this stand-in deleted, as KubeVirt does.
   */
  private final Set<String> ownDeletions = ConcurrentHashMap.newKeySet();

  /** virt-launcher pods ("ns/name") seen deleted or terminating, with their phase then. */
  final Map<String, String> deletedLauncherPods = new ConcurrentHashMap<>();

  /**
   * Each finished migration: "ns/vmi: from -> to" or "ns/vmi: failed on from", added once all its
   * writes are done (VMI, migration, source and target pods).
   */
  final List<String> finished = new CopyOnWriteArrayList<>();

  /** Loop passes completed, so a test can wait for a few before it says nothing happened. */
  private final java.util.concurrent.atomic.AtomicLong ticks =
      new java.util.concurrent.atomic.AtomicLong();

  /** What went wrong in the loop or a watch; a test asserts that it stays empty. */
  final List<String> failures = new CopyOnWriteArrayList<>();

  MigrationControllerStandIn(KubernetesClient client) {
    this.client = client;
    vmiWatch =
        KubeVirtObjects.vmis(client)
            .inAnyNamespace()
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, GenericKubernetesResource vmi) {
                    if (action == Action.DELETED
                        || vmi.getMetadata().getDeletionTimestamp() != null) {
                      deletedVmis.add(
                          key(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName()));
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    failures.add("the VMI watch closed: " + cause);
                  }
                });
    podWatch =
        client
            .pods()
            .inAnyNamespace()
            .withLabel(KubeVirtObjects.APP_LABEL, KubeVirtObjects.LAUNCHER)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    if (action == Action.DELETED
                        || pod.getMetadata().getDeletionTimestamp() != null) {
                      deletedLauncherPods.putIfAbsent(
                          key(pod.getMetadata().getNamespace(), pod.getMetadata().getName()),
                          pod.getStatus() == null ? "" : pod.getStatus().getPhase());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    failures.add("the virt-launcher pod watch closed: " + cause);
                  }
                });
    loop.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How long every migration runs once its target pod is Ready (default 2 s). */
  MigrationControllerStandIn migrationTime(Duration time) {
    migrationTime = time;
    return this;
  }

  /** How long the migrations of one VMI run, overriding {@link #migrationTime(Duration)}. */
  MigrationControllerStandIn migrationTime(String namespace, String vmi, Duration time) {
    migrationTimes.put(key(namespace, vmi), time);
    return this;
  }

  /** The first {@code n} migrations of the VMI fail (after their migration time). */
  MigrationControllerStandIn failFirst(String namespace, String vmi, int n) {
    failuresToInject.put(key(namespace, vmi), n);
    return this;
  }

  /**
   * VMs killed: VMIs deleted, and virt-launcher pods deleted before they completed (a completed
   * source pod of a finished migration may go, and so may the target pod of a failed one, which
   * this stand-in deletes itself).
   */
  List<String> killed() {
    List<String> killed = new java.util.ArrayList<>();
    deletedVmis.forEach(v -> killed.add("VMI " + v + " deleted"));
    deletedLauncherPods.forEach(
        (pod, phase) -> {
          if (!"Succeeded".equals(phase)
              && !"Failed".equals(phase)
              && !ownDeletions.contains(pod)) {
            killed.add("virt-launcher pod " + pod + " deleted while " + phase);
          }
        });
    return killed;
  }

  /**
   * The VMIs and migrations as the API server has them, and this stand-in's record: for messages.
   */
  String describe() {
    StringBuilder out = new StringBuilder("VMIs:");
    for (GenericKubernetesResource vmi :
        KubeVirtObjects.vmis(client).inAnyNamespace().list().getItems()) {
      out.append("\n  ")
          .append(key(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName()))
          .append(" on ")
          .append(KubeVirtObjects.nodeOf(vmi))
          .append(" evacuating from ")
          .append(KubeVirtObjects.evacuationNode(vmi).orElse("-"))
          .append(" ")
          .append(KubeVirtObjects.map(vmi.getAdditionalProperties(), "status", "migrationState"));
    }
    out.append("\nmigrations:");
    for (GenericKubernetesResource m :
        KubeVirtObjects.migrations(client).inAnyNamespace().list().getItems()) {
      out.append("\n  ")
          .append(key(m.getMetadata().getNamespace(), m.getMetadata().getName()))
          .append(" of ")
          .append(vmiName(m))
          .append(": ")
          .append(KubeVirtObjects.phase(m));
    }
    out.append("\nfinished: ").append(finished).append("\nfailures: ").append(failures);
    out.append("\nloop passes: ").append(ticks.get());
    return out.toString();
  }

  /** Waits until the loop has read and acted on the cluster {@code n} more times. */
  void awaitPasses(int n) {
    long target = ticks.get() + n;
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> ticks.get() >= target);
  }

  private void tick() {
    try {
      Map<String, Object> configuration = KubeVirtObjects.configuration(client);
      int perCluster =
          KubeVirtObjects.migrationLimit(configuration, "parallelMigrationsPerCluster", 5);
      int perNode =
          KubeVirtObjects.migrationLimit(configuration, "parallelOutboundMigrationsPerNode", 2);
      Map<String, GenericKubernetesResource> vmis = new HashMap<>();
      for (GenericKubernetesResource vmi :
          KubeVirtObjects.vmis(client).inAnyNamespace().list().getItems()) {
        vmis.put(key(vmi.getMetadata().getNamespace(), vmi.getMetadata().getName()), vmi);
      }
      List<GenericKubernetesResource> unfinished =
          KubeVirtObjects.migrations(client).inAnyNamespace().list().getItems().stream()
              .filter(KubeVirtObjects::unfinished)
              .sorted(
                  Comparator.comparing(
                          (GenericKubernetesResource m) -> m.getMetadata().getCreationTimestamp())
                      .thenComparing(m -> m.getMetadata().getName()))
              .toList();
      evacuate(vmis.values(), unfinished, configuration);
      migrate(vmis, unfinished, perCluster, perNode);
      ticks.incrementAndGet();
    } catch (RuntimeException e) {
      failures.add("migration stand-in: " + e);
      System.err.println("migration stand-in: " + e);
    }
  }

  /** The evacuation controller: a migration for each marked VMI that has none running. */
  private void evacuate(
      java.util.Collection<GenericKubernetesResource> vmis,
      List<GenericKubernetesResource> unfinished,
      Map<String, Object> configuration) {
    Set<String> migrating =
        unfinished.stream()
            .map(m -> key(m.getMetadata().getNamespace(), vmiName(m)))
            .collect(Collectors.toSet());
    for (GenericKubernetesResource vmi : vmis) {
      String node = KubeVirtObjects.nodeOf(vmi);
      String ns = vmi.getMetadata().getNamespace();
      if (vmi.getMetadata().getDeletionTimestamp() != null
          || node == null
          || !KubeVirtObjects.evacuationNode(vmi).map(node::equals).orElse(false)
          || migrating.contains(key(ns, vmi.getMetadata().getName()))
          || !migratableOnEviction(vmi, configuration)) {
        continue;
      }
      KubeVirtObjects.migrations(client)
          .inNamespace(ns)
          .resource(
              new GenericKubernetesResourceBuilder()
                  .withApiVersion("kubevirt.io/v1")
                  .withKind("VirtualMachineInstanceMigration")
                  .withNewMetadata()
                  .withNamespace(ns)
                  .withGenerateName("kubevirt-evacuation-")
                  .addToAnnotations(KubeVirtObjects.EVACUATION_MIGRATION_ANNOTATION, node)
                  .endMetadata()
                  .addToAdditionalProperties("spec", Map.of("vmiName", vmi.getMetadata().getName()))
                  .build())
          .create();
    }
  }

  /** KubeVirt's VMIMigratableOnEviction plus the LiveMigratable condition. */
  private static boolean migratableOnEviction(
      GenericKubernetesResource vmi, Map<String, Object> configuration) {
    String strategy = KubeVirtObjects.evictionStrategy(vmi, configuration).orElse("None");
    return (strategy.equals("LiveMigrate") || strategy.equals("LiveMigrateIfPossible"))
        && KubeVirtObjects.migratable(vmi);
  }

  /** The migration controller and the handlers: start within the limits, move, finish. */
  private void migrate(
      Map<String, GenericKubernetesResource> vmis,
      List<GenericKubernetesResource> unfinished,
      int perCluster,
      int perNode) {
    Map<String, String> sourceOfRunning = new HashMap<>();
    for (GenericKubernetesResource m : unfinished) {
      String phase = KubeVirtObjects.phase(m);
      if (!phase.isEmpty() && !phase.equals("Pending")) {
        GenericKubernetesResource vmi = vmis.get(key(m.getMetadata().getNamespace(), vmiName(m)));
        sourceOfRunning.put(
            m.getMetadata().getUid(), vmi == null ? "" : KubeVirtObjects.nodeOf(vmi));
      }
    }
    for (GenericKubernetesResource m : unfinished) {
      String ns = m.getMetadata().getNamespace();
      String vmiKey = key(ns, vmiName(m));
      GenericKubernetesResource vmi = vmis.get(vmiKey);
      String phase = KubeVirtObjects.phase(m);
      if (vmi == null) {
        setPhase(m, "Failed");
        continue;
      }
      String source = KubeVirtObjects.nodeOf(vmi);
      switch (phase) {
        case "" -> setPhase(m, "Pending");
        case "Pending" -> {
          long outbound =
              sourceOfRunning.values().stream().filter(n -> Objects.equals(n, source)).count();
          if (sourceOfRunning.size() < perCluster && outbound < perNode) {
            setPhase(m, "Scheduling");
            sourceOfRunning.put(m.getMetadata().getUid(), source);
          }
        }
        case "Scheduling" -> schedule(m, vmi, source);
        case "Running" -> {
          Instant since =
              runningSince.computeIfAbsent(m.getMetadata().getUid(), u -> Instant.now());
          Duration time = migrationTimes.getOrDefault(vmiKey, migrationTime);
          if (Instant.now().isAfter(since.plus(time))) {
            finish(m, vmi, vmiKey, source);
          }
        }
        default -> {}
      }
    }
  }

  /** A target node with room: create the target pod there and run. */
  private void schedule(GenericKubernetesResource m, GenericKubernetesResource vmi, String source) {
    String ns = m.getMetadata().getNamespace();
    Pod sourcePod = VirtualMachines.launcherPod(client, ns, vmi.getMetadata().getName(), source);
    if (sourcePod == null) {
      setPhase(m, "Failed");
      return;
    }
    Optional<String> target = targetNode(source, sourcePod);
    if (target.isEmpty()) {
      return; // like a target pod the scheduler cannot place yet: the migration waits
    }
    Pod targetPod = VirtualMachines.createLauncherPod(client, vmi, target.get(), sourcePod);
    mergePatchVmi(
        vmi,
        Map.of(
            "status",
            Map.of(
                "migrationState",
                Map.of(
                    "migrationUid", m.getMetadata().getUid(),
                    "sourceNode", source,
                    "sourcePod", sourcePod.getMetadata().getName(),
                    "targetNode", target.get(),
                    "targetPod", targetPod.getMetadata().getName(),
                    "startTimestamp", metav1Now(),
                    "mode", "PreCopy"))));
    runningSince.put(m.getMetadata().getUid(), Instant.now());
    setPhase(m, "Running");
  }

  private void finish(
      GenericKubernetesResource m, GenericKubernetesResource vmi, String vmiKey, String source) {
    String ns = m.getMetadata().getNamespace();
    Map<String, Object> state =
        new LinkedHashMap<>(
            KubeVirtObjects.map(vmi.getAdditionalProperties(), "status", "migrationState"));
    state.put("endTimestamp", metav1Now());
    state.put("completed", true);
    String target = (String) state.get("targetNode");
    int failuresLeft = failuresToInject.getOrDefault(vmiKey, 0);
    if (failuresLeft > 0) {
      failuresToInject.put(vmiKey, failuresLeft - 1);
      state.put("failed", true);
      state.put("failureReason", "injected by the test");
      Object targetPod = state.get("targetPod");
      if (targetPod instanceof String name) {
        ownDeletions.add(key(ns, name));
        client.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
      }
      mergePatchVmi(vmi, Map.of("status", Map.of("migrationState", state)));
      setPhase(m, "Failed");
      finished.add(vmiKey + ": failed on " + source);
    } else {
      Pod sourcePod = VirtualMachines.launcherPod(client, ns, vmi.getMetadata().getName(), source);
      Map<String, Object> status = new HashMap<>();
      status.put("nodeName", target);
      status.put("evacuationNodeName", null);
      status.put("migrationState", state);
      mergePatchVmi(
          vmi,
          Map.of(
              "metadata",
              Map.of("labels", Map.of(KubeVirtObjects.NODE_NAME_LABEL, target)),
              "status",
              status));
      setPhase(m, "Succeeded");
      if (sourcePod != null) {
        completed(sourcePod);
      }
      finished.add(vmiKey + ": " + source + " -> " + target);
    }
    runningSince.remove(m.getMetadata().getUid());
  }

  /** What virt-handler and the kubelet report once the source domain is gone: Succeeded. */
  private void completed(Pod pod) {
    String now = Instant.now().toString();
    client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .editStatus(
            p ->
                new PodBuilder(p)
                    .editOrNewStatus()
                    .withPhase("Succeeded")
                    .withConditions(
                        new PodConditionBuilder()
                            .withType("Ready")
                            .withStatus("False")
                            .withReason("PodCompleted")
                            .withLastTransitionTime(now)
                            .build())
                    .endStatus()
                    .build());
  }

  /**
   * A node of the source's pool that a scheduler would give the target pod: Ready, not cordoned,
   * without NoSchedule/NoExecute taints, with allocatable memory and CPU for its requests after the
   * unfinished pods already bound there; the one with most free memory.
   */
  private Optional<String> targetNode(String source, Pod launcher) {
    Node sourceNode = client.nodes().withName(source).get();
    String pool =
        sourceNode == null || sourceNode.getMetadata().getLabels() == null
            ? null
            : sourceNode.getMetadata().getLabels().get(NestedVirtPool.POOL_LABEL);
    if (pool == null) {
      return Optional.empty();
    }
    BigDecimal wantMemory = VirtualMachines.request(launcher, "memory");
    BigDecimal wantCpu = VirtualMachines.request(launcher, "cpu");
    String best = null;
    BigDecimal bestFree = null;
    for (Node node : client.nodes().withLabel(NestedVirtPool.POOL_LABEL, pool).list().getItems()) {
      String name = node.getMetadata().getName();
      if (name.equals(source) || !schedulable(node)) {
        continue;
      }
      BigDecimal freeMemory = free(node, "memory");
      if (freeMemory.compareTo(wantMemory) >= 0
          && free(node, "cpu").compareTo(wantCpu) >= 0
          && (bestFree == null || freeMemory.compareTo(bestFree) > 0)) {
        best = name;
        bestFree = freeMemory;
      }
    }
    return Optional.ofNullable(best);
  }

  private static boolean schedulable(Node node) {
    boolean ready =
        node.getStatus() != null
            && node.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    boolean cordoned = Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    // The node.kubernetes.io/ taints mirror conditions and the cordon, read above: the API server
    // adds not-ready at creation and only the node lifecycle controller, not running here, would
    // take it away. Others (nestedvirt.io/unverified) keep the launcher pod off as they would.
    boolean tainted =
        node.getSpec().getTaints() != null
            && node.getSpec().getTaints().stream()
                .filter(t -> !t.getKey().startsWith("node.kubernetes.io/"))
                .anyMatch(
                    t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()));
    return ready && !cordoned && !tainted;
  }

  /** Allocatable minus the requests of the pods bound to the node that have not finished. */
  private BigDecimal free(Node node, String resource) {
    Quantity allocatable =
        node.getStatus().getAllocatable() == null
            ? null
            : node.getStatus().getAllocatable().get(resource);
    if (allocatable == null) {
      return BigDecimal.ZERO;
    }
    BigDecimal used = BigDecimal.ZERO;
    for (Pod pod :
        client
            .pods()
            .inAnyNamespace()
            .withField("spec.nodeName", node.getMetadata().getName())
            .list()
            .getItems()) {
      if (!VirtApiEvictionStandIn.isCompleted(pod)) {
        used = used.add(VirtualMachines.request(pod, resource));
      }
    }
    return allocatable.getNumericalAmount().subtract(used);
  }

  private void setPhase(GenericKubernetesResource migration, String phase) {
    KubeVirtObjects.migrations(client)
        .inNamespace(migration.getMetadata().getNamespace())
        .withName(migration.getMetadata().getName())
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            Serialization.asJson(Map.of("status", Map.of("phase", phase))));
  }

  /**
   * The VMI has no status subresource in KubeVirt's CRD: status is patched on the object. A merge
   * patch, where a null removes a field (Jackson's own mapper keeps nulls in maps).
   */
  private void mergePatchVmi(GenericKubernetesResource vmi, Map<String, Object> patch) {
    String json;
    try {
      json = JSON.writeValueAsString(patch);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    KubeVirtObjects.vmis(client)
        .inNamespace(vmi.getMetadata().getNamespace())
        .withName(vmi.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), json);
  }

  /**
   * Now as KubeVirt writes its timestamps (Go's metav1.Time: RFC 3339 in whole seconds). A custom
   * resource keeps the string it is given, so fractional seconds would reach readers that KubeVirt
   * never sends them.
   */
  private static String metav1Now() {
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  private static String vmiName(GenericKubernetesResource migration) {
    return KubeVirtObjects.string(migration, "spec", "vmiName").orElse("");
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  @Override
  public void close() throws InterruptedException {
    loop.shutdown();
    loop.awaitTermination(10, TimeUnit.SECONDS);
    vmiWatch.close();
    podWatch.close();
  }
}
