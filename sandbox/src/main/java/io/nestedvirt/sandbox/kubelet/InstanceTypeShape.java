package io.nestedvirt.sandbox.kubelet;

/**
 * What a kubelet on an EC2 instance type sees of its machine: vCPUs, memory and the network limits
 * that bound how many pods EKS lets it run. The one place the kubelet simulator reads them.
 *
 * <p>Derived from the type's name, since an instance as the simulator observes it carries only that
 * name (and sometimes its vCPUs): the size gives the vCPUs ({@code large} 2, {@code xlarge} 4,
 * {@code Nxlarge} 4N, {@code metal-48xl} 192), the family letter the memory per vCPU as EC2 sizes
 * its families (c 2 GiB, m 4 GiB, r 8 GiB, x 16 GiB), and the vCPUs the network interfaces and IPv4
 * addresses per interface, following the pattern of EC2's Intel types of the 7th and 8th
 * generations (2 vCPUs: 3 x 10, up to 8: 4 x 15, up to 48: 8 x 30, more: 15 x 50). These are
 * stand-in figures for the sandbox and the e2e tier; when the EC2 emulator's DescribeInstanceTypes
 * reports {@code maximumNetworkInterfaces} and {@code ipv4AddressesPerInterface}, they should come
 * from there instead, in this class.
 *
 * @param vcpus vCPUs of the type
 * @param memoryMiB the type's memory as EC2 sells it (before the guest kernel keeps its share)
 * @param networkInterfaces how many ENIs the type can attach
 * @param ipv4PerInterface private IPv4 addresses per ENI
 */
public record InstanceTypeShape(
    int vcpus, long memoryMiB, int networkInterfaces, int ipv4PerInterface) {

  /** vCPUs assumed when neither the instance nor its type's name says. */
  static final int DEFAULT_VCPUS = 2;

  /**
   * The shape of {@code instanceType}; {@code knownVcpus} (from the instance's CPU options, 0 when
   * unknown) wins over the name.
   */
  public static InstanceTypeShape of(String instanceType, int knownVcpus) {
    int vcpus = knownVcpus > 0 ? knownVcpus : vcpusOf(instanceType);
    long memoryMiB = vcpus * 1024L * gibPerVcpu(instanceType);
    if (vcpus <= 2) {
      return new InstanceTypeShape(vcpus, memoryMiB, 3, 10);
    }
    if (vcpus <= 8) {
      return new InstanceTypeShape(vcpus, memoryMiB, 4, 15);
    }
    if (vcpus <= 48) {
      return new InstanceTypeShape(vcpus, memoryMiB, 8, 30);
    }
    return new InstanceTypeShape(vcpus, memoryMiB, 15, 50);
  }

  /**
   * The pods EKS lets a node of this type run (what its max-pods calculator gives with the VPC CNI
   * in its default mode): one per secondary IPv4 address of each interface, plus two for the
   * host-network pods (kube-proxy, aws-node), capped at 110 below 30 vCPUs and 250 from there.
   */
  public int maxPods() {
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
      return parse(size.substring(0, size.length() - "xlarge".length()), 4);
    }
    if (size.startsWith("metal-") && size.endsWith("xl")) {
      return parse(size.substring("metal-".length(), size.length() - 2), 4);
    }
    return DEFAULT_VCPUS;
  }

  private static int parse(String multiple, int vcpusPerUnit) {
    try {
      return Integer.parseInt(multiple) * vcpusPerUnit;
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
