package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.node.drain.PodEvictions;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's API server answers the Eviction API as kube-apiserver does for a drain, with the
 * budgets' status as written (no disruption controller), and filters a node's pods by field
 * selector: the operator's own eviction client ({@link PodEvictions}) is the caller.
 */
class EvictionsTest {
  private final EmbeddedApiServer api = EmbeddedApiServer.start();
  private final KubernetesClient client = api.client();
  private final PodEvictions evictions = new PodEvictions(client);

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aPodWithoutABudgetIsEvictedAndGone() {
    Pod pod = client.resource(pod("free", "node-1", "web")).create();
    assertThat(evictions.evict(pod)).isEqualTo(PodEvictions.Outcome.ACCEPTED);
    assertThat(client.pods().inNamespace("apps").withName("free").get()).isNull();
    assertThat(evictions.evict(pod)).as("a pod that is gone").isEqualTo(PodEvictions.Outcome.GONE);
  }

  @Test
  void aBudgetThatAllowsNoDisruptionRefusesWith429AndOneThatAllowsOneLetsOneGo() {
    budget(0);
    Pod first = client.resource(pod("guarded-1", "node-1", "db")).create();
    Pod second = client.resource(pod("guarded-2", "node-1", "db")).create();
    assertThat(evictions.evict(first)).isEqualTo(PodEvictions.Outcome.REFUSED);
    assertThat(client.pods().inNamespace("apps").withName("guarded-1").get()).isNotNull();

    budget(1);
    assertThat(evictions.evict(first)).isEqualTo(PodEvictions.Outcome.ACCEPTED);
    assertThat(evictions.evict(second))
        .as("the accepted eviction took the one allowed disruption")
        .isEqualTo(PodEvictions.Outcome.REFUSED);
  }

  @Test
  void aTerminatingPodGoesWithoutAskingItsBudget() {
    budget(0);
    client
        .resource(
            new PodBuilder(pod("held", "node-1", "db"))
                .editMetadata()
                .addToFinalizers("example.com/hold")
                .endMetadata()
                .build())
        .create();
    client.pods().inNamespace("apps").withName("held").delete();
    Pod terminating = client.pods().inNamespace("apps").withName("held").get();
    assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(evictions.evict(terminating)).isEqualTo(PodEvictions.Outcome.ACCEPTED);
  }

  @Test
  void aStaleResourceVersionConflictsAndTwoBudgetsAreAnError() {
    Pod pod = client.resource(pod("p", "node-1", "db")).create();
    client
        .pods()
        .inNamespace("apps")
        .withName("p")
        .edit(p -> new PodBuilder(p).editMetadata().addToLabels("x", "y").endMetadata().build());
    assertThat(evictions.evict(pod)).isEqualTo(PodEvictions.Outcome.CHANGED);

    budget(1);
    client
        .resource(
            new PodDisruptionBudgetBuilder(budgetNamed("second", 1))
                .editSpec()
                .withNewSelector()
                .addToMatchLabels("app", "db")
                .endSelector()
                .endSpec()
                .build())
        .create();
    Pod current = client.pods().inNamespace("apps").withName("p").get();
    try {
      evictions.evict(current);
      throw new AssertionError("two budgets over one pod must fail the eviction");
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).isEqualTo(500);
    }
  }

  @Test
  void aNodesPodsAreListedByFieldSelector() {
    client.resource(pod("a", "node-1", "web")).create();
    client.resource(pod("b", "node-2", "web")).create();
    List<Pod> onNode1 =
        client.pods().inAnyNamespace().withField("spec.nodeName", "node-1").list().getItems();
    assertThat(onNode1).extracting(p -> p.getMetadata().getName()).containsExactly("a");
  }

  private void budget(int allowed) {
    PodDisruptionBudget budget = budgetNamed("db", allowed);
    client.resource(budget).createOr(existing -> existing.update());
    client.resource(budget).updateStatus();
  }

  private static PodDisruptionBudget budgetNamed(String name, int allowed) {
    return new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withNamespace("apps")
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", "db")
        .endSelector()
        .withMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(0))
        .endSpec()
        .withNewStatus()
        .withDisruptionsAllowed(allowed)
        .endStatus()
        .build();
  }

  static Pod pod(String name, String node, String app) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace("apps")
        .withName(name)
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("app")
        .withImage("registry.k8s.io/pause:3.10")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .endStatus()
        .build();
  }
}
