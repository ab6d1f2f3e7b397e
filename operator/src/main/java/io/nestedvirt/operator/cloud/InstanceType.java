package io.nestedvirt.operator.cloud;

import java.util.List;

/** What the provider says about an instance type. */
public record InstanceType(
    String name,
    List<String> architectures,
    /** Whether the processor reports the {@code nested-virtualization} feature. */
    boolean nestedVirtualization,
    boolean bareMetal,
    int vcpus,
    long memoryMiB,
    /** How many network interfaces an instance may have; 0 when EC2 does not say. */
    int maxNetworkInterfaces,
    /** How many IPv4 addresses each interface may carry; 0 when EC2 does not say. */
    int ipv4AddressesPerInterface) {

  public InstanceType {
    architectures = List.copyOf(architectures);
  }

  /** Can host nested virtualization on a virtual instance: x86_64 with the processor feature. */
  public boolean capable() {
    return nestedVirtualization && architectures.contains("x86_64");
  }
}
