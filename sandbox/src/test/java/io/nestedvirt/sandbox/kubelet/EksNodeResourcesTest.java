package io.nestedvirt.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EksNodeResourcesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // type, vCPUs known, capacity memory, pods, allocatable cpu, allocatable memory
    "c8i.large,     0, 3850Mi,   29, 1930m,  3176Mi",
    "m8i.large,     2, 7700Mi,   29, 1930m,  7026Mi",
    "m8i.xlarge,    0, 15400Mi,  58, 3920m,  14407Mi",
    "r8i.2xlarge,   0, 61603Mi,  58, 7910m,  60610Mi",
    // 8 ENIs x 30 IPv4 would allow 234 pods: capped at 110 below 30 vCPUs.
    "m8i.4xlarge,   0, 61603Mi, 110, 15890m, 60038Mi",
    // From 30 vCPUs the cap is 250: 234 by the network.
    "c8i.8xlarge,   0, 61603Mi, 234, 31850m, 58674Mi",
    "m8i.16xlarge,  0, 246415Mi, 250, 63770m, 243310Mi",
    "m8i.metal-48xl, 0, 739246Mi, 250, 191450m, 736141Mi",
  })
  void nodeReportsWhatAnEksAl2023NodeOfTheTypeReports(
      String type,
      int knownVcpus,
      String memory,
      int pods,
      String allocatableCpu,
      String allocatableMemory) {
    EksNodeResources resources = EksNodeResources.of(InstanceTypeShape.of(type, knownVcpus));

    assertThat(resources.capacity())
        .containsEntry("memory", new Quantity(memory))
        .containsEntry("pods", new Quantity(Integer.toString(pods)));
    assertThat(resources.allocatable())
        .containsEntry("cpu", new Quantity(allocatableCpu))
        .containsEntry("memory", new Quantity(allocatableMemory))
        .containsEntry("pods", new Quantity(Integer.toString(pods)));
  }

  @ParameterizedTest(name = "{0} vCPUs reserve {1}m")
  @CsvSource({"1, 60", "2, 70", "3, 75", "4, 80", "5, 82", "8, 90", "96, 310"})
  void kubeReservedCpuFollowsTheEksRanges(int vcpus, long millicores) {
    assertThat(EksNodeResources.kubeReservedCpuMillis(vcpus)).isEqualTo(millicores);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "m8i.large, 2",
    "m8i.xlarge, 4",
    "c8i.12xlarge, 48",
    "r8i-flex.2xlarge, 8",
    "m8i.metal-96xl, 384"
  })
  void vcpusComeFromTheSizeInTheTypesName(String type, int vcpus) {
    assertThat(InstanceTypeShape.of(type, 0).vcpus()).isEqualTo(vcpus);
  }
}
