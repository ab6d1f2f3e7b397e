package io.nestedvirt.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EksNodeResourcesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // type, vCPUs, MiB, ENIs, IPv4 per ENI; capacity memory, pods, allocatable cpu and memory
    // m5.large as EKS documents it: 3 x 10 gives 29 pods.
    "m5.large,     2,   8192,  3, 10, 7700Mi,    29, 1930m,  7026Mi",
    "m8i.large,    2,   8192,  3, 20, 7700Mi,    59, 1930m,  6696Mi",
    "c8i.large,    2,   4096,  3, 20, 3850Mi,    59, 1930m,  2846Mi",
    // 4 x 30 would allow 118 pods: capped at 110 below 30 vCPUs.
    "m8i.xlarge,   4,  16384,  4, 30, 15400Mi,  110, 3920m,  13835Mi",
    // From 30 vCPUs the cap is 250.
    "c8i.8xlarge, 32,  65536, 10, 50, 61603Mi,  250, 31850m, 58498Mi",
    "m8i.16xlarge, 64, 262144, 16, 64, 246415Mi, 250, 63770m, 243310Mi",
    // Network limits unknown: the kubelet's default 110 pods.
    "m8i.2xlarge,  8,  32768,  0,  0, 30801Mi,  110, 7910m,  29236Mi",
  })
  void nodeReportsWhatAnEksAl2023NodeOfTheTypeReports(
      String type,
      int vcpus,
      long memoryMiB,
      int interfaces,
      int ipv4PerInterface,
      String memory,
      int pods,
      String allocatableCpu,
      String allocatableMemory) {
    EksNodeResources resources =
        EksNodeResources.of(new InstanceTypeShape(vcpus, memoryMiB, interfaces, ipv4PerInterface));

    assertThat(resources.capacity())
        .containsEntry("cpu", new Quantity(Integer.toString(vcpus)))
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
    "m8i.large, 2, 8192",
    "m8i.xlarge, 4, 16384",
    "c8i.12xlarge, 48, 98304",
    "r8i-flex.2xlarge, 8, 65536",
    "m8i.metal-96xl, 384, 1572864"
  })
  void withoutDescribeInstanceTypesTheNameGivesVcpusAndMemory(
      String type, int vcpus, long memoryMiB) {
    InstanceTypeShape shape = InstanceTypeShape.fromName(type, 0);

    assertThat(shape.vcpus()).isEqualTo(vcpus);
    assertThat(shape.memoryMiB()).isEqualTo(memoryMiB);
    assertThat(shape.maxPods()).isEqualTo(110);
  }
}
