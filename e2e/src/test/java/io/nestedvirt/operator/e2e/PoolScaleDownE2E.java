package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The operator's scale-down drains through the real Eviction API, and the real disruption
 * controller's PodDisruptionBudget decides: an app with one pod on each of the pool's four nodes
 * and a budget of one disruption at a time keeps at least three Ready pods while the pool goes from
 * 4 to 1. {@link KubeletStandIn} plays the kubelets, ReplicaSet controller and scheduler for the
 * app's pods (this tier runs none); the replacements land on a spare node outside the pool.
 */
class PoolScaleDownE2E {
  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void aBudgetOfOneDisruptionIsNeverViolatedWhileThePoolScalesFromFourToOne() throws Exception {
    Path manifest = Files.createTempFile("pdb", ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: budget
        spec:
          replicas: 4
          instanceTypes: [m8i.large]
          image: %s
        """
            .formatted(stack.moto().imageId));
    assertThat(stack.cluster().kubectl("apply", "-f", manifest.toString()).code()).isZero();
    E2E.awaitReady(admin, "budget", 4);
    List<String> nodes = E2E.readyNodes(admin, "budget");
    assertThat(nodes).hasSize(4);

    String ns = Workloads.namespace(admin, "pool-scale-down");
    String spare = Workloads.node(admin, "spare-node");
    ReplicaSet web = admin.resource(Workloads.replicaSet(ns, "web", 4)).create();
    for (int i = 0; i < 4; i++) {
      admin.resource(Workloads.pod(ns, "web-" + i, nodes.get(i), web)).create();
      KubeletStandIn.markReady(admin, ns, "web-" + i);
    }
    PodDisruptionBudget budget =
        admin
            .resource(Workloads.budget(ns, "web", b -> b.withMaxUnavailable(new IntOrString(1))))
            .create();
    awaitBudgetAllows(ns, budget.getMetadata().getName(), 1);

    try (ReadyPodsWatch ready = new ReadyPodsWatch(admin, ns, "web");
        KubeletStandIn kubelets = new KubeletStandIn(admin, ns, spare, false)) {
      Tool.Result scaled = stack.cluster().kubectl("scale", "nvp/budget", "--replicas=1");
      assertThat(scaled.code()).as(scaled.output()).isZero();

      E2E.awaitReady(admin, "budget", 1);

      assertThat(ready.lowest())
          .as("Ready pods never below 3 of 4 (maxUnavailable 1); lowest at %s", ready.lowestState())
          .isGreaterThanOrEqualTo(3);
      assertThat(kubelets.deletedPods)
          .as("the pods of the three removed nodes were evicted")
          .hasSize(3);
      assertThat(kubelets.failures).isEmpty();
      String kept = E2E.readyNodes(admin, "budget").getFirst();
      for (String node : nodes) {
        if (!node.equals(kept)) {
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> admin.nodes().withName(node).get() == null);
        }
      }
      assertThat(stack.moto().instances("budget", "running").size()).isEqualTo(1);
    } finally {
      stack.cluster().kubectl("delete", "nvp/budget", "--wait=false");
    }
  }

  private void awaitBudgetAllows(String ns, String name, int allowed) {
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () -> {
              PodDisruptionBudget pdb =
                  admin.policy().v1().podDisruptionBudget().inNamespace(ns).withName(name).get();
              return pdb.getStatus() != null
                  && Objects.equals(
                      pdb.getStatus().getObservedGeneration(), pdb.getMetadata().getGeneration())
                  && Objects.equals(pdb.getStatus().getDisruptionsAllowed(), allowed);
            });
  }
}
