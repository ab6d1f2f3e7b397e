package io.nestedvirt.operator.demand;

import io.nestedvirt.operator.cloud.InstanceType;
import java.util.Map;

/**
 * What the kubelet of an EKS Amazon Linux 2023 node keeps for itself, so that a node's allocatable
 * can be known before it exists. The formulas are nodeadm's (awslabs/amazon-eks-ami, {@code
 * nodeadm/internal/kubelet/config.go}: {@code getCPUMillicoresToReserve}, {@code
 * GetMemoryMebibytesToReserve}, the {@code evictionHard} default; {@code
 * nodeadm/internal/kubelet/maxpods/maxpods.go}: the ENI formula and the kubelet's default of 110).
 * The EKS user guide documents m5.large: 29 pods, 70m cpu and 574Mi memory reserved.
 */
public final class KubeletReservations {
  private KubeletReservations() {}

  /** The kubelet's own default, which nodeadm falls back to when EC2 gives no network figures. */
  public static final int DEFAULT_MAX_PODS = 110;

  /**
   * The ceilings EKS puts on max pods: 110 below 30 vCPUs, 250 from 30 on (EKS user guide, "Assign
   * more IP addresses to Amazon EKS nodes with prefixes": managed node groups enforce them whether
   * or not prefix delegation is on). nodeadm alone does not: it takes the ENI figure from its
   * {@code eni-max-pods.txt} (m5.4xlarge: 234), and kube-reserved memory grows with it, 11Mi a pod.
   * Where the ENI figure is above the ceiling, such a node therefore reserves more memory than
   * planned here; the ceilings are kept because the project's stand-in kubelets (sandbox, e2e)
   * report the same figures.
   */
  static final int MAX_PODS_BELOW_30_VCPUS = 110;

  static final int MAX_PODS_FROM_30_VCPUS = 250;
  private static final int MANY_VCPUS = 30;

  /** nodeadm's {@code evictionHard: memory.available: 100Mi}. */
  public static final long EVICTION_HARD_MEMORY_MIB = 100;

  /**
   * The pods a node of this type admits: one per IPv4 address of its ENIs, less each ENI's own
   * address, plus 2 for the host-network pods (aws-node, kube-proxy), within EKS's ceilings.
   */
  public static int maxPods(InstanceType type) {
    if (type.maxNetworkInterfaces() <= 0 || type.ipv4AddressesPerInterface() <= 0) {
      return DEFAULT_MAX_PODS;
    }
    long eniLimited =
        (long) type.maxNetworkInterfaces() * (type.ipv4AddressesPerInterface() - 1) + 2;
    int ceiling = type.vcpus() < MANY_VCPUS ? MAX_PODS_BELOW_30_VCPUS : MAX_PODS_FROM_30_VCPUS;
    return (int) Math.min(eniLimited, ceiling);
  }

  /**
   * kube-reserved cpu: 6% of the first core, 1% of the second, 0.5% of the third and fourth and
   * 0.25% of every further core, each band in whole millicores rounded down as nodeadm does.
   */
  public static long kubeReservedCpuMillis(int vcpus) {
    long total = vcpus * 1000L;
    long[] bandStarts = {0, 1000, 2000, 4000};
    long[] bandEnds = {1000, 2000, 4000, Long.MAX_VALUE};
    long[] basisPoints = {600, 100, 50, 25};
    long reserved = 0;
    for (int i = 0; i < bandStarts.length; i++) {
      if (total > bandStarts[i]) {
        reserved += (Math.min(total, bandEnds[i]) - bandStarts[i]) * basisPoints[i] / 10_000;
      }
    }
    return reserved;
  }

  /** kube-reserved memory: 255Mi plus 11Mi for each pod the node admits. */
  public static long kubeReservedMemoryMiB(int maxPods) {
    return 255 + 11L * maxPods;
  }

  /** kube-reserved cpu and memory plus the hard eviction threshold: capacity less allocatable. */
  public static Resources reserved(InstanceType type) {
    return new Resources(
        Map.of(
            Resources.CPU,
            kubeReservedCpuMillis(type.vcpus()),
            Resources.MEMORY,
            Resources.mebibytes(kubeReservedMemoryMiB(maxPods(type)) + EVICTION_HARD_MEMORY_MIB)));
  }
}
