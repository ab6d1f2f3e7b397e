package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Demand-driven scaling against real peers: the operator grows autoscaled pools for pending pods,
 * the real kube-scheduler binds those pods onto the nodes it launched (in moto, played by the
 * kubelet simulator with the allocatable, labels and KubeVirt devices real nodes report), and idle
 * nodes go after {@code scaleDownAfter}. DaemonSets' pods are created by the real DaemonSet
 * controller and placed by the scheduler first (node-critical priority), so a pool that did not
 * subtract their requests from a new node's room would see pods it planned for that node left over;
 * Kata pods' overhead is copied into them by the API server's real RuntimeClass admission.
 *
 * <p>Pods are sized from what a c8i.large reports once it exists (the first scale-up, of two small
 * pods): its allocatable less the DaemonSets' pods there, its free room F. The table is tight where
 * it matters, and each trap is set apart from the others so that the order in which the operator
 * packs cannot hide it:
 *
 * <ul>
 *   <li>two VM pods of just under F/2 CPU and F/2 plus a quarter of the DaemonSets' memory each: a
 *       pair would fit a c8i.large only if the DaemonSets' requests were forgotten, or if the
 *       operator counted more memory than the node reports (as it did before the kubelets read
 *       moto's EKS max pods);
 *   <li>two Kata pods of F/2 less half the overhead's CPU: a pair would fit one only if the
 *       overhead were forgotten; a VM pod and a Kata pod never fit one together;
 *   <li>a Kata pod of F less half the overhead's CPU, which fits a c8i.large only without its
 *       overhead, so it needs the second listed type, where a pod selecting that type joins it.
 * </ul>
 *
 * <p>So 4 c8i.large and 1 c8i.2xlarge, in one decision; had any of those been miscounted, a pod
 * would be left over for a second one. Each pod is pinned to its pool by the pool label, as users
 * target a pool.
 */
class AutoscalingE2E {
  private static final String NS = "autoscaling";
  private static final Duration SCALE_DOWN_AFTER = Duration.ofSeconds(20);
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final String LARGE = "c8i.large";
  private static final String XLARGE = "c8i.2xlarge";
  private static final int MAX = 6;

  private static final String TRIGGERED = "TriggeredScaleUp";
  private static final String NOT_TRIGGERED = "NotTriggerScaleUp";

  private static E2E.Stack stack;
  private static KubernetesClient admin;

  @BeforeAll
  static void startSchedulingStack() throws IOException, InterruptedException {
    stack = E2E.startSchedulingStack("autoscaling-e2e");
    admin = stack.cluster().admin;
    Workloads.namespace(admin, NS);
    admin.resource(PendingPods.kataQemu()).create();
    // Beside the chart's own agent DaemonSet (10m, 96Mi), which the stack applied.
    admin
        .apps()
        .daemonSets()
        .resource(PendingPods.nodeAgent(NS, "node-agent", "100m", "128Mi"))
        .create();
  }

  @AfterAll
  static void stopStack() throws InterruptedException {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void pendingPodsGrowThePoolTheSchedulerBindsThemAllAndIdleNodesGo() throws Exception {
    String pool = "burst";
    applyPool(pool, List.of(LARGE, XLARGE), 0, MAX);
    try (PoolHistory history = new PoolHistory(admin, stack.moto(), pool)) {
      // 1. Two small pods, one per type: the pool grows from zero to two nodes.
      Map<String, String> onLarge = Map.of(NestedVirtPool.POOL_LABEL, pool, type(), LARGE);
      Map<String, String> onXlarge = Map.of(NestedVirtPool.POOL_LABEL, pool, type(), XLARGE);
      List<Pod> probes =
          create(
              PendingPods.plain(NS, "probe-large", "100m", "128Mi", onLarge),
              PendingPods.plain(NS, "probe-xlarge", "100m", "128Mi", onXlarge));
      awaitBound(probes);
      assertThat(typeOf(nodeOf(probes.get(1)))).isEqualTo(XLARGE);
      Room large = room(nodeOf(probes.get(0)));
      assertThat(withoutLeadingZero(history.desiredReplicas())).containsExactly(2);
      assertServedOnce(probes);

      // Their deletion leaves both nodes idle: they go after scaleDownAfter, to minReplicas 0. The
      // pods were bound moments ago (the scheduler's backoff after the nodes came): a node's idle
      // time starts again when a pod comes, even one the operator's periodic look never saw there.
      int grown = history.decisions() - 1;
      Instant idleFrom = Instant.now();
      deleteAll(probes);
      awaitScaledToZero(pool);
      assertScaledDown(history.desiredReplicasSince(grown));
      assertThat(firstRemoval(pool, 0))
          .as("the first idle node's termination")
          .isAfterOrEqualTo(idleFrom.truncatedTo(ChronoUnit.SECONDS).plus(SCALE_DOWN_AFTER));

      // 2. The table, sized from what the nodes reported.
      int decisionsBefore = history.decisions();
      long vmCpu = large.free.cpuMilli / 2 - 5;
      long vmMemoryMi = large.free.memoryMi / 2 + large.daemonSets.memoryMi / 4;
      long kataCpu = large.free.cpuMilli / 2 - overheadCpuMilli() / 2;
      long bigKataCpu = large.free.cpuMilli - overheadCpuMilli() / 2;
      Map<String, String> inPool = Map.of(NestedVirtPool.POOL_LABEL, pool);
      List<Pod> served = new ArrayList<>();
      for (String vm : List.of("vm-1", "vm-2")) {
        served.add(PendingPods.virtLauncher(NS, vm, vmCpu + "m", vmMemoryMi + "Mi", onLarge));
      }
      for (String kata : List.of("kata-1", "kata-2")) {
        served.add(withSelector(PendingPods.kata(NS, kata, kataCpu + "m", "256Mi"), onLarge));
      }
      served.add(withSelector(PendingPods.kata(NS, "kata-big", bigKataCpu + "m", "512Mi"), inPool));
      served.add(PendingPods.plain(NS, "on-xlarge", "500m", "1Gi", onXlarge));
      Pod gpu = withSelector(PendingPods.gpu(NS, "gpu"), inPool);
      served = create(served.toArray(Pod[]::new));
      gpu = create(gpu).getFirst();

      awaitBound(served);
      // 4 c8i.large (a VM or a Kata pod each) and 1 c8i.2xlarge, decided once.
      assertThat(history.desiredReplicasSince(decisionsBefore))
          .as("one decision")
          .containsExactly(5);
      assertThat(instanceTypes(stack.moto().instances(pool, "pending", "running")))
          .containsExactlyInAnyOrderEntriesOf(Map.of(LARGE, 4L, XLARGE, 1L));
      assertThat(typeOf(nodeOf(named(served, "kata-big")))).isEqualTo(XLARGE);
      Pod kata = admin.pods().inNamespace(NS).withName("kata-1").get();
      assertThat(kata.getSpec().getOverhead()).isEqualTo(PendingPods.KATA_OVERHEAD);
      assertThat(kata.getSpec().getNodeSelector()).containsEntry(PendingPods.KATA_RUNTIME, "true");
      assertThat(nodesWithoutWorkload(pool))
          .as("nodes launched that the scheduler left empty")
          .isEmpty();
      assertServedOnce(served);

      // The GPU pod fits no node of the pool: it stays pending, launches nothing, and says why.
      Pod waiting = admin.pods().resource(gpu).get();
      assertThat(waiting.getSpec().getNodeName()).isNull();
      assertThat(PendingPods.events(admin, waiting, TRIGGERED)).isEmpty();
      assertThat(operatorEvents(waiting))
          .as("the GPU pod's Events")
          .anySatisfy(e -> assertThat(e.getMessage()).contains("nvidia.com/gpu"));

      // 3. All deleted but the GPU pod: every node goes, every instance is terminated.
      int removals = stack.moto().instances(pool, "shutting-down", "terminated").size();
      idleFrom = Instant.now();
      deleteAll(served);
      awaitScaledToZero(pool);
      assertThat(firstRemoval(pool, removals))
          .as("the first idle node's termination")
          .isAfterOrEqualTo(idleFrom.truncatedTo(ChronoUnit.SECONDS).plus(SCALE_DOWN_AFTER));
      List<Integer> phase = history.desiredReplicasSince(decisionsBefore);
      assertThat(phase.getFirst()).isEqualTo(5);
      assertScaledDown(phase);
      assertThat(stack.moto().instances(pool, Moto.EVERY_STATE))
          .hasSize(7)
          .allSatisfy(
              i -> assertThat(i.state().nameAsString()).isIn("shutting-down", "terminated"));
      assertThat(history.maxMachines())
          .as("machines at once: what the table needs, within maxReplicas " + MAX)
          .isEqualTo(5);
      assertThat(history.maxInstances()).isLessThanOrEqualTo(5);
      deleteAll(List.of(gpu));
    } finally {
      cleanUp(pool);
    }
  }

  @Test
  void podsBeyondMaxReplicasWaitAndThePoolSaysSoAndIdleNodesGoOnlyDownToMinReplicas()
      throws Exception {
    String pool = "capped";
    applyPool(pool, List.of(LARGE), 1, 2);
    try (PoolHistory history = new PoolHistory(admin, stack.moto(), pool)) {
      // More than half of a c8i.large's CPU each (1930m allocatable on EKS, less its DaemonSets):
      // one per node, so three need three nodes and the pool may have two.
      Map<String, String> inPool = Map.of(NestedVirtPool.POOL_LABEL, pool);
      List<Pod> pods =
          create(
              PendingPods.plain(NS, "capped-1", "1200m", "256Mi", inPool),
              PendingPods.plain(NS, "capped-2", "1200m", "256Mi", inPool),
              PendingPods.plain(NS, "capped-3", "1200m", "256Mi", inPool));

      await()
          .atMost(PATIENCE)
          .alias("two pods bound, one left with NotTriggerScaleUp")
          .until(
              () -> {
                List<Pod> now = pods.stream().map(p -> admin.pods().resource(p).get()).toList();
                List<Pod> unbound =
                    now.stream().filter(p -> p.getSpec().getNodeName() == null).toList();
                return now.size() - unbound.size() == 2
                    && unbound.size() == 1
                    && !PendingPods.events(admin, unbound.getFirst(), NOT_TRIGGERED).isEmpty();
              });
      var status =
          await()
              .atMost(PATIENCE)
              .alias("DemandServed=False, MaxReplicasReached")
              .until(
                  () -> admin.resources(NestedVirtPool.class).withName(pool).get().getStatus(),
                  s ->
                      s.conditions.stream()
                          .anyMatch(
                              c ->
                                  c.type.equals("DemandServed")
                                      && c.status.equals("False")
                                      && "MaxReplicasReached".equals(c.reason)));
      assertThat(status.desiredReplicas).isEqualTo(2);
      assertThat(history.maxMachines()).isEqualTo(2);
      assertThat(history.maxInstances()).isLessThanOrEqualTo(2);
      assertThat(stack.moto().instances(pool, Moto.EVERY_STATE)).hasSize(2);

      // Both nodes idle from the same moment: one goes after scaleDownAfter, the other, as idle,
      // stays for minReplicas 1 while the operator looks again every second.
      deleteAll(pods);
      await()
          .atMost(PATIENCE)
          .alias(pool + " down to one machine and one running instance")
          .until(
              () ->
                  E2E.machines(admin, pool).size() == 1
                      && stack.moto().instances(pool, "pending", "running").size() == 1);
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .alias("the last idle machine kept for minReplicas 1")
          .until(
              () ->
                  E2E.machines(admin, pool).size() == 1
                      && stack.moto().instances(pool, "pending", "running").size() == 1);
      assertThat(
              admin
                  .resources(NestedVirtPool.class)
                  .withName(pool)
                  .get()
                  .getStatus()
                  .desiredReplicas)
          .isEqualTo(1);
      deletePool(pool);
      awaitScaledToZero(pool);
    } finally {
      cleanUp(pool);
    }
  }

  /** The decisions from a pool's first: a leading 0 is its minimum before any pod came. */
  private static List<Integer> withoutLeadingZero(List<Integer> decisions) {
    return !decisions.isEmpty() && decisions.getFirst() == 0
        ? decisions.subList(1, decisions.size())
        : decisions;
  }

  /** Down to minReplicas 0, never up on the way (nodes may go one at a time). */
  private static void assertScaledDown(List<Integer> decisions) {
    assertThat(decisions).isSortedAccordingTo(java.util.Comparator.reverseOrder()).endsWith(0);
  }

  /** Free room of a node and the DaemonSets' share of its allocatable. */
  private record Room(Resources free, Resources daemonSets) {}

  private record Resources(long cpuMilli, long memoryMi) {
    Resources minus(Resources other) {
      return new Resources(cpuMilli - other.cpuMilli, memoryMi - other.memoryMi);
    }

    static Resources of(Map<String, Quantity> amounts) {
      return new Resources(milli(amounts.get("cpu")), mebi(amounts.get("memory")));
    }
  }

  /**
   * A node's allocatable less what the DaemonSets' pods bound there request, once the two
   * DaemonSets (the chart's agent and this test's node agent) have placed theirs.
   */
  private static Room room(String node) {
    List<Pod> daemons =
        await()
            .atMost(PATIENCE)
            .alias("both DaemonSets' pods bound to " + node)
            .until(() -> daemonSetPods(node), pods -> pods.size() == 2);
    Resources requested = new Resources(0, 0);
    for (Pod pod : daemons) {
      for (var c : pod.getSpec().getContainers()) {
        requested =
            new Resources(
                requested.cpuMilli + milli(c.getResources().getRequests().get("cpu")),
                requested.memoryMi + mebi(c.getResources().getRequests().get("memory")));
      }
    }
    Node n = admin.nodes().withName(node).get();
    Resources allocatable = Resources.of(n.getStatus().getAllocatable());
    return new Room(allocatable.minus(requested), requested);
  }

  private static List<Pod> daemonSetPods(String node) {
    return admin.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems().stream()
        .filter(
            p ->
                p.getMetadata().getOwnerReferences().stream()
                    .anyMatch(o -> "DaemonSet".equals(o.getKind())))
        .toList();
  }

  /** The pool's nodes with no pod but DaemonSets' bound to them. */
  private static List<String> nodesWithoutWorkload(String pool) {
    return admin.nodes().withLabel(NestedVirtPool.POOL_LABEL, pool).list().getItems().stream()
        .map(n -> n.getMetadata().getName())
        .filter(
            node ->
                admin
                    .pods()
                    .inAnyNamespace()
                    .withField("spec.nodeName", node)
                    .list()
                    .getItems()
                    .stream()
                    .allMatch(
                        p ->
                            p.getMetadata().getOwnerReferences().stream()
                                .anyMatch(o -> "DaemonSet".equals(o.getKind()))))
        .toList();
  }

  private static void assertServedOnce(List<Pod> pods) {
    for (Pod pod : pods) {
      List<Event> events = PendingPods.events(admin, pod, TRIGGERED);
      assertThat(events.stream().mapToInt(e -> e.getCount() == null ? 1 : e.getCount()).sum())
          .as(TRIGGERED + " Events of " + pod.getMetadata().getName())
          .isEqualTo(1);
    }
  }

  /** Events about the pod that the operator reported (not the scheduler's FailedScheduling). */
  private static List<Event> operatorEvents(Pod pod) {
    return admin
        .v1()
        .events()
        .inNamespace(NS)
        .withField("involvedObject.name", pod.getMetadata().getName())
        .list()
        .getItems()
        .stream()
        .filter(
            e ->
                !"default-scheduler".equals(e.getReportingComponent())
                    && !"FailedScheduling".equals(e.getReason()))
        .toList();
  }

  private static void awaitBound(List<Pod> pods) {
    for (Pod pod : pods) {
      await()
          .atMost(PATIENCE)
          .alias(pod.getMetadata().getName() + " bound by the scheduler")
          .until(() -> admin.pods().resource(pod).get().getSpec().getNodeName() != null);
    }
  }

  private static void awaitScaledToZero(String pool) {
    await()
        .atMost(PATIENCE)
        .alias(pool + " back to no machine and no running instance")
        .until(
            () ->
                E2E.machines(admin, pool).isEmpty()
                    && stack.moto().instances(pool, "pending", "running").isEmpty()
                    && admin
                        .nodes()
                        .withLabel(NestedVirtPool.POOL_LABEL, pool)
                        .list()
                        .getItems()
                        .isEmpty());
  }

  /**
   * When the pool's first instance after the earliest {@code skipped} was terminated, from moto's
   * state transition reason (EC2's "User initiated (yyyy-MM-dd HH:mm:ss GMT)", moto's with UTC), to
   * the second.
   */
  private static Instant firstRemoval(String pool, int skipped) {
    return stack.moto().instances(pool, "shutting-down", "terminated").stream()
        .map(Instance::stateTransitionReason)
        .map(AutoscalingE2E::transitionTime)
        .sorted()
        .skip(skipped)
        .findFirst()
        .orElseThrow();
  }

  private static Instant transitionTime(String reason) {
    var m =
        java.util.regex.Pattern.compile(
                "\\((\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2}) (GMT|UTC)\\)")
            .matcher(reason);
    if (!m.find()) {
      throw new AssertionError("no time in the state transition reason: " + reason);
    }
    return Instant.parse(m.group(1) + "T" + m.group(2) + "Z");
  }

  private static Map<String, Long> instanceTypes(List<Instance> instances) {
    return instances.stream()
        .collect(Collectors.groupingBy(Instance::instanceTypeAsString, Collectors.counting()));
  }

  private static List<Pod> create(Pod... pods) {
    List<Pod> created = new ArrayList<>();
    for (Pod pod : pods) {
      created.add(admin.pods().resource(pod).create());
    }
    return created;
  }

  /**
   * Deletes the pods at once (grace period 0), as their kubelet would finish the deletion: there is
   * none here to stop containers.
   */
  private static void deleteAll(List<Pod> pods) {
    for (Pod pod : pods) {
      admin.pods().resource(pod).withGracePeriod(0).delete();
    }
  }

  private static Pod named(List<Pod> pods, String name) {
    return pods.stream()
        .filter(p -> p.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static String nodeOf(Pod pod) {
    return admin.pods().resource(pod).get().getSpec().getNodeName();
  }

  private static String typeOf(String node) {
    return admin.nodes().withName(node).get().getMetadata().getLabels().get(type());
  }

  private static String type() {
    return PendingPods.INSTANCE_TYPE;
  }

  private static Pod withSelector(Pod pod, Map<String, String> selector) {
    Map<String, String> merged = new HashMap<>(selector);
    merged.putAll(pod.getSpec().getNodeSelector());
    pod.getSpec().setNodeSelector(merged);
    return pod;
  }

  private static long overheadCpuMilli() {
    return milli(PendingPods.KATA_OVERHEAD.get("cpu"));
  }

  private static long milli(Quantity q) {
    return Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000)).longValue();
  }

  private static long mebi(Quantity q) {
    return Quantity.getAmountInBytes(q).longValue() / (1024 * 1024);
  }

  private static void applyPool(String name, List<String> types, int min, int max)
      throws IOException {
    Path manifest = Files.createTempFile(name, ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: %s
        spec:
          instanceTypes: [%s]
          image: %s
          autoscaling:
            minReplicas: %d
            maxReplicas: %d
            scaleDownAfter: %ds
        """
            .formatted(
                name,
                String.join(", ", types),
                stack.moto().imageId,
                min,
                max,
                SCALE_DOWN_AFTER.toSeconds()));
    Tool.Result applied = stack.cluster().kubectl("apply", "-f", manifest.toString());
    assertThat(applied.code()).as("kubectl apply: " + applied.output()).isZero();
  }

  /**
   * After a test, passed or failed: its pods (those pinned to its pool) go (grace period 0: no
   * kubelet here would finish a bound pod's deletion, so a drain of a node that still held one
   * would wait for it), then its pool. Does not wait for the pool to be gone, so that a failure is
   * reported as it was.
   */
  private static void cleanUp(String pool) {
    admin.pods().inNamespace(NS).list().getItems().stream()
        .filter(p -> pool.equals(p.getSpec().getNodeSelector().get(NestedVirtPool.POOL_LABEL)))
        .forEach(p -> admin.pods().resource(p).withGracePeriod(0).delete());
    admin.resources(NestedVirtPool.class).withName(pool).delete();
  }

  private static void deletePool(String name) {
    admin.resources(NestedVirtPool.class).withName(name).delete();
    await()
        .atMost(PATIENCE)
        .alias("pool " + name + " deleted")
        .until(() -> admin.resources(NestedVirtPool.class).withName(name).get() == null);
  }
}
