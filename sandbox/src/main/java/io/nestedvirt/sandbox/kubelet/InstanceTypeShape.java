package io.nestedvirt.sandbox.kubelet;

import io.nestedvirt.sandbox.ec2.Ec2Emulator;

/**
 * What a kubelet on an EC2 instance type sees of its machine: vCPUs, memory and the network limits
 * that bound how many pods EKS lets it run.
 *
 * <p>The figures come from the EC2 source's DescribeInstanceTypes ({@link #of} for the sandbox's
 * emulator; for another source such as moto, the constructor with its {@code vCpuInfo}, {@code
 * memoryInfo} and {@code networkInfo}), where the operator reads them too. Without them ({@link
 * #fromName}), the vCPUs come from the type's size ({@code large} 2, {@code xlarge} 4, {@code
 * Nxlarge} 4N, {@code metal-48xl} 192) and the memory from its family letter (c 2 GiB, m 4 GiB, r 8
 * GiB, x 16 GiB per vCPU), and the network limits are unknown: the node then runs the kubelet's
 * default 110 pods.
 *
 * @param vcpus vCPUs of the type
 * @param memoryMiB the type's memory as EC2 sells it (before the guest kernel keeps its share)
 * @param networkInterfaces how many ENIs the type can attach, 0 when unknown
 * @param ipv4PerInterface private IPv4 addresses per ENI, 0 when unknown
 */
public record InstanceTypeShape(
    int vcpus, long memoryMiB, int networkInterfaces, int ipv4PerInterface) {

  /** vCPUs assumed when neither the instance nor its type's name says. */
  static final int DEFAULT_VCPUS = 2;

  /** The kubelet's own default {@code maxPods}. */
  static final int KUBELET_DEFAULT_MAX_PODS = 110;

  public static InstanceTypeShape of(Ec2Emulator.InstanceTypeFacts facts) {
    return new InstanceTypeShape(
        facts.vcpus(),
        facts.memoryMiB(),
        facts.maxNetworkInterfaces(),
        facts.ipv4AddressesPerInterface());
  }

  /**
   * The shape of {@code instanceType} when no DescribeInstanceTypes says it; {@code knownVcpus}
   * (from the instance's CPU options, 0 when unknown) wins over the name.
   */
  public static InstanceTypeShape fromName(String instanceType, int knownVcpus) {
    int vcpus = knownVcpus > 0 ? knownVcpus : vcpusOf(instanceType);
    return new InstanceTypeShape(vcpus, vcpus * 1024L * gibPerVcpu(instanceType), 0, 0);
  }

  /**
   * The pods EKS lets a node of this type run (what its max-pods calculator gives with the VPC CNI
   * in its default mode): one per secondary IPv4 address of each interface, plus two for the
   * host-network pods (kube-proxy, aws-node), capped at 110 below 30 vCPUs and 250 from there; the
   * kubelet's default 110 when the network limits are unknown.
   */
  public int maxPods() {
    if (networkInterfaces <= 0 || ipv4PerInterface <= 0) {
      return KUBELET_DEFAULT_MAX_PODS;
    }
    int byNetwork = networkInterfaces * (ipv4PerInterface - 1) + 2;
    return Math.min(byNetwork, vcpus < 30 ? 110 : 250);
  }

  private static int vcpusOf(String instanceType) {
    if (instanceType == null) {
      return DEFAULT_VCPUS;
    }
    String size = instanceType.substring(instanceType.indexOf('.') + 1);
    if (size.equals("large")) {
      return 2;
    }
    if (size.equals("xlarge")) {
      return 4;
    }
    if (size.endsWith("xlarge")) {
      return times4(size.substring(0, size.length() - "xlarge".length()));
    }
    if (size.startsWith("metal-") && size.endsWith("xl")) {
      return times4(size.substring("metal-".length(), size.length() - 2));
    }
    return DEFAULT_VCPUS;
  }

  private static int times4(String multiple) {
    try {
      return Integer.parseInt(multiple) * 4;
    } catch (NumberFormatException e) {
      return DEFAULT_VCPUS;
    }
  }

  /** GiB per vCPU by family letter: c compute, m general purpose, r memory, x extra memory. */
  private static int gibPerVcpu(String instanceType) {
    if (instanceType == null || instanceType.isEmpty()) {
      return 4;
    }
    return switch (Character.toLowerCase(instanceType.charAt(0))) {
      case 'c' -> 2;
      case 'r' -> 8;
      case 'x' -> 16;
      default -> 4;
    };
  }
}
