package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.container;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

/**
 * A pod shaped like KubeVirt's virt-launcher for a VM with this cpu and memory: the compute
 * container asks for the guest plus virt-launcher's overhead (a stand-in 230Mi here) and one of
 * each device it opens, a small guest-console-log sidecar rides along, and it selects nodes where
 * virt-handler runs.
 */
final class VirtLauncher {
  private VirtLauncher() {}

  static Pod pod(String vm, String cpu, long guestMemoryMi) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("virt-launcher-" + vm + "-abcde")
        .withNamespace("vms")
        .addToLabels("kubevirt.io", "virt-launcher")
        .endMetadata()
        .withNewSpec()
        .addToContainers(
            container(
                "compute",
                "cpu",
                cpu,
                "memory",
                (guestMemoryMi + 230) + "Mi",
                "devices.kubevirt.io/kvm",
                "1",
                "devices.kubevirt.io/tun",
                "1",
                "devices.kubevirt.io/vhost-net",
                "1"))
        .addToContainers(container("guest-console-log", "cpu", "10m", "memory", "40Mi"))
        .addToNodeSelector("kubevirt.io/schedulable", "true")
        .endSpec()
        .build();
  }
}
