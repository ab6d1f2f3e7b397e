package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The operator's scale-down with KubeVirt VMs on its nodes, on the real API server: KubeVirt is
 * played by {@link VirtApiEvictionStandIn} (the eviction interceptor, called by the API server
 * through a real ValidatingWebhookConfiguration) and {@link MigrationControllerStandIn} (the
 * migrations); the VMs are VMIs with virt-launcher pods on the pool's nodes ({@link
 * VirtualMachines}). What is asserted is what an admin sees: where the VMs end, what was deleted,
 * the machines' Draining condition, the pool's Scaled condition and the Events.
 */
class VmDrainE2E {
  private static final AtomicInteger namespaces = new AtomicInteger();

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;
  private final List<String> pools = new ArrayList<>();
  private String ns;
  private VirtApiEvictionStandIn virtApi;
  private MigrationControllerStandIn migrations;
  private KubeletStandIn kubelets;

  @BeforeEach
  void standIns(TestInfo test) throws Exception {
    ns = Workloads.namespace(admin, "vm-drain-" + namespaces.incrementAndGet());
    virtApi = new VirtApiEvictionStandIn(admin);
    migrations = new MigrationControllerStandIn(admin);
    kubelets = new KubeletStandIn(admin, ns, Workloads.node(admin, ns + "-spare"), false);
    System.out.println("VmDrainE2E: " + test.getDisplayName() + " in namespace " + ns);
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      assertThat(virtApi.failures).as("eviction stand-in").isEmpty();
      assertThat(migrations.failures).as("migration stand-in").isEmpty();
      assertThat(kubelets.failures).as("kubelet stand-in").isEmpty();
    } finally {
      migrations.close();
      virtApi.close();
      // The test is over: its VMs go (as a VM owner would stop them), then its pools.
      KubeVirtObjects.vmis(admin).inNamespace(ns).withGracePeriod(0).delete();
      admin.pods().inNamespace(ns).withGracePeriod(0).delete();
      kubelets.close();
      for (String pool : pools) {
        stack.cluster().kubectl("delete", "nvp/" + pool, "--wait=false");
      }
      KubeVirtObjects.configure(admin, Map.of());
    }
  }

  @Test
  void everyVmOnTheRemovedNodeMigratesNoneIsKilledAndTheDrainReportsMigrating() throws Exception {
    pool("kv-move", 3, "");
    List<String> nodes = E2E.readyNodes(admin, "kv-move");
    // The least VM memory is on the first node, so the scale-down prefers it: two VMs to move.
    Map<String, String> placed = new LinkedHashMap<>();
    placed.put(vm("move-a", nodes.get(0), VirtualMachines.Spec.liveMigrate(256)), nodes.get(0));
    placed.put(vm("move-b", nodes.get(0), VirtualMachines.Spec.liveMigrate(256)), nodes.get(0));
    placed.put(vm("move-c", nodes.get(1), VirtualMachines.Spec.liveMigrate(1024)), nodes.get(1));
    placed.put(vm("move-d", nodes.get(2), VirtualMachines.Spec.liveMigrate(1024)), nodes.get(2));
    migrations.migrationTime(Duration.ofSeconds(3));

    try (MachineDrainWatch drains = new MachineDrainWatch(admin, Set.of("kv-move"))) {
      scale("kv-move", 2);
      E2E.awaitReady(admin, "kv-move", 2);

      List<String> kept = E2E.readyNodes(admin, "kv-move");
      List<String> removed = nodes.stream().filter(n -> !kept.contains(n)).toList();
      assertThat(removed).hasSize(1);
      String gone = removed.getFirst();
      List<String> moved =
          placed.entrySet().stream()
              .filter(e -> e.getValue().equals(gone))
              .map(Map.Entry::getKey)
              .toList();
      assertThat(moved).as("VMs were on the removed node %s", gone).isNotEmpty();
      assertThat(migrations.killed()).as("no VM killed").isEmpty();
      for (String vmi : placed.keySet()) {
        assertThat(KubeVirtObjects.nodeOf(VirtualMachines.vmi(admin, ns, vmi)))
            .as("VMI %s runs on a node that stays; %s", vmi, migrations.describe())
            .isIn(kept);
      }
      assertThat(drains.statesOfNode(gone))
          .as("the machine of %s reported the migrations, never stuck", gone)
          .anySatisfy(
              s ->
                  assertThat(s)
                      .startsWith("True Migrating: node " + gone + " cordoned, KubeVirt migrating"))
          .noneSatisfy(s -> assertThat(s).contains("DrainStuck"));
      List<String> expected =
          moved.stream()
              .map(
                  vmi ->
                      "VMI "
                          + ns
                          + "/"
                          + vmi
                          + " moved from node "
                          + gone
                          + " to node "
                          + KubeVirtObjects.nodeOf(VirtualMachines.vmi(admin, ns, vmi)))
              .toList();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(machineEvents("kv-move", "VmMigrated"))
                      .extracting(Event::getMessage)
                      .as("one VmMigrated Event per VM moved")
                      .containsExactlyInAnyOrderElementsOf(expected));
      assertThat(machineEvents("kv-move", "DrainBlocked")).isEmpty();
      assertThat(drains.failures).isEmpty();
    }
  }

  @Test
  void aVmThatCannotMovePinsItsNodeAndThePoolSaysSoWhenNoOtherNodeCanGo() throws Exception {
    pool("kv-pin", 3, "");
    List<String> nodes = E2E.readyNodes(admin, "kv-pin");
    // The pinned VM is the smallest: by VM memory alone its node would be the one to go.
    vm("pinned", nodes.get(0), VirtualMachines.Spec.pinned(256));
    vm("pin-b", nodes.get(1), VirtualMachines.Spec.liveMigrate(1024));
    vm("pin-c", nodes.get(2), VirtualMachines.Spec.liveMigrate(1024));
    Pod pinnedPod = VirtualMachines.launcherPod(admin, ns, "pinned", nodes.get(0));

    scale("kv-pin", 2);
    E2E.awaitReady(admin, "kv-pin", 2);

    List<String> kept = E2E.readyNodes(admin, "kv-pin");
    assertThat(kept).as("the pinned VM's node stays").contains(nodes.get(0)).hasSize(2);
    assertThat(KubeVirtObjects.nodeOf(VirtualMachines.vmi(admin, ns, "pinned")))
        .isEqualTo(nodes.get(0));
    assertThat(virtApi.answers)
        .as("the pinned VM's pod was never evicted")
        .noneMatch(a -> a.startsWith(ns + "/" + pinnedPod.getMetadata().getName() + ":"));
    assertThat(migrations.killed()).isEmpty();

    String other = kept.stream().filter(n -> !n.equals(nodes.get(0))).findFirst().orElseThrow();
    doNotDisrupt(other, true);
    scale("kv-pin", 1);

    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> scaled("kv-pin").map(c -> "ScaleDownBlocked".equals(c.reason)).orElse(false));
    Condition blocked = scaled("kv-pin").orElseThrow();
    assertThat(blocked.status).isEqualTo("False");
    assertThat(blocked.message)
        .contains("node " + nodes.get(0))
        .contains("VMI " + ns + "/pinned is LiveMigrate but not migratable")
        .contains("node " + other)
        .contains("the Node has nestedvirt.io/do-not-disrupt");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(poolEvents("kv-pin", "ScaleDownBlocked"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getMessage()).contains(ns + "/pinned").contains(other);
                        }));
    assertThat(E2E.machines(admin, "kv-pin")).hasSize(2);
    assertThat(E2E.readyNodes(admin, "kv-pin")).containsExactlyInAnyOrderElementsOf(kept);
    assertThat(migrations.killed()).isEmpty();
  }

  @Test
  void sixNodesWithVmsDrainingAcrossTwoPoolsAreNeverMoreThanThreeAtOnce() throws Exception {
    pool("kv-a", 4, "");
    pool("kv-b", 4, "");
    Map<String, String> placed = new LinkedHashMap<>();
    for (String pool : List.of("kv-a", "kv-b")) {
      List<String> nodes = E2E.readyNodes(admin, pool);
      for (int i = 0; i < nodes.size(); i++) {
        placed.put(
            vm(pool + "-vm-" + i, nodes.get(i), VirtualMachines.Spec.liveMigrate(512)), pool);
      }
    }
    migrations.migrationTime(Duration.ofSeconds(4));

    try (EvacuatingNodesWatch evacuating = new EvacuatingNodesWatch(admin, ns);
        MachineDrainWatch drains = new MachineDrainWatch(admin, Set.of("kv-a", "kv-b"))) {
      scale("kv-a", 1);
      scale("kv-b", 1);
      E2E.awaitReady(admin, "kv-a", 1);
      E2E.awaitReady(admin, "kv-b", 1);

      System.out.printf(
          "VmDrainE2E: at most %d nodes evacuated at once (%s)%n",
          evacuating.highest(), evacuating.highestState());
      assertThat(evacuating.highest())
          .as(
              "nodes KubeVirt evacuated at once (limits 5 and 2: 3); highest at %s",
              evacuating.highestState())
          .isBetween(1, 3);
      assertThat(drains.all().values().stream().flatMap(List::stream))
          .as("the limit held a node back: %s", drains.all())
          .anySatisfy(s -> assertThat(s).startsWith("False WaitingForMigrationSlot: 3 nodes"));
      for (var vm : placed.entrySet()) {
        assertThat(KubeVirtObjects.nodeOf(VirtualMachines.vmi(admin, ns, vm.getKey())))
            .as("VMI %s ends on its pool's remaining node", vm.getKey())
            .isIn(E2E.readyNodes(admin, vm.getValue()));
      }
      assertThat(migrations.killed()).isEmpty();
      assertThat(evacuating.failures).isEmpty();
      assertThat(drains.failures).isEmpty();
    }
  }

  @Test
  void aForcedDrainDeletesOrdinaryPodsAfterTheTimeoutButNeverAMigratingVm() throws Exception {
    pool("kv-force", 2, "  forceDrain: true\n  drainTimeout: 5s\n");
    List<String> nodes = E2E.readyNodes(admin, "kv-force");
    ReplicaSet app = admin.resource(Workloads.replicaSet(ns, "app", 2)).create();
    for (int i = 0; i < 2; i++) {
      vm("slow-" + i, nodes.get(i), VirtualMachines.Spec.liveMigrate(512));
      migrations.migrationTime(ns, "slow-" + i, Duration.ofSeconds(25));
      admin.resource(Workloads.pod(ns, "app-" + i, nodes.get(i), app)).create();
      KubeletStandIn.markReady(admin, ns, "app-" + i);
    }
    // No disruption allowed: only forcing moves the app's pod.
    admin
        .resource(Workloads.budget(ns, "app", b -> b.withMaxUnavailable(new IntOrString(0))))
        .create();

    try (MachineDrainWatch drains = new MachineDrainWatch(admin, Set.of("kv-force"))) {
      scale("kv-force", 1);
      E2E.awaitReady(admin, "kv-force", 1);

      String kept = E2E.readyNodes(admin, "kv-force").getFirst();
      String gone = nodes.stream().filter(n -> !n.equals(kept)).findFirst().orElseThrow();
      int i = nodes.indexOf(gone);
      assertThat(kubelets.deletedPods)
          .as("the forced drain deleted the app's pod the budget protected")
          .containsKey("app-" + i);
      assertThat(migrations.killed())
          .as("yet no launcher pod and no VMI was deleted; %s", migrations.describe())
          .isEmpty();
      assertThat(KubeVirtObjects.nodeOf(VirtualMachines.vmi(admin, ns, "slow-" + i)))
          .as("the VM moved instead")
          .isEqualTo(kept);
      assertThat(migrations.finished).contains(ns + "/slow-" + i + ": " + gone + " -> " + kept);
      assertThat(drains.statesOfNode(gone))
          .anySatisfy(s -> assertThat(s).startsWith("True Migrating:"))
          .noneSatisfy(s -> assertThat(s).contains("DrainStuck"));
    }
  }

  @Test
  void aVmWhoseMigrationKeepsFailingMakesTheDrainStuckNamingItUntilKubeVirtMovesIt()
      throws Exception {
    pool("kv-fail", 2, "");
    List<String> nodes = E2E.readyNodes(admin, "kv-fail");
    for (int i = 0; i < 2; i++) {
      vm("failing-" + i, nodes.get(i), VirtualMachines.Spec.liveMigrate(512));
      // Five failures of 3 s each: the third leaves the drain stuck for two more attempts.
      migrations.failFirst(ns, "failing-" + i, 5);
    }
    migrations.migrationTime(Duration.ofSeconds(3));

    try (MachineDrainWatch drains = new MachineDrainWatch(admin, Set.of("kv-fail"))) {
      scale("kv-fail", 1);
      E2E.awaitReady(admin, "kv-fail", 1);

      String kept = E2E.readyNodes(admin, "kv-fail").getFirst();
      String gone = nodes.stream().filter(n -> !n.equals(kept)).findFirst().orElseThrow();
      String vmi = ns + "/failing-" + nodes.indexOf(gone);
      assertThat(drains.statesOfNode(gone))
          .as("stuck while the migrations failed, naming the VMI")
          .anySatisfy(
              s ->
                  assertThat(s)
                      .startsWith("True DrainStuck: draining node " + gone)
                      .contains("the migration of VMI " + vmi + " has failed"));
      assertThat(machineEvents("kv-fail", "DrainBlocked"))
          .extracting(Event::getMessage)
          .anySatisfy(m -> assertThat(m).contains("the migration of VMI " + vmi));
      assertThat(migrations.finished)
          .filteredOn(f -> f.startsWith(vmi + ":"))
          .as("KubeVirt kept trying and the sixth migration moved it")
          .hasSize(6)
          .last()
          .isEqualTo(vmi + ": " + gone + " -> " + kept);
      assertThat(migrations.killed()).isEmpty();
      assertThat(drains.failures).isEmpty();
    }
  }

  @Test
  void aNodeWhoseVmsFitNowhereElseWaitsForItsSuccessorBeforeItDrains() throws Exception {
    pool("kv-room", 2, "");
    List<String> nodes = E2E.readyNodes(admin, "kv-room");
    String full = nodes.get(0);
    // Launchers of 2 GiB guests request 2340 Mi each; an m8i.large node has 6299 Mi allocatable:
    // the other node, with one VM already, has room for one of the two, not both.
    vm("room-a", full, VirtualMachines.Spec.liveMigrate(2048));
    vm("room-b", full, VirtualMachines.Spec.liveMigrate(2048));
    vm("room-c", nodes.get(1), VirtualMachines.Spec.liveMigrate(2048));
    String machine =
        E2E.machines(admin, "kv-room").stream()
            .filter(m -> full.equals(m.getStatus().nodeName))
            .findFirst()
            .orElseThrow()
            .getMetadata()
            .getName();

    try (MachineDrainWatch drains = new MachineDrainWatch(admin, Set.of("kv-room"))) {
      Tool.Result deleted = stack.cluster().kubectl("delete", "nvi/" + machine, "--wait=false");
      assertThat(deleted.code()).as(deleted.output()).isZero();
      await()
          .atMost(Duration.ofMinutes(3))
          .until(
              () ->
                  admin
                          .resources(io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance.class)
                          .withName(machine)
                          .get()
                      == null);
      E2E.awaitReady(admin, "kv-room", 2);

      List<String> states = drains.statesOfNode(full);
      int waited = indexOf(states, "False WaitingForRoom: the VMs on node " + full);
      int migrating = indexOf(states, "True Migrating:");
      assertThat(waited).as("waited for room first: %s", states).isNotNegative();
      assertThat(migrating).as("then migrated: %s", states).isGreaterThan(waited);
      List<String> now = E2E.readyNodes(admin, "kv-room");
      assertThat(now).doesNotContain(full).contains(nodes.get(1));
      for (String vmi : List.of("room-a", "room-b", "room-c")) {
        assertThat(KubeVirtObjects.nodeOf(VirtualMachines.vmi(admin, ns, vmi)))
            .as("VMI %s", vmi)
            .isIn(now);
      }
      assertThat(migrations.killed()).isEmpty();
      assertThat(stack.moto().instances("kv-room", "running")).hasSize(2);
    }
  }

  /** The index of the first state that starts with {@code prefix}, or -1. */
  private static int indexOf(List<String> states, String prefix) {
    for (int i = 0; i < states.size(); i++) {
      if (states.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void doNotDisruptOnAPodOrANodeHoldsThatNodeOnScaleDown() throws Exception {
    pool("kv-hold", 3, "");
    List<String> nodes = E2E.readyNodes(admin, "kv-hold");
    Pod held = Workloads.pod(ns, "held", nodes.get(0), null);
    held.getMetadata().setAnnotations(Map.of("nestedvirt.io/do-not-disrupt", "true"));
    admin.resource(held).create();
    KubeletStandIn.markReady(admin, ns, "held");
    doNotDisrupt(nodes.get(1), true);

    scale("kv-hold", 1);

    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                E2E.machines(admin, "kv-hold").size() == 2
                    && scaled("kv-hold")
                        .map(c -> "ScaleDownBlocked".equals(c.reason))
                        .orElse(false));
    assertThat(E2E.readyNodes(admin, "kv-hold"))
        .containsExactlyInAnyOrder(nodes.get(0), nodes.get(1));
    assertThat(scaled("kv-hold").orElseThrow().message)
        .contains("node " + nodes.get(0))
        .contains("pod " + ns + "/held has nestedvirt.io/do-not-disrupt")
        .contains("node " + nodes.get(1))
        .contains("the Node has nestedvirt.io/do-not-disrupt");
    assertThat(admin.pods().inNamespace(ns).withName("held").get().getMetadata())
        .as("the held pod was not evicted")
        .satisfies(m -> assertThat(m.getDeletionTimestamp()).isNull());

    // Released, the Node goes and the pod's node stays.
    doNotDisrupt(nodes.get(1), false);
    E2E.awaitReady(admin, "kv-hold", 1);
    assertThat(E2E.readyNodes(admin, "kv-hold")).containsExactly(nodes.get(0));
  }

  /** Applies a pool of m8i.large on moto's image, with extra spec lines, and waits until Ready. */
  private void pool(String name, int replicas, String extraSpec) throws Exception {
    Path manifest = Files.createTempFile(name, ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: %s
        spec:
          replicas: %d
          instanceTypes: [m8i.large]
          image: %s
        %s"""
            .formatted(name, replicas, stack.moto().imageId, extraSpec));
    Tool.Result applied = stack.cluster().kubectl("apply", "-f", manifest.toString());
    assertThat(applied.code()).as(applied.output()).isZero();
    pools.add(name);
    E2E.awaitReady(admin, name, replicas);
  }

  /**
   * Sets or removes nestedvirt.io/do-not-disrupt on a Node (a merge patch, as kubectl annotate).
   */
  private void doNotDisrupt(String node, boolean hold) {
    admin
        .nodes()
        .withName(node)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"nestedvirt.io/do-not-disrupt\":"
                + (hold ? "\"true\"" : "null")
                + "}}}");
  }

  private void scale(String pool, int replicas) {
    Tool.Result scaled = stack.cluster().kubectl("scale", "nvp/" + pool, "--replicas=" + replicas);
    assertThat(scaled.code()).as(scaled.output()).isZero();
  }

  /** A VM on {@code node}; returns its name. */
  private String vm(String name, String node, VirtualMachines.Spec spec) {
    VirtualMachines.create(admin, ns, name, node, spec);
    return name;
  }

  private Optional<Condition> scaled(String pool) {
    NestedVirtPool p = admin.resources(NestedVirtPool.class).withName(pool).get();
    return p.getStatus().conditions.stream().filter(c -> c.type.equals("Scaled")).findFirst();
  }

  /** Events with {@code reason} on the pool's machines (cluster-scoped: in namespace default). */
  private List<Event> machineEvents(String pool, String reason) {
    return admin.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .filter(e -> "NestedVirtInstance".equals(e.getInvolvedObject().getKind()))
        .filter(e -> e.getInvolvedObject().getName().startsWith(pool + "-"))
        .toList();
  }

  private List<Event> poolEvents(String pool, String reason) {
    return admin.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .filter(e -> "NestedVirtPool".equals(e.getInvolvedObject().getKind()))
        .filter(e -> pool.equals(e.getInvolvedObject().getName()))
        .toList();
  }
}
