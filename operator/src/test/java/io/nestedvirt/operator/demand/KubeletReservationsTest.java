package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.C8I_LARGE;
import static io.nestedvirt.operator.demand.Demand.C8I_XLARGE;
import static io.nestedvirt.operator.demand.Demand.M5_LARGE;
import static io.nestedvirt.operator.demand.Demand.mi;
import static io.nestedvirt.operator.demand.Demand.resources;
import static io.nestedvirt.operator.demand.Demand.type;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KubeletReservationsTest {

  @Test
  void m5LargeReservesWhatTheEksUserGuideDocuments() {
    // 3 ENIs x 10 IPv4 addresses: 3 * 9 + 2 = 29 pods; 6% of a core + 1% of the second = 70m;
    // 255Mi + 11Mi * 29 = 574Mi.
    assertThat(KubeletReservations.maxPods(M5_LARGE)).isEqualTo(29);
    assertThat(KubeletReservations.kubeReservedCpuMillis(M5_LARGE.vcpus())).isEqualTo(70);
    assertThat(KubeletReservations.kubeReservedMemoryMiB(29)).isEqualTo(574);
    assertThat(KubeletReservations.reserved(M5_LARGE))
        .as("kube-reserved plus the 100Mi hard eviction threshold")
        .isEqualTo(resources("cpu", 70, "memory", mi(674)));
  }

  @Test
  void maxPodsFollowTheEniFormulaWithinEksCeilings() {
    assertThat(KubeletReservations.maxPods(C8I_LARGE)).as("3 x (20 - 1) + 2").isEqualTo(59);
    assertThat(KubeletReservations.maxPods(C8I_XLARGE))
        .as("4 x (30 - 1) + 2 = 118, above the ceiling of 110 below 30 vCPUs")
        .isEqualTo(110);
    assertThat(KubeletReservations.maxPods(type("c8i.8xlarge", 32, 65536, 10, 50)))
        .as("10 x 49 + 2 = 492, above the ceiling of 250 from 30 vCPUs")
        .isEqualTo(250);
    assertThat(KubeletReservations.maxPods(type("x.large", 2, 4096, 0, 0)))
        .as("no network figures from EC2: the kubelet's default")
        .isEqualTo(110);
  }

  @Test
  void cpuReservationShrinksPerCoreBandByBandRoundedDownLikeNodeadm() {
    assertThat(KubeletReservations.kubeReservedCpuMillis(1)).isEqualTo(60);
    assertThat(KubeletReservations.kubeReservedCpuMillis(4)).as("60 + 10 + 5 + 5").isEqualTo(80);
    assertThat(KubeletReservations.kubeReservedCpuMillis(5))
        .as("the fifth core's 2.5m is rounded down")
        .isEqualTo(82);
    assertThat(KubeletReservations.kubeReservedCpuMillis(8)).as("80 + 4 x 2.5").isEqualTo(90);
    assertThat(KubeletReservations.kubeReservedCpuMillis(32)).as("80 + 28 x 2.5").isEqualTo(150);
  }
}
