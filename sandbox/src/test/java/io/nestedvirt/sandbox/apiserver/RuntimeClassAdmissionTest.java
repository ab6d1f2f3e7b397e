package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RuntimeClassAdmissionTest {
  private EmbeddedApiServer api;
  private KubernetesClient kube;

  @BeforeEach
  void start() {
    api = EmbeddedApiServer.start();
    kube = api.client();
    kube.resource(
            new RuntimeClassBuilder()
                .withNewMetadata()
                .withName("kata-qemu")
                .endMetadata()
                .withHandler("kata-qemu")
                .withNewOverhead()
                .addToPodFixed("memory", new Quantity("160Mi"))
                .addToPodFixed("cpu", new Quantity("250m"))
                .endOverhead()
                .withNewScheduling()
                .addToNodeSelector("katacontainers.io/kata-runtime", "true")
                .addToTolerations(new Toleration("NoSchedule", "kata", "Exists", null, null))
                .endScheduling()
                .build())
        .create();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aPodOfTheRuntimeClassGetsItsOverheadNodeSelectorAndTolerations() {
    Pod created = create(pod("kata-pod", "kata-qemu", Map.of("team", "a")));

    assertThat(created.getSpec().getOverhead())
        .containsEntry("memory", new Quantity("160Mi"))
        .containsEntry("cpu", new Quantity("250m"));
    assertThat(created.getSpec().getNodeSelector())
        .containsEntry("team", "a")
        .containsEntry("katacontainers.io/kata-runtime", "true");
    assertThat(created.getSpec().getTolerations())
        .extracting(Toleration::getKey)
        .containsExactly("kata");
  }

  @Test
  void aPodWithoutRuntimeClassIsStoredAsSent() {
    Pod created = create(pod("plain", null, Map.of()));

    assertThat(created.getSpec().getOverhead()).isNullOrEmpty();
    assertThat(created.getSpec().getNodeSelector()).isNullOrEmpty();
  }

  @Test
  void anUnknownRuntimeClassOrAContradictingNodeSelectorRejectsThePod() {
    assertThatThrownBy(() -> create(pod("lost", "kata-fc", Map.of())))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("pod rejected: RuntimeClass \"kata-fc\" not found");
    assertThatThrownBy(
            () ->
                create(
                    pod(
                        "contradicting",
                        "kata-qemu",
                        Map.of("katacontainers.io/kata-runtime", "false"))))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("conflict: runtimeClass.scheduling.nodeSelector");
    assertThat(kube.pods().inNamespace("default").list().getItems()).isEmpty();
  }

  private Pod create(Pod pod) {
    return kube.pods().inNamespace("default").resource(pod).create();
  }

  private static Pod pod(String name, String runtimeClass, Map<String, String> nodeSelector) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withRuntimeClassName(runtimeClass)
        .withNodeSelector(nodeSelector)
        .addNewContainer()
        .withName("main")
        .endContainer()
        .endSpec()
        .build();
  }
}
