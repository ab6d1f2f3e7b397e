package io.nestedvirt.sandbox.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodRequestsTest {

  @Test
  void containersAddUpAndOverheadIsAdded() {
    Pod pod =
        new PodBuilder()
            .withNewSpec()
            .addToContainers(container("a", Map.of("cpu", "250m", "memory", "128Mi")))
            .addToContainers(container("b", Map.of("cpu", "1", "devices.kubevirt.io/kvm", "1")))
            .withOverhead(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("160Mi")))
            .endSpec()
            .build();

    assertThat(PodRequests.of(pod))
        .containsEntry("cpu", new BigDecimal("1.500"))
        .hasEntrySatisfying("memory", m -> assertThat(m).isEqualByComparingTo(mib(288)))
        .hasEntrySatisfying(
            "devices.kubevirt.io/kvm", n -> assertThat(n).isEqualByComparingTo("1"));
  }

  @Test
  void theLargestInitContainerWinsWhenItAsksMoreThanTheContainers() {
    Pod pod =
        new PodBuilder()
            .withNewSpec()
            .addToInitContainers(container("init-small", Map.of("memory", "64Mi")))
            .addToInitContainers(container("init-big", Map.of("memory", "2Gi", "cpu", "100m")))
            .addToContainers(container("main", Map.of("memory", "1Gi", "cpu", "500m")))
            .endSpec()
            .build();

    Map<String, BigDecimal> requests = PodRequests.of(pod);

    assertThat(requests.get("memory")).isEqualByComparingTo(mib(2048));
    assertThat(requests.get("cpu")).isEqualByComparingTo("0.5");
  }

  @Test
  void sidecarsRunBesideTheContainersAndTheInitContainersAfterThem() {
    Pod pod =
        new PodBuilder()
            .withNewSpec()
            .addToInitContainers(
                new ContainerBuilder(container("sidecar", Map.of("cpu", "100m")))
                    .withRestartPolicy("Always")
                    .build())
            .addToInitContainers(container("init", Map.of("cpu", "1")))
            .addToContainers(container("main", Map.of("cpu", "200m")))
            .endSpec()
            .build();

    // max(main + sidecar = 300m, sidecar + init = 1100m)
    assertThat(PodRequests.of(pod).get("cpu")).isEqualByComparingTo("1.1");
  }

  @Test
  void aLimitWithoutARequestIsTheRequestAsTheApiServerDefaultsIt() {
    Pod pod =
        new PodBuilder()
            .withNewSpec()
            .addNewContainer()
            .withName("main")
            .withNewResources()
            .addToLimits("memory", new Quantity("1Gi"))
            .addToLimits("cpu", new Quantity("2"))
            .addToRequests("cpu", new Quantity("1"))
            .endResources()
            .endContainer()
            .endSpec()
            .build();

    Map<String, BigDecimal> requests = PodRequests.of(pod);

    assertThat(requests.get("memory")).isEqualByComparingTo(mib(1024));
    assertThat(requests.get("cpu")).isEqualByComparingTo("1");
  }

  static io.fabric8.kubernetes.api.model.Container container(
      String name, Map<String, String> requests) {
    ContainerBuilder c = new ContainerBuilder().withName(name).withNewResources().endResources();
    requests.forEach((k, v) -> c.editResources().addToRequests(k, new Quantity(v)).endResources());
    return c.build();
  }

  private static BigDecimal mib(long n) {
    return BigDecimal.valueOf(n * 1024 * 1024);
  }
}
