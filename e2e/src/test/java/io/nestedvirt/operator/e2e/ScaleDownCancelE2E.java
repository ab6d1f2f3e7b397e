package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A scale-down is taken back when replicas rise again, on the real API server: the real Eviction
 * API and disruption controller decide what the drains evict, the operator marks and unmarks its
 * machines with the chart's RBAC. A pool of 3 scaled to 1, with a budget that allows no disruption
 * of the app on the two victims, and raised back to 3 keeps the victim whose drain evicted nothing
 * (its instance, its node uncordoned) and launches one machine in place of the victim whose drain
 * had evicted a pod.
 */
class ScaleDownCancelE2E {
  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void raisingReplicasTakesBackTheDrainThatEvictedNothing() throws Exception {
    E2E.applyPool("takeback", 3, "m8i.large");
    E2E.awaitReady(admin, "takeback", 3);
    Map<String, NestedVirtInstance> byNode =
        E2E.machines(admin, "takeback").stream()
            .collect(Collectors.toMap(m -> m.getStatus().nodeName, Function.identity()));
    List<String> nodes = byNode.keySet().stream().sorted().toList();
    String keep = nodes.get(0);
    String evicting = nodes.get(1);
    String idle = nodes.get(2);

    String ns = Workloads.namespace(admin, "take-back");
    String spare = Workloads.node(admin, "spare-for-takeback");
    ReplicaSet web = admin.resource(Workloads.replicaSet(ns, "web", 4)).create();
    ReplicaSet db = admin.resource(Workloads.replicaSet(ns, "db", 2)).create();
    // Scale-down takes the Ready nodes with the fewest pods: idle (1 pod), then evicting (2).
    for (int i = 0; i < 3; i++) {
      admin.resource(Workloads.pod(ns, "web-" + i, keep, web)).create();
      KubeletStandIn.markReady(admin, ns, "web-" + i);
    }
    admin.resource(Workloads.pod(ns, "web-3", evicting, web)).create();
    KubeletStandIn.markReady(admin, ns, "web-3");
    admin.resource(Workloads.pod(ns, "db-0", evicting, db)).create();
    KubeletStandIn.markReady(admin, ns, "db-0");
    admin.resource(Workloads.pod(ns, "db-1", idle, db)).create();
    KubeletStandIn.markReady(admin, ns, "db-1");
    admin
        .resource(Workloads.budget(ns, "db", b -> b.withMaxUnavailable(new IntOrString(0))))
        .create();

    try (KubeletStandIn kubelets = new KubeletStandIn(admin, ns, spare, false)) {
      assertThat(stack.cluster().kubectl("scale", "nvp/takeback", "--replicas=1").code()).isZero();
      await()
          .atMost(Duration.ofMinutes(2))
          .untilAsserted(
              () -> {
                NestedVirtInstance e = machine(byNode.get(evicting));
                NestedVirtInstance i = machine(byNode.get(idle));
                assertThat(e.getStatus().evictedPods).isEqualTo(1);
                assertThat(i.getStatus().phase).isEqualTo("Draining");
                assertThat(draining(i)).contains("blocked by PodDisruptionBudget db");
                assertThat(admin.nodes().withName(idle).get().getSpec().getUnschedulable())
                    .isTrue();
              });
      assertThat(kubelets.deletedPods.keySet()).containsExactly("web-3");

      assertThat(stack.cluster().kubectl("scale", "nvp/takeback", "--replicas=3").code()).isZero();
      await()
          .atMost(Duration.ofMinutes(2))
          .untilAsserted(
              () -> {
                NestedVirtInstance i = machine(byNode.get(idle));
                assertThat(i.isScaleDownVictim()).isFalse();
                assertThat(i.getStatus().phase).isEqualTo("Ready");
                assertThat(admin.nodes().withName(idle).get().getSpec().getUnschedulable())
                    .as("node %s uncordoned", idle)
                    .isNotEqualTo(Boolean.TRUE);
                assertThat(pool().getStatus().readyReplicas).isEqualTo(3);
              });
      assertThat(machine(byNode.get(evicting)).isScaleDownVictim())
          .as("a drain that evicted a pod goes on")
          .isTrue();
      assertThat(
              stack
                  .moto()
                  .instances("takeback", "pending", "running", "shutting-down", "terminated"))
          .as("3 launched for the pool, 1 for the drain that evicted a pod, none for the other")
          .hasSize(4);
      assertThat(stack.moto().instances("takeback", "running"))
          .extracting(i -> i.instanceId())
          .contains(byNode.get(keep).instanceId(), byNode.get(idle).instanceId());
      assertThat(kubelets.failures).isEmpty();
    } finally {
      // Let the remaining drain finish so the pool can go.
      admin
          .resources(NestedVirtPool.class)
          .withName("takeback")
          .edit(
              p -> {
                p.getSpec().forceDrain = true;
                p.getSpec().drainTimeout = "1s";
                return p;
              });
      stack.cluster().kubectl("delete", "nvp/takeback", "--wait=false");
    }
  }

  private NestedVirtPool pool() {
    return admin.resources(NestedVirtPool.class).withName("takeback").get();
  }

  private NestedVirtInstance machine(NestedVirtInstance m) {
    return admin.resources(NestedVirtInstance.class).withName(m.name()).get();
  }

  private static String draining(NestedVirtInstance m) {
    return m.getStatus().conditions.stream()
        .filter(c -> "Draining".equals(c.type))
        .map(c -> c.message)
        .findFirst()
        .orElse("");
  }
}
