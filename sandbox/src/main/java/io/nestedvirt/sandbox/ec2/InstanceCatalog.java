package io.nestedvirt.sandbox.ec2;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The instance types the emulator knows. Capable types (C8i, M8i, R8i and their flex variants)
 * report {@code nested-virtualization} in their processor features, as AWS does since February
 * 2026; older Intel, AMD-free and Graviton types do not. Metal sizes report {@code bareMetal} but
 * not the feature: nested virtualization is a virtual-instance option, metal has the real VT-x.
 *
 * <p>Network limits (interfaces, IPv4 addresses per interface), from which EKS derives a node's max
 * pods, are EC2's figures as moto 5.2.5 records them ({@code
 * moto/ec2/resources/instance_types.json.gz}); a family's flex and {@code d} variants share them.
 */
final class InstanceCatalog {
  static final String NESTED_VIRTUALIZATION = "nested-virtualization";

  /** One instance type. Cores default to half the vCPUs on x86 (two threads per core). */
  record InstanceTypeSpec(
      String name,
      String architecture,
      int vcpus,
      long memoryMiB,
      boolean nestedVirtualization,
      boolean bareMetal,
      boolean currentGeneration,
      double clockGhz,
      int maxNetworkInterfaces,
      int ipv4AddressesPerInterface) {

    int threadsPerCore() {
      return architecture.equals("arm64") ? 1 : 2;
    }

    int cores() {
      return vcpus / threadsPerCore();
    }

    List<String> supportedFeatures() {
      return nestedVirtualization ? List.of(NESTED_VIRTUALIZATION) : List.of();
    }

    String manufacturer() {
      return architecture.equals("arm64") ? "AWS" : "Intel";
    }
  }

  private final Map<String, InstanceTypeSpec> types = new LinkedHashMap<>();

  /** Network limits of one size: interfaces x IPv4 addresses per interface. */
  private record Network(int interfaces, int ipv4PerInterface) {}

  InstanceCatalog() {
    String[] sizes = {
      "large",
      "xlarge",
      "2xlarge",
      "4xlarge",
      "8xlarge",
      "12xlarge",
      "16xlarge",
      "24xlarge",
      "32xlarge",
      "48xlarge",
      "96xlarge"
    };
    int[] vcpus = {2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 384};
    // The eighth generation's limits per size, as EC2 reports them for c8i, m8i and r8i alike.
    Network[] gen8 = {
      new Network(3, 20),
      new Network(4, 30),
      new Network(4, 30),
      new Network(8, 50),
      new Network(10, 50),
      new Network(12, 50),
      new Network(16, 64),
      new Network(16, 64),
      new Network(24, 64),
      new Network(24, 64),
      new Network(24, 64)
    };
    Network metal = new Network(24, 64);
    // GiB of memory per vCPU: compute, general purpose, memory optimized.
    Map<String, Integer> families = Map.of("c8i", 2, "m8i", 4, "r8i", 8);
    for (String family : List.of("c8i", "m8i", "r8i")) {
      for (int i = 0; i < sizes.length; i++) {
        add(
            family + "." + sizes[i],
            "x86_64",
            vcpus[i],
            families.get(family),
            true,
            false,
            3.9,
            gen8[i]);
      }
      add(family + ".metal-48xl", "x86_64", 192, families.get(family), false, true, 3.9, metal);
      add(family + ".metal-96xl", "x86_64", 384, families.get(family), false, true, 3.9, metal);
      // Flex variants stop at 16xlarge.
      for (int i = 0; i <= 6; i++) {
        add(
            family + "-flex." + sizes[i],
            "x86_64",
            vcpus[i],
            families.get(family),
            true,
            false,
            3.9,
            gen8[i]);
      }
    }
    add("c8id.large", "x86_64", 2, 2, true, false, 3.9, gen8[0]);
    add("c8id.xlarge", "x86_64", 4, 2, true, false, 3.9, gen8[1]);
    Network large = new Network(3, 10);
    Network xlarge = new Network(4, 15);
    for (String family : List.of("c7i", "m7i", "r7i")) {
      int perVcpu = families.get(family.replace('7', '8'));
      add(family + ".large", "x86_64", 2, perVcpu, false, false, 3.2, large);
      add(family + ".xlarge", "x86_64", 4, perVcpu, false, false, 3.2, xlarge);
      add(family + ".2xlarge", "x86_64", 8, perVcpu, false, false, 3.2, xlarge);
    }
    add("m5.large", "x86_64", 2, 4, false, false, 3.1, large);
    add("m5.xlarge", "x86_64", 4, 4, false, false, 3.1, xlarge);
    add("t3.medium", "x86_64", 2, 2, false, false, 2.5, new Network(3, 6));
    add("m7g.large", "arm64", 2, 4, false, false, 2.6, large);
    add("m7g.xlarge", "arm64", 4, 4, false, false, 2.6, xlarge);
    add("c7g.large", "arm64", 2, 2, false, false, 2.6, large);
    add("c7g.xlarge", "arm64", 4, 2, false, false, 2.6, xlarge);
  }

  private void add(
      String name,
      String architecture,
      int vcpus,
      int gibPerVcpu,
      boolean nested,
      boolean metal,
      double clock,
      Network network) {
    types.put(
        name,
        new InstanceTypeSpec(
            name,
            architecture,
            vcpus,
            vcpus * gibPerVcpu * 1024L,
            nested,
            metal,
            true,
            clock,
            network.interfaces(),
            network.ipv4PerInterface()));
  }

  Optional<InstanceTypeSpec> find(String name) {
    return Optional.ofNullable(types.get(name));
  }

  List<InstanceTypeSpec> all() {
    return Collections.unmodifiableList(new ArrayList<>(types.values()));
  }
}
