package io.nestedvirt.operator.node.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

/**
 * The cordon half of {@link NodeDrainer} against fabric8's mock API server in CRUD mode. The mock
 * has no eviction subresource and returns nothing for the {@code spec.nodeName} field selector, so
 * it sees every node as empty: evictions and budgets are proven on a real API server ({@code
 * NodeDrainE2E}).
 */
@EnableKubernetesMockClient(crud = true)
class NodeDrainerCordonTest {
  static KubernetesClient client;

  /** The mock server logs every request through java.util.logging; held so the level sticks. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  @Test
  void cordonMarksTheNodeUnschedulableAndKeepsEverythingElse() {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("n1")
                .addToLabels("nestedvirt.io/pool", "kubevirt")
                .addToAnnotations("note", "kept")
                .endMetadata()
                .withNewSpec()
                .withProviderID("aws:///us-east-1a/i-0123")
                .addNewTaint()
                .withKey("nestedvirt.io/unverified")
                .withEffect("NoSchedule")
                .endTaint()
                .endSpec()
                .build())
        .create();

    DrainStep step = new NodeDrainer(client).drain("n1", false);

    Node node = client.nodes().withName("n1").get();
    assertThat(node.getSpec().getUnschedulable()).isTrue();
    assertThat(node.getSpec().getProviderID()).isEqualTo("aws:///us-east-1a/i-0123");
    assertThat(node.getSpec().getTaints())
        .extracting(t -> t.getKey() + ":" + t.getEffect())
        .containsExactly("nestedvirt.io/unverified:NoSchedule");
    assertThat(node.getMetadata().getLabels()).containsEntry("nestedvirt.io/pool", "kubevirt");
    assertThat(node.getMetadata().getAnnotations()).containsEntry("note", "kept");
    assertThat(step.done()).as(step.summary()).isTrue();
    assertThat(step.podsLeft()).isZero();
  }

  @Test
  void anAlreadyCordonedNodeIsNotWrittenAgain() {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName("n2")
                .endMetadata()
                .withNewSpec()
                .withUnschedulable(true)
                .endSpec()
                .build())
        .create();
    String before = client.nodes().withName("n2").get().getMetadata().getResourceVersion();

    NodeDrainer drainer = new NodeDrainer(client);
    drainer.drain("n2", false);
    drainer.drain("n2", true);

    assertThat(client.nodes().withName("n2").get().getMetadata().getResourceVersion())
        .as("a cordoned node is left untouched")
        .isEqualTo(before);
  }

  @Test
  void aNodeThatIsGoneNeedsNoCordonAndHoldsNothing() {
    DrainStep step = new NodeDrainer(client).drain("gone", false);

    assertThat(step.done()).as(step.summary()).isTrue();
    assertThat(client.nodes().withName("gone").get()).isNull();
  }
}
