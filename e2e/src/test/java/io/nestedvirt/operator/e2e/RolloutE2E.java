package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rolling replacement (issue 17) on the real API server, with the real disruption controller
 * computing the PodDisruptionBudget and KubeVirt played by {@link VirtApiEvictionStandIn} and
 * {@link MigrationControllerStandIn}: a pool of 3 whose instance types change is replaced with the
 * default budget (maxSurge 1, maxUnavailable 0) while an app with a budget of one disruption and a
 * migrating VM run on its nodes. Nothing reschedules here: {@link KubeletStandIn} plays the
 * ReplicaSet controller, scheduler and kubelets for the app, putting each evicted pod's replacement
 * on a spare node outside the pool; its first replacements are held (a slow image pull) so that the
 * budget surely refuses an eviction before they are released.
 */
class RolloutE2E {
  private static final String POOL = "rollout";
  private static final String NS = "rollout-e2e";

  /** Two app pods per node: draining one node needs two disruptions, the budget allows one. */
  private static final int APP_PODS = 6;

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;
  private VirtApiEvictionStandIn virtApi;
  private MigrationControllerStandIn migrations;
  private KubeletStandIn kubelets;
  private Watch poolWatch;

  @BeforeEach
  void standIns() throws Exception {
    Workloads.namespace(admin, NS);
    virtApi = new VirtApiEvictionStandIn(admin);
    migrations = new MigrationControllerStandIn(admin);
    kubelets = new KubeletStandIn(admin, NS, Workloads.node(admin, NS + "-spare"), true);
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      assertThat(virtApi.failures).as("eviction stand-in").isEmpty();
      assertThat(migrations.failures).as("migration stand-in").isEmpty();
      assertThat(kubelets.failures).as("kubelet stand-in").isEmpty();
    } finally {
      if (poolWatch != null) {
        poolWatch.close();
      }
      migrations.close();
      virtApi.close();
      // The test is over: its VM goes (as its owner would stop it), then its app and pool.
      KubeVirtObjects.vmis(admin).inNamespace(NS).withGracePeriod(0).delete();
      admin.pods().inNamespace(NS).withGracePeriod(0).delete();
      kubelets.close();
      stack.cluster().kubectl("delete", "nvp/" + POOL, "--wait=false");
    }
  }

  @Test
  void changedInstanceTypesReplaceEveryNodeWithinTheBudgetsAndTheVmMigratesNeverDeleted()
      throws Exception {
    E2E.applyPool(POOL, 3, "m8i.large");
    E2E.awaitReady(admin, POOL, 3);
    List<NestedVirtInstance> before = E2E.machines(admin, POOL);
    List<String> oldNodes = before.stream().map(m -> m.getStatus().nodeName).toList();
    List<String> oldInstances = before.stream().map(m -> m.getStatus().instanceId).toList();
    assertThat(oldNodes).hasSize(3).doesNotContainNull();

    ReplicaSet web = admin.resource(Workloads.replicaSet(NS, "web", APP_PODS)).create();
    for (int i = 0; i < APP_PODS; i++) {
      admin.resource(Workloads.pod(NS, "web-" + i, oldNodes.get(i % 3), web)).create();
      KubeletStandIn.markReady(admin, NS, "web-" + i);
    }
    PodDisruptionBudget budget =
        admin
            .resource(Workloads.budget(NS, "web", b -> b.withMaxUnavailable(new IntOrString(1))))
            .create();
    awaitBudgetAllows(budget.getMetadata().getName(), 1);
    GenericKubernetesResource vm =
        VirtualMachines.create(
            admin, NS, "guest", oldNodes.get(0), VirtualMachines.Spec.liveMigrate(512));
    String vmUid = vm.getMetadata().getUid();
    List<Integer> readyReplicas = sampleReadyReplicas();

    try (ReadyPodsWatch ready = new ReadyPodsWatch(admin, NS, "web");
        MachineDrainWatch drains = new MachineDrainWatch(admin, Set.of(POOL));
        PoolMachinesWatch machines = new PoolMachinesWatch(admin, POOL)) {
      Tool.Result patched =
          stack
              .cluster()
              .kubectl(
                  "patch",
                  "nvp/" + POOL,
                  "--type=merge",
                  "-p",
                  "{\"spec\":{\"instanceTypes\":[\"c8i.large\"]}}");
      assertThat(patched.code()).as(patched.output()).isZero();

      // The first drained node's second app pod: refused while the first one's replacement is
      // not Ready (held), so the budget is seen holding, not merely never tested.
      await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () ->
                  drains.all().values().stream()
                      .flatMap(List::stream)
                      .anyMatch(s -> s.contains("blocked by PodDisruptionBudget web")));
      assertThat(ready.ready()).as("while the budget holds: %s", ready.describe()).isEqualTo(5);
      kubelets.releaseReplacements();

      awaitRolledTo("c8i.large");

      assertThat(ready.lowest())
          .as(
              "Ready app pods never below 5 of 6 (maxUnavailable 1); lowest at %s",
              ready.lowestState())
          .isEqualTo(APP_PODS - 1);
      assertThat(ready.failures).isEmpty();
      assertThat(kubelets.deletedPods.keySet())
          .as("each app pod of the old nodes went once")
          .containsExactlyInAnyOrderElementsOf(
              java.util.stream.IntStream.range(0, APP_PODS).mapToObj(i -> "web-" + i).toList());
      kubelets.deletedPods.values().forEach(RolloutE2E::assertEvictedThroughTheEvictionApi);
      assertThat(machineEvents("DrainBlocked"))
          .as("the budget's refusals were reported, not forced through")
          .isNotEmpty()
          .allSatisfy(
              e -> assertThat(e.getMessage()).contains("blocked by PodDisruptionBudget web"));
      assertThat(drains.all().values().stream().flatMap(List::stream))
          .noneSatisfy(s -> assertThat(s).contains("DrainStuck"));
      assertThat(drains.failures).isEmpty();

      List<String> newNodes = E2E.readyNodes(admin, POOL);
      GenericKubernetesResource guest = VirtualMachines.vmi(admin, NS, "guest");
      assertThat(guest).as("the VMI survives").isNotNull();
      assertThat(guest.getMetadata().getUid()).as("the same VMI, not a new one").isEqualTo(vmUid);
      assertThat(KubeVirtObjects.nodeOf(guest))
          .as("the VM runs on a new node; %s", migrations.describe())
          .isIn(newNodes);
      assertThat(migrations.killed()).as("no VMI, no running virt-launcher pod deleted").isEmpty();
      assertThat(migrations.finished)
          .as("moved by migrations only, at most once per old node, first off its own")
          .isNotEmpty()
          .hasSizeLessThanOrEqualTo(3)
          .allSatisfy(f -> assertThat(f).startsWith(NS + "/guest: ").doesNotContain("failed"))
          .first()
          .satisfies(f -> assertThat(f).startsWith(NS + "/guest: " + oldNodes.get(0) + " -> "));

      System.out.printf(
          "RolloutE2E: readyReplicas %s; at most %d machines (%s); the VM's moves %s%n",
          readyReplicas, machines.highest(), machines.highestState(), migrations.finished);
      assertThat(readyReplicas)
          .as("readyReplicas at every status change of the pool")
          .isNotEmpty()
          .allMatch(r -> r >= 3);
      assertThat(machines.highest())
          .as(
              "machines not being deleted never above 3 + maxSurge 1; most at %s",
              machines.highestState())
          .isEqualTo(4);
      assertThat(machines.failures).isEmpty();
      assertThat(poolEvents("Replacing"))
          .as("one Replacing Event per old machine")
          .hasSize(3)
          .allSatisfy(
              e ->
                  assertThat(e.getMessage())
                      .contains(
                          "drifted: instanceType m8i.large is no longer in spec.instanceTypes"));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(poolEvents("RolloutComplete"))
                      .singleElement()
                      .satisfies(e -> assertThat(e.getMessage()).endsWith("3 replaced")));

      NestedVirtPool pool = admin.resources(NestedVirtPool.class).withName(POOL).get();
      assertThat(pool.getStatus().updatedReplicas).isEqualTo(3);
      assertThat(pool.getStatus().rollout.replaced).isEqualTo(3);
      assertThat(stack.moto().instances(POOL, "terminated"))
          .extracting(software.amazon.awssdk.services.ec2.model.Instance::instanceId)
          .as("the old instances are terminated")
          .containsAll(oldInstances);
      assertThat(stack.moto().instances(POOL, "pending", "running"))
          .as("3 instances run, all of the new type")
          .hasSize(3)
          .allSatisfy(i -> assertThat(i.instanceTypeAsString()).isEqualTo("c8i.large"));
    }
  }

  /**
   * Until the pool has 3 Ready c8i.large machines, says NodesUpToDate for its generation and moto
   * runs exactly 3 of its instances.
   */
  private void awaitRolledTo(String type) {
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              List<NestedVirtInstance> machines = E2E.machines(admin, POOL);
              NestedVirtPool p = admin.resources(NestedVirtPool.class).withName(POOL).get();
              return machines.size() == 3
                  && machines.stream()
                      .allMatch(
                          m ->
                              type.equals(m.getSpec().instanceType)
                                  && m.getStatus() != null
                                  && "Ready".equals(m.getStatus().phase))
                  && p.getStatus() != null
                  && p.getStatus().conditions.stream()
                      .anyMatch(
                          c ->
                              c.type.equals("NodesUpToDate")
                                  && c.status.equals("True")
                                  && p.getMetadata().getGeneration().equals(c.observedGeneration))
                  && stack.moto().instances(POOL, "pending", "running", "stopping").size() == 3;
            });
  }

  /** The pool's readyReplicas at every event of a watch on it (every write to it). */
  private List<Integer> sampleReadyReplicas() {
    List<Integer> samples = new CopyOnWriteArrayList<>();
    poolWatch =
        admin
            .resources(NestedVirtPool.class)
            .withName(POOL)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, NestedVirtPool p) {
                    if (p.getStatus() != null && p.getStatus().readyReplicas != null) {
                      samples.add(p.getStatus().readyReplicas);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {
                    samples.add(-1); // a closed watch may have missed a state: fail
                  }
                });
    return samples;
  }

  private void awaitBudgetAllows(String name, int allowed) {
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () -> {
              PodDisruptionBudget pdb =
                  admin.policy().v1().podDisruptionBudget().inNamespace(NS).withName(name).get();
              return pdb.getStatus() != null
                  && Objects.equals(
                      pdb.getStatus().getObservedGeneration(), pdb.getMetadata().getGeneration())
                  && Objects.equals(pdb.getStatus().getDisruptionsAllowed(), allowed);
            });
  }

  private static void assertEvictedThroughTheEvictionApi(Pod pod) {
    PodCondition target =
        pod.getStatus().getConditions().stream()
            .filter(c -> "DisruptionTarget".equals(c.getType()))
            .findFirst()
            .orElse(null);
    assertThat(target)
        .as("%s carries the condition the Eviction API adds", pod.getMetadata().getName())
        .isNotNull();
    assertThat(target.getReason()).isEqualTo("EvictionByEvictionAPI");
  }

  private List<Event> poolEvents(String reason) {
    return admin.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .filter(e -> "NestedVirtPool".equals(e.getInvolvedObject().getKind()))
        .filter(e -> POOL.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** Events with {@code reason} on the pool's machines (cluster-scoped: in namespace default). */
  private List<Event> machineEvents(String reason) {
    return admin.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .filter(e -> "NestedVirtInstance".equals(e.getInvolvedObject().getKind()))
        .filter(e -> e.getInvolvedObject().getName().startsWith(POOL + "-"))
        .toList();
  }
}
