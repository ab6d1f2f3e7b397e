package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.node.drain.DrainPlanner;
import io.nestedvirt.operator.node.drain.DrainStep;
import io.nestedvirt.operator.node.drain.NodeDrainer;
import io.nestedvirt.operator.node.drain.PodEvictions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeDrainer} against a real kube-apiserver (the Eviction API, PodDisruptionBudget checks)
 * and a real kube-controller-manager running the disruption controller (PodDisruptionBudget
 * status).
 *
 * <p>There are no kubelets in this tier. {@link KubeletStandIn} plays them, and the ReplicaSet
 * controller and scheduler, openly: it finishes the deletion of an evicted pod as a kubelet does
 * once the containers have stopped, and starts a Ready replacement on another node. The ReplicaSets
 * and DaemonSets here are real objects (the disruption controller reads a ReplicaSet's replicas to
 * compute a budget), but no controller acts on them: the test creates their pods.
 *
 * <p>The drainer runs as the cluster admin; the operator's ServiceAccount needs the rights listed
 * in the package documentation of {@code io.nestedvirt.operator.node.drain}.
 */
class NodeDrainE2E {
  private static final Duration SETTLE = Duration.ofMinutes(2);

  /** How often the test calls the drainer, as the reconciler's requeue would. */
  private static final Duration REQUEUE = Duration.ofMillis(250);

  private static KubernetesClient admin;
  private static EvictionRequestCounter evictions;
  private static KubernetesClient counted;

  @BeforeAll
  static void client() {
    admin = E2E.stack().cluster().admin;
    evictions = new EvictionRequestCounter();
    counted = evictions.client(admin.getConfiguration());
  }

  @AfterAll
  static void close() {
    counted.close();
  }

  @Test
  void drainHonoursTheBudgetAndFinishesOnceReplacementsAreReady() throws Exception {
    String ns = namespace("drain-budget");
    String old = node("drain-budget-old");
    String spare = node("drain-budget-new");
    ReplicaSet web = create(replicaSet(ns, "web", 3));
    create(budget(ns, "web", b -> b.withMaxUnavailable(new IntOrString(1))));
    for (String[] p : new String[][] {{"web-1", old}, {"web-2", old}, {"web-3", spare}}) {
      create(pod(ns, p[0], p[1], web));
      KubeletStandIn.markReady(admin, ns, p[0]);
    }
    DaemonSet agent = create(daemonSet(ns, "node-agent"));
    create(pod(ns, "node-agent-old", old, agent));
    KubeletStandIn.markReady(admin, ns, "node-agent-old");
    create(mirrorPod(ns, "static-web-" + old, old));
    awaitBudget(ns, "web", 3, 1);

    // Awaitility calls the drainer on its own thread.
    List<DrainStep> steps = new CopyOnWriteArrayList<>();
    int requestsBefore = evictions.sent();
    try (ReadyPodsWatch readyWeb = new ReadyPodsWatch(admin, ns, "web");
        KubeletStandIn kubelet = new KubeletStandIn(admin, ns, spare, true)) {
      NodeDrainer drainer = new NodeDrainer(counted);

      DrainStep first = drainer.drain(old, false);
      steps.add(first);
      assertThat(first.evicted()).as(first.summary()).isEqualTo(1);
      assertThat(first.evictionsRefused())
          .as("the budget allows one disruption: the second eviction is refused")
          .isEqualTo(1);
      assertThat(first.blockedByDisruptionBudget()).containsExactly(ns + "/web");
      assertThat(first.done()).isFalse();
      assertThat(first.podsLeft()).isEqualTo(2);
      assertThat(first.summary())
          .matches(
              "2 pods left \\(1 terminating\\); eviction of "
                  + ns
                  + "/web-[12] blocked by PodDisruptionBudget web");

      kubelet.releaseReplacements();
      await()
          .atMost(SETTLE)
          .pollInterval(REQUEUE)
          .until(
              () -> {
                DrainStep step = drainer.drain(old, false);
                steps.add(step);
                return step.done();
              });

      await().atMost(SETTLE).until(() -> readyWeb.ready() == 3);
      assertThat(readyWeb.lowest())
          .as(
              "Ready web pods never drop below 2 (PDB maxUnavailable 1 of 3); lowest at: %s",
              readyWeb.lowestState())
          .isEqualTo(2);
      assertThat(readyWeb.events()).as("the watch saw the drain").isGreaterThanOrEqualTo(4);
      assertThat(readyWeb.failures).isEmpty();
      assertThat(kubelet.failures).isEmpty();
      assertThat(kubelet.deletedPods.keySet()).containsExactlyInAnyOrder("web-1", "web-2");
      kubelet.deletedPods.values().forEach(NodeDrainE2E::assertEvictedThroughTheEvictionApi);
    }

    assertThat(evictions.sent() - requestsBefore)
        .as("one eviction request per attempt, no hidden retries: %s", steps)
        .isEqualTo(steps.stream().mapToInt(s -> s.evicted() + s.evictionsRefused()).sum());
    assertThat(admin.nodes().withName(old).get().getSpec().getUnschedulable())
        .as("the drained node stays cordoned")
        .isTrue();
    for (String left : List.of("node-agent-old", "static-web-" + old)) {
      Pod pod = admin.pods().inNamespace(ns).withName(left).get();
      assertThat(pod).as(left + " is left alone").isNotNull();
      assertThat(pod.getMetadata().getDeletionTimestamp()).as(left).isNull();
    }
    assertThat(admin.pods().inNamespace(ns).withLabel("app", "web").list().getItems())
        .extracting(p -> p.getSpec().getNodeName())
        .containsOnly(spare)
        .hasSize(3);
  }

  @Test
  void forcedDrainDeletesPodsThatABudgetProtects() throws Exception {
    String ns = namespace("drain-force");
    String old = node("drain-force-old");
    String spare = node("drain-force-new");
    ReplicaSet db = create(replicaSet(ns, "db", 2));
    create(budget(ns, "db", b -> b.withMinAvailable(new IntOrString("100%"))));
    for (String name : List.of("db-1", "db-2")) {
      create(pod(ns, name, old, db));
      KubeletStandIn.markReady(admin, ns, name);
    }
    awaitBudget(ns, "db", 2, 0);

    try (KubeletStandIn kubelet = new KubeletStandIn(admin, ns, spare, false)) {
      NodeDrainer drainer = new NodeDrainer(counted);
      DrainStep refused = drainer.drain(old, false);
      assertThat(refused.evicted()).as(refused.summary()).isZero();
      assertThat(refused.evictionsRefused()).isEqualTo(2);
      assertThat(refused.blockedByDisruptionBudget()).containsExactly(ns + "/db");

      DrainStep forced = drainer.drain(old, true);
      assertThat(forced.evicted()).as(forced.summary()).isEqualTo(2);
      assertThat(forced.evictionsRefused()).isZero();
      await().atMost(SETTLE).pollInterval(REQUEUE).until(() -> drainer.drain(old, true).done());

      assertThat(admin.pods().inNamespace(ns).withName("db-1").get()).isNull();
      assertThat(admin.pods().inNamespace(ns).withName("db-2").get()).isNull();
      assertThat(kubelet.failures).isEmpty();
      assertThat(kubelet.deletedPods.values())
          .as("deleted directly, not through the Eviction API")
          .allSatisfy(p -> assertThat(disruptionTarget(p)).isNull());
    }
  }

  /**
   * What the drainer's one-request-per-eviction client avoids: fabric8 7.5.2 retries a 429 with
   * back-off inside {@code evict()} (here limited to 2 retries; by default 10, for seconds).
   */
  @Test
  void fabric8RetriesARefusedEvictionUnlessTold() {
    String ns = namespace("drain-retry");
    String old = node("drain-retry-old");
    ReplicaSet app = create(replicaSet(ns, "app", 1));
    create(budget(ns, "app", b -> b.withMinAvailable(new IntOrString(1))));
    create(pod(ns, "app-1", old, app));
    KubeletStandIn.markReady(admin, ns, "app-1");
    awaitBudget(ns, "app", 1, 0);

    EvictionRequestCounter counter = new EvictionRequestCounter();
    try (KubernetesClient retrying =
        counter.client(
            new ConfigBuilder(admin.getConfiguration())
                .withRequestRetryBackoffLimit(2)
                .withRequestRetryBackoffInterval(50)
                .build())) {
      boolean evicted =
          retrying.pods().inNamespace(ns).withName("app-1").evict(eviction(ns, "app-1"));
      assertThat(evicted).as("fabric8 answers a 429 with false").isFalse();
      assertThat(counter.sent()).as("the first request and 2 retries").isEqualTo(3);

      int before = counter.sent();
      Pod pod = retrying.pods().inNamespace(ns).withName("app-1").get();
      assertThat(new PodEvictions(retrying).evict(pod)).isEqualTo(PodEvictions.Outcome.REFUSED);
      assertThat(counter.sent() - before).as("PodEvictions switches the retries off").isEqualTo(1);
    }
  }

  @Test
  void aPodWithoutBudgetIsEvictedAtOnceAndFinishedPodsStay() throws Exception {
    String ns = namespace("drain-plain");
    String old = node("drain-plain-old");
    String spare = node("drain-plain-new");
    create(pod(ns, "solo", old, null));
    KubeletStandIn.markReady(admin, ns, "solo");
    create(pod(ns, "batch-1", old, null));
    admin
        .pods()
        .inNamespace(ns)
        .withName("batch-1")
        .editStatus(
            p -> new PodBuilder(p).editOrNewStatus().withPhase("Succeeded").endStatus().build());

    try (KubeletStandIn kubelet = new KubeletStandIn(admin, ns, spare, false)) {
      NodeDrainer drainer = new NodeDrainer(counted);
      DrainStep first = drainer.drain(old, false);
      assertThat(first.evicted()).as(first.summary()).isEqualTo(1);
      assertThat(first.evictionsRefused()).isZero();
      assertThat(first.podsLeft()).as("evicted but not gone yet").isEqualTo(1);

      await().atMost(SETTLE).pollInterval(REQUEUE).until(() -> drainer.drain(old, false).done());
      assertThat(kubelet.deletedPods).containsOnlyKeys("solo");
      assertEvictedThroughTheEvictionApi(kubelet.deletedPods.get("solo"));
      assertThat(kubelet.failures).isEmpty();
    }
    assertThat(
            admin
                .pods()
                .inNamespace(ns)
                .withName("batch-1")
                .get()
                .getMetadata()
                .getDeletionTimestamp())
        .as("a finished pod needs no eviction")
        .isNull();
  }

  @Test
  void aPodThatIsGoneOrReplacedIsNeverEvictedInItsPlace() {
    String ns = namespace("drain-outcomes");
    String node = node("drain-outcomes-node");
    PodEvictions pods = new PodEvictions(counted);

    Pod ghost = create(pod(ns, "ghost", node, null));
    deleteNow(ns, "ghost");
    assertThat(pods.evict(ghost)).isEqualTo(PodEvictions.Outcome.GONE);
    assertThat(pods.delete(ghost, false)).isEqualTo(PodEvictions.Outcome.GONE);

    Pod twin = create(pod(ns, "twin", node, null));
    deleteNow(ns, "twin");
    Pod newTwin = create(pod(ns, "twin", node, null));
    assertThat(pods.evict(twin))
        .as("the UID precondition protects the new pod of the same name")
        .isEqualTo(PodEvictions.Outcome.CHANGED);
    assertThat(pods.delete(twin, false)).isEqualTo(PodEvictions.Outcome.CHANGED);
    Pod still = admin.pods().inNamespace(ns).withName("twin").get();
    assertThat(still.getMetadata().getUid()).isEqualTo(newTwin.getMetadata().getUid());
    assertThat(still.getMetadata().getDeletionTimestamp()).isNull();
  }

  private static void assertEvictedThroughTheEvictionApi(Pod pod) {
    PodCondition target = disruptionTarget(pod);
    assertThat(target)
        .as("%s carries the condition the Eviction API adds", pod.getMetadata().getName())
        .isNotNull();
    assertThat(target.getReason()).isEqualTo("EvictionByEvictionAPI");
  }

  private static PodCondition disruptionTarget(Pod pod) {
    return pod.getStatus().getConditions().stream()
        .filter(c -> "DisruptionTarget".equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  /** Waits until the disruption controller has computed the budget's status. */
  private static void awaitBudget(String ns, String name, int healthy, int allowed) {
    await()
        .atMost(SETTLE)
        .until(
            () -> {
              PodDisruptionBudget pdb =
                  admin.policy().v1().podDisruptionBudget().inNamespace(ns).withName(name).get();
              var status = pdb.getStatus();
              return status != null
                  && Objects.equals(
                      status.getObservedGeneration(), pdb.getMetadata().getGeneration())
                  && Objects.equals(status.getCurrentHealthy(), healthy)
                  && Objects.equals(status.getExpectedPods(), healthy)
                  && Objects.equals(status.getDisruptionsAllowed(), allowed);
            });
  }

  private static void deleteNow(String ns, String name) {
    admin.pods().inNamespace(ns).withName(name).withGracePeriod(0).delete();
    await().atMost(SETTLE).until(() -> admin.pods().inNamespace(ns).withName(name).get() == null);
  }

  private static String namespace(String name) {
    return Workloads.namespace(admin, name);
  }

  private static String node(String name) {
    return Workloads.node(admin, name);
  }

  private static ReplicaSet replicaSet(String ns, String app, int replicas) {
    return Workloads.replicaSet(ns, app, replicas);
  }

  private static PodDisruptionBudget budget(
      String ns,
      String app,
      java.util.function.UnaryOperator<
              io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpecBuilder>
          limit) {
    return Workloads.budget(ns, app, limit);
  }

  private static Pod pod(String ns, String name, String node, HasMetadata owner) {
    return Workloads.pod(ns, name, node, owner);
  }

  private static <T extends HasMetadata> T create(T object) {
    return admin.resource(object).create();
  }

  private static DaemonSet daemonSet(String ns, String app) {
    return Workloads.daemonSet(ns, app);
  }

  /** The API-server copy of a static pod, as the kubelet creates it: owned by its Node. */
  private static Pod mirrorPod(String ns, String name, String node) {
    String nodeUid = admin.nodes().withName(node).get().getMetadata().getUid();
    return new PodBuilder(pod(ns, name, node, null))
        .editMetadata()
        .addToAnnotations(DrainPlanner.MIRROR_ANNOTATION, "e2e-static-pod-hash")
        .addToOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("Node")
                .withName(node)
                .withUid(nodeUid)
                .withController(true)
                .build())
        .endMetadata()
        .build();
  }

  private static Eviction eviction(String ns, String name) {
    return new EvictionBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .build();
  }
}
