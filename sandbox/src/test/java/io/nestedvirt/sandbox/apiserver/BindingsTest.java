package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Binding;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BindingsTest {
  private EmbeddedApiServer api;
  private KubernetesClient kube;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start();
    kube = api.client();
    kube.pods()
        .inNamespace("default")
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("vm")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("compute")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .addNewCondition()
                .withType("PodScheduled")
                .withStatus("False")
                .withReason("Unschedulable")
                .endCondition()
                .endStatus()
                .build())
        .create();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aBindingAssignsThePodAndMarksItScheduled() {
    kube.bindings().inNamespace("default").resource(binding("vm", "node-a")).create();

    Pod pod = kube.pods().inNamespace("default").withName("vm").get();
    assertThat(pod.getSpec().getNodeName()).isEqualTo("node-a");
    assertThat(pod.getStatus().getConditions())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getType()).isEqualTo("PodScheduled");
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isNull();
            });
  }

  @Test
  void aPodAlreadyAssignedIsNotBoundAgain() {
    kube.bindings().inNamespace("default").resource(binding("vm", "node-a")).create();

    assertThatThrownBy(
            () -> kube.bindings().inNamespace("default").resource(binding("vm", "node-b")).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("already assigned to node \"node-a\"")
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(409);
    assertThat(kube.pods().inNamespace("default").withName("vm").get().getSpec().getNodeName())
        .isEqualTo("node-a");
  }

  @Test
  void aBindingOfAPodThatIsGoneIsNotFound() {
    assertThatThrownBy(
            () ->
                kube.bindings().inNamespace("default").resource(binding("gone", "node-a")).create())
        .isInstanceOf(KubernetesClientException.class)
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(404);
  }

  private static Binding binding(String pod, String node) {
    return new BindingBuilder()
        .withNewMetadata()
        .withName(pod)
        .endMetadata()
        .withNewTarget()
        .withKind("Node")
        .withName(node)
        .endTarget()
        .build();
  }
}
