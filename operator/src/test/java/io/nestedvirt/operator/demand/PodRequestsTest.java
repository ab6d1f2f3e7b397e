package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.container;
import static io.nestedvirt.operator.demand.Demand.mi;
import static io.nestedvirt.operator.demand.Demand.pod;
import static io.nestedvirt.operator.demand.Demand.quantities;
import static io.nestedvirt.operator.demand.Demand.resources;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class PodRequestsTest {

  @Test
  void appContainersAddUpPlusOnePod() {
    Pod pod =
        pod("web", "cpu", "500m", "memory", "256Mi")
            .editSpec()
            .addToContainers(container("proxy", "cpu", "100m", "memory", "64Mi"))
            .endSpec()
            .build();

    assertThat(PodRequests.of(pod)).isEqualTo(resources("cpu", 600, "memory", mi(320), "pods", 1));
  }

  @Test
  void aLimitStandsInForAMissingRequest() {
    Container limitsOnly =
        new ContainerBuilder()
            .withName("app")
            .withNewResources()
            .withLimits(quantities("cpu", "2", "memory", "1Gi"))
            .withRequests(quantities("cpu", "1"))
            .endResources()
            .build();
    Pod pod = new PodBuilder().withNewSpec().withContainers(limitsOnly).endSpec().build();

    assertThat(PodRequests.of(pod))
        .isEqualTo(resources("cpu", 1000, "memory", mi(1024), "pods", 1));
  }

  @Test
  void theLargestInitContainerWinsWhenItOutgrowsTheApp() {
    Pod pod =
        pod("db", "cpu", "500m", "memory", "256Mi")
            .editSpec()
            .addToInitContainers(container("migrate", "cpu", "2", "memory", "128Mi"))
            .addToInitContainers(container("warm", "cpu", "1", "memory", "1Gi"))
            .endSpec()
            .build();

    assertThat(PodRequests.of(pod))
        .as("per resource: cpu from migrate, memory from warm")
        .isEqualTo(resources("cpu", 2000, "memory", mi(1024), "pods", 1));
  }

  @Test
  void sidecarsAddToTheAppAndToEveryInitContainerAfterThem() {
    Container sidecar =
        new ContainerBuilder(container("mesh", "cpu", "200m", "memory", "100Mi"))
            .withRestartPolicy("Always")
            .build();
    Pod pod =
        pod("web", "cpu", "500m", "memory", "256Mi")
            .editSpec()
            .addToInitContainers(container("before", "cpu", "900m"))
            .addToInitContainers(sidecar)
            .addToInitContainers(container("after", "cpu", "1"))
            .endSpec()
            .build();

    // Running: 500m + 200m; the peak of init: "after" 1000m beside the sidecar's 200m.
    assertThat(PodRequests.of(pod)).isEqualTo(resources("cpu", 1200, "memory", mi(356), "pods", 1));
  }

  @Test
  void aKataPodAddsItsRuntimeClassOverhead() {
    Pod kata =
        pod("kata", "cpu", "1", "memory", "1Gi")
            .editSpec()
            .withRuntimeClassName("kata-qemu")
            .withOverhead(quantities("cpu", "250m", "memory", "160Mi"))
            .endSpec()
            .build();

    assertThat(PodRequests.of(kata))
        .isEqualTo(resources("cpu", 1250, "memory", mi(1184), "pods", 1));
  }

  @Test
  void podLevelRequestsReplaceTheContainersSumForCpuAndMemory() {
    Pod pod =
        pod("batch", "cpu", "100m", "memory", "64Mi", "devices.kubevirt.io/kvm", "1")
            .editSpec()
            .withNewResources()
            .withRequests(quantities("cpu", "2", "memory", "2Gi"))
            .endResources()
            .withOverhead(quantities("cpu", "100m"))
            .endSpec()
            .build();

    assertThat(PodRequests.of(pod))
        .isEqualTo(
            resources("cpu", 2100, "memory", mi(2048), "devices.kubevirt.io/kvm", 1, "pods", 1));
  }

  @Test
  void aVirtLauncherPodRequestsTheComputeContainerAndKubevirtDevices() {
    Pod launcher = VirtLauncher.pod("vm-1", "2", 2048);

    assertThat(PodRequests.of(launcher))
        .isEqualTo(
            resources(
                "cpu", 2000 + 10,
                "memory", mi(2048 + 230 + 40),
                "devices.kubevirt.io/kvm", 1,
                "devices.kubevirt.io/tun", 1,
                "devices.kubevirt.io/vhost-net", 1,
                "pods", 1));
  }
}
