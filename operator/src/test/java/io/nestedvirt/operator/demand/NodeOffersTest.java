package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.C8I_LARGE;
import static io.nestedvirt.operator.demand.Demand.C8I_XLARGE;
import static io.nestedvirt.operator.demand.Demand.ZONE_A;
import static io.nestedvirt.operator.demand.Demand.ZONE_B;
import static io.nestedvirt.operator.demand.Demand.daemonSet;
import static io.nestedvirt.operator.demand.Demand.mi;
import static io.nestedvirt.operator.demand.Demand.pool;
import static io.nestedvirt.operator.demand.Demand.resources;
import static io.nestedvirt.operator.demand.Demand.withTemplate;
import static io.nestedvirt.operator.demand.Demand.withWorkloads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.TaintSpec;
import io.nestedvirt.operator.api.v1alpha1.Workload;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeOffersTest {

  @Test
  void oneOfferPerTypeAndZoneInThePoolsOrderSkippingTypesEc2DidNotDescribe() {
    NestedVirtPool pool = pool("kvm", "c8i.xlarge", "c9z.large", "c8i.large");

    List<NodeOffer> offers =
        NodeOffers.of(pool, List.of(C8I_LARGE, C8I_XLARGE), List.of(ZONE_B, ZONE_A), List.of());

    assertThat(offers)
        .extracting(NodeOffer::instanceType, NodeOffer::zone)
        .containsExactly(
            tuple("c8i.xlarge", ZONE_B),
            tuple("c8i.xlarge", ZONE_A),
            tuple("c8i.large", ZONE_B),
            tuple("c8i.large", ZONE_A));
  }

  @Test
  void aNewNodeIsLabelledAsItWillBeOnceVerifiedWithItsAddOnsRunning() {
    NestedVirtPool pool = withTemplate(pool("kvm", "c8i.large"), Map.of("team", "virt"));

    NodeOffer offer =
        NodeOffers.of(pool, List.of(C8I_LARGE), List.of(ZONE_A), List.of()).getFirst();

    assertThat(offer.labels())
        .containsEntry("team", "virt")
        .containsEntry("nestedvirt.io/pool", "kvm")
        .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", "kvm")
        .containsEntry("nestedvirt.io/kvm", "verified")
        .containsEntry("kubernetes.io/arch", "amd64")
        .containsEntry("kubernetes.io/os", "linux")
        .containsEntry("node.kubernetes.io/instance-type", "c8i.large")
        .containsEntry("topology.kubernetes.io/zone", ZONE_A)
        .containsEntry("kubevirt.io/schedulable", "true")
        .containsEntry("katacontainers.io/kata-runtime", "true")
        .doesNotContainKeys("kubernetes.io/hostname", "topology.kubernetes.io/region");
  }

  @Test
  void onlyTheAddOnsThePoolRunsAddLabelsAndDevices() {
    NodeOffer kata =
        NodeOffers.of(
                withWorkloads(pool("kata", "c8i.large"), Workload.KATA),
                List.of(C8I_LARGE),
                List.of(ZONE_A),
                List.of())
            .getFirst();

    assertThat(kata.labels())
        .containsEntry("katacontainers.io/kata-runtime", "true")
        .doesNotContainKey("kubevirt.io/schedulable");
    assertThat(kata.allocatable().amounts()).doesNotContainKey("devices.kubevirt.io/kvm");
  }

  @Test
  void allocatableIsCapacityLessVmOverheadKubeReservedAndEviction() {
    NodeOffer offer =
        NodeOffers.of(pool("kvm", "c8i.large"), List.of(C8I_LARGE), List.of(ZONE_A), List.of())
            .getFirst();

    // cpu: 2000m - 70m; memory: 4096Mi - ceil(7.5%) 308Mi - (255 + 11 x 59)Mi - 100Mi.
    assertThat(offer.allocatable())
        .isEqualTo(
            resources(
                "cpu", 1930,
                "memory", mi(4096 - 308 - 904 - 100),
                "pods", 59,
                "devices.kubevirt.io/kvm", 1000,
                "devices.kubevirt.io/tun", 1000,
                "devices.kubevirt.io/vhost-net", 1000,
                "devices.kubevirt.io/vhost-vsock", 1000));
  }

  @Test
  void theTemplatesTaintsButNotTheStartupTaint() {
    NestedVirtPool pool =
        withTemplate(
            pool("kvm", "c8i.large"),
            Map.of(),
            new TaintSpec("dedicated", "vms", TaintSpec.Effect.NO_SCHEDULE));

    NodeOffer offer =
        NodeOffers.of(pool, List.of(C8I_LARGE), List.of(ZONE_A), List.of()).getFirst();

    assertThat(offer.taints())
        .extracting(Taint::getKey, Taint::getValue, Taint::getEffect)
        .containsExactly(tuple("dedicated", "vms", "NoSchedule"));
  }

  @Test
  void daemonSetsThatWillRunOnTheNodeTakeTheirShare() {
    NestedVirtPool pool =
        withTemplate(
            pool("kvm", "c8i.large"),
            Map.of(),
            new TaintSpec("dedicated", "vms", TaintSpec.Effect.NO_SCHEDULE));
    DaemonSet agent =
        daemonSet("agent", "cpu", "50m", "memory", "64Mi")
            .editSpec()
            .editTemplate()
            .editSpec()
            .addToNodeSelector("nestedvirt.io/pool", "kvm")
            .addNewToleration()
            .withOperator("Exists")
            .endToleration()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    DaemonSet virtHandler =
        daemonSet("virt-handler", "cpu", "10m", "memory", "357Mi")
            .editSpec()
            .editTemplate()
            .editSpec()
            .addToNodeSelector("kubernetes.io/os", "linux")
            .addNewToleration()
            .withKey("dedicated")
            .withValue("vms")
            .withEffect("NoSchedule")
            .endToleration()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    DaemonSet gpuPlugin =
        daemonSet("gpu-plugin", "cpu", "100m")
            .editSpec()
            .editTemplate()
            .editSpec()
            .addToNodeSelector("nvidia.com/gpu.present", "true")
            .addNewToleration()
            .withOperator("Exists")
            .endToleration()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    DaemonSet untolerating = daemonSet("logs", "cpu", "200m").build();

    NodeOffer bare = NodeOffers.of(pool, List.of(C8I_LARGE), List.of(ZONE_A), List.of()).getFirst();
    NodeOffer withDaemons =
        NodeOffers.of(
                pool,
                List.of(C8I_LARGE),
                List.of(ZONE_A),
                List.of(gpuPlugin, untolerating, virtHandler, agent))
            .getFirst();

    assertThat(bare.allocatable().minus(withDaemons.allocatable()))
        .as(
            "the agent and virt-handler run there; the GPU plugin's selector and the log"
                + " shipper's missing toleration keep them off")
        .isEqualTo(resources("cpu", 60, "memory", mi(64 + 357), "pods", 2));
  }
}
