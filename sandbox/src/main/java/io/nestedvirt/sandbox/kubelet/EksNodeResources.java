package io.nestedvirt.sandbox.kubelet;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The capacity and allocatable a kubelet of an EKS AL2023 node reports for an instance type, and
 * the device resources KubeVirt's virt-handler adds once it runs there. Pure.
 *
 * <ul>
 *   <li>capacity: cpu = the vCPUs; memory = the type's memory minus what the guest kernel and
 *       firmware keep (6% here: a stand-in figure for what an EC2 guest loses, which varies with
 *       the size; the operator plans with 7.5%, Karpenter's default VM memory overhead, so it is
 *       deliberately more cautious than this node); pods = EKS's max pods ({@link
 *       InstanceTypeShape#maxPods});
 *   <li>allocatable = capacity minus kube-reserved (cpu: 6% of the first core, 1% of the second,
 *       0.5% of the third and fourth, 0.25% of each above; memory: 255 MiB + 11 MiB per pod the
 *       node may run) minus the hard eviction threshold (memory.available &lt; 100 MiB), as nodeadm
 *       configures the kubelet.
 * </ul>
 *
 * @param capacity what {@code status.capacity} holds
 * @param allocatable what {@code status.allocatable} holds
 */
record EksNodeResources(Map<String, Quantity> capacity, Map<String, Quantity> allocatable) {

  /** Percent of the type's memory the guest kernel and firmware keep (stand-in figure). */
  static final int KERNEL_RESERVED_PERCENT = 6;

  static final long KUBE_RESERVED_MEMORY_MIB = 255;
  static final long KUBE_RESERVED_MEMORY_MIB_PER_POD = 11;
  static final long EVICTION_HARD_MEMORY_MIB = 100;

  /** What virt-handler's device plugins advertise per device, by default. */
  static final int KUBEVIRT_DEVICES_PER_NODE = 1000;

  /** The devices virt-handler advertises on a node where it runs. */
  static final java.util.List<String> KUBEVIRT_DEVICES =
      java.util.List.of(
          "devices.kubevirt.io/kvm",
          "devices.kubevirt.io/tun",
          "devices.kubevirt.io/vhost-net",
          "devices.kubevirt.io/vhost-vsock");

  static EksNodeResources of(InstanceTypeShape shape) {
    int vcpus = shape.vcpus();
    int maxPods = shape.maxPods();
    long memoryMiB = shape.memoryMiB() * (100 - KERNEL_RESERVED_PERCENT) / 100;
    long allocatableMiB =
        Math.max(
            0,
            memoryMiB
                - KUBE_RESERVED_MEMORY_MIB
                - KUBE_RESERVED_MEMORY_MIB_PER_POD * maxPods
                - EVICTION_HARD_MEMORY_MIB);
    long allocatableMilli = Math.max(0, vcpus * 1000L - kubeReservedCpuMillis(vcpus));
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity(Integer.toString(vcpus)));
    capacity.put("ephemeral-storage", new Quantity("50Gi"));
    capacity.put("hugepages-1Gi", new Quantity("0"));
    capacity.put("hugepages-2Mi", new Quantity("0"));
    capacity.put("memory", new Quantity(memoryMiB + "Mi"));
    capacity.put("pods", new Quantity(Integer.toString(maxPods)));
    Map<String, Quantity> allocatable = new LinkedHashMap<>(capacity);
    allocatable.put("cpu", new Quantity(allocatableMilli + "m"));
    allocatable.put("ephemeral-storage", new Quantity("45Gi"));
    allocatable.put("memory", new Quantity(allocatableMiB + "Mi"));
    return new EksNodeResources(Map.copyOf(capacity), Map.copyOf(allocatable));
  }

  /**
   * kube-reserved cpu in millicores, each range rounded down as the EKS AMI's bootstrap computes
   * it: 60 for the first core, 10 for the second, 5 each for the third and fourth, 2.5 each above.
   */
  static long kubeReservedCpuMillis(int vcpus) {
    long[] upTo = {1000, 2000, 4000, Long.MAX_VALUE};
    // Hundredths of a percent of each range.
    long[] basisPoints = {600, 100, 50, 25};
    long total = vcpus * 1000L;
    long reserved = 0;
    long start = 0;
    for (int i = 0; i < upTo.length && start < total; i++) {
      long end = Math.min(upTo[i], total);
      reserved += (end - start) * basisPoints[i] / 10_000;
      start = end;
    }
    return reserved;
  }

  /** {@code resources} with each KubeVirt device at virt-handler's default count added. */
  static Map<String, Quantity> withKubevirtDevices(Map<String, Quantity> resources) {
    Map<String, Quantity> with = new LinkedHashMap<>(resources == null ? Map.of() : resources);
    for (String device : KUBEVIRT_DEVICES) {
      with.put(device, new Quantity(Integer.toString(KUBEVIRT_DEVICES_PER_NODE)));
    }
    return with;
  }
}
