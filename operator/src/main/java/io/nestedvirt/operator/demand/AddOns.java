package io.nestedvirt.operator.demand;

import io.nestedvirt.operator.api.v1alpha1.Workload;
import java.util.Map;

/**
 * What an add-on adds to a node once it runs there: labels that workloads select, and resources its
 * device plugin advertises. These appear only after the node has joined, so the operator has to
 * know them to plan for pods that need them.
 */
final class AddOns {
  private AddOns() {}

  /** virt-handler labels a node it can run VMs on. */
  static final String KUBEVIRT_SCHEDULABLE = "kubevirt.io/schedulable";

  /** kata-deploy labels a node once the Kata runtime is installed. */
  static final String KATA_RUNTIME = "katacontainers.io/kata-runtime";

  /** virt-handler's device plugins, and how many of each it advertises (its default, 1000). */
  private static final long KUBEVIRT_DEVICES_PER_NODE = 1000;

  static final String KVM_DEVICE = "devices.kubevirt.io/kvm";
  static final String TUN_DEVICE = "devices.kubevirt.io/tun";
  static final String VHOST_NET_DEVICE = "devices.kubevirt.io/vhost-net";
  static final String VHOST_VSOCK_DEVICE = "devices.kubevirt.io/vhost-vsock";

  static Map<String, String> labels(Workload workload) {
    return switch (workload) {
      case KUBEVIRT -> Map.of(KUBEVIRT_SCHEDULABLE, "true");
      case KATA -> Map.of(KATA_RUNTIME, "true");
    };
  }

  static Resources resources(Workload workload) {
    return switch (workload) {
      case KUBEVIRT ->
          new Resources(
              Map.of(
                  KVM_DEVICE, KUBEVIRT_DEVICES_PER_NODE,
                  TUN_DEVICE, KUBEVIRT_DEVICES_PER_NODE,
                  VHOST_NET_DEVICE, KUBEVIRT_DEVICES_PER_NODE,
                  VHOST_VSOCK_DEVICE, KUBEVIRT_DEVICES_PER_NODE));
      case KATA -> Resources.NONE;
    };
  }
}
