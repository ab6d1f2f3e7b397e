package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A drain a PodDisruptionBudget blocks is reported, not forced: after drainTimeout the pool says it
 * is stuck (condition and Event) and the pod stays; once the pool allows forcing, the pod goes and
 * so does the node.
 */
class PoolDrainTimeoutE2E {
  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void aBlockedDrainIsReportedAfterTheTimeoutAndForcedOnlyWhenThePoolAllowsIt() throws Exception {
    Path manifest = Files.createTempFile("stuck", ".yaml");
    Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: stuck
        spec:
          replicas: 2
          instanceTypes: [m8i.large]
          image: %s
          drainTimeout: 5s
        """
            .formatted(stack.moto().imageId));
    assertThat(stack.cluster().kubectl("apply", "-f", manifest.toString()).code()).isZero();
    E2E.awaitReady(admin, "stuck", 2);
    List<String> nodes = E2E.readyNodes(admin, "stuck");
    String ns = Workloads.namespace(admin, "drain-timeout");
    String spare = Workloads.node(admin, "spare-for-stuck");
    ReplicaSet db = admin.resource(Workloads.replicaSet(ns, "db", 2)).create();
    for (int i = 0; i < 2; i++) {
      admin.resource(Workloads.pod(ns, "db-" + i, nodes.get(i), db)).create();
      KubeletStandIn.markReady(admin, ns, "db-" + i);
    }
    admin
        .resource(Workloads.budget(ns, "db", b -> b.withMaxUnavailable(new IntOrString(0))))
        .create();

    try (KubeletStandIn kubelets = new KubeletStandIn(admin, ns, spare, false)) {
      assertThat(stack.cluster().kubectl("scale", "nvp/stuck", "--replicas=1").code()).isZero();

      await()
          .atMost(Duration.ofMinutes(2))
          .until(() -> scaled().map(c -> "DrainStuck".equals(c.reason)).orElse(false));
      assertThat(scaled().orElseThrow().message)
          .contains("drainTimeout 5s")
          .contains("PodDisruptionBudget");
      assertThat(events("stuck"))
          .filteredOn(e -> "DrainBlocked".equals(e.getReason()))
          .extracting(Event::getMessage)
          .as("one Event at the first refusal, one when drainTimeout passed")
          .anySatisfy(
              m ->
                  assertThat(m)
                      .contains("blocked by PodDisruptionBudget db")
                      .contains("retrying until drainTimeout 5s"))
          .anySatisfy(m -> assertThat(m).contains("has taken longer than drainTimeout 5s"))
          .hasSize(2);
      assertThat(admin.pods().inNamespace(ns).list().getItems())
          .as("no pod was forced out")
          .hasSize(2)
          .allMatch(p -> p.getMetadata().getDeletionTimestamp() == null);

      admin
          .resources(NestedVirtPool.class)
          .withName("stuck")
          .edit(
              p -> {
                p.getSpec().forceDrain = true;
                return p;
              });
      E2E.awaitReady(admin, "stuck", 1);
      assertThat(E2E.readyNodes(admin, "stuck")).hasSize(1);
      assertThat(kubelets.deletedPods).hasSize(1);
    } finally {
      stack.cluster().kubectl("delete", "nvp/stuck", "--wait=false");
    }
  }

  private Optional<Condition> scaled() {
    NestedVirtPool p = admin.resources(NestedVirtPool.class).withName("stuck").get();
    return p.getStatus().conditions.stream().filter(c -> c.type.equals("Scaled")).findFirst();
  }

  /** Events on the pool and on its machines (a drain is a machine's: its Events are there). */
  private List<Event> events(String pool) {
    return admin.v1().events().inNamespace("default").list().getItems().stream()
        .filter(
            e ->
                pool.equals(e.getInvolvedObject().getName())
                    || "NestedVirtInstance".equals(e.getInvolvedObject().getKind())
                        && e.getInvolvedObject().getName().startsWith(pool + "-"))
        .toList();
  }
}
