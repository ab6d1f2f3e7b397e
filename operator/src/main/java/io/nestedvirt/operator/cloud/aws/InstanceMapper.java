package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.cloud.Subnet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.CpuOptions;
import software.amazon.awssdk.services.ec2.model.InstanceLifecycleType;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.ProcessorInfo;
import software.amazon.awssdk.services.ec2.model.SupportedAdditionalProcessorFeature;
import software.amazon.awssdk.services.ec2.model.Tag;

/** Maps EC2 descriptions to our model. Pure; tolerant of fields EC2 (or an emulator) omits. */
final class InstanceMapper {

  private InstanceMapper() {}

  static Instance toInstance(software.amazon.awssdk.services.ec2.model.Instance ec2) {
    return new Instance(
        ec2.instanceId(),
        ec2.instanceTypeAsString(),
        ec2.placement() == null ? null : ec2.placement().availabilityZone(),
        ec2.subnetId(),
        ec2.state() == null ? null : InstanceState.fromWireName(ec2.state().nameAsString()),
        nestedVirtualization(ec2.cpuOptions()),
        ec2.launchTime(),
        ec2.instanceLifecycle() == InstanceLifecycleType.SPOT
            ? CapacityType.SPOT
            : CapacityType.ON_DEMAND,
        ec2.privateDnsName(),
        ec2.clientToken() == null || ec2.clientToken().isEmpty() ? null : ec2.clientToken(),
        toMap(ec2.tags()),
        ec2.imageId());
  }

  /**
   * What EC2 reports, and nothing more: EC2 always answers enabled or disabled; an endpoint that
   * does not know the option answers nothing, which stays UNREPORTED rather than a guess.
   */
  private static NestedVirtualization nestedVirtualization(CpuOptions cpu) {
    if (cpu == null || cpu.nestedVirtualization() == null) {
      return NestedVirtualization.UNREPORTED;
    }
    return switch (cpu.nestedVirtualization()) {
      case ENABLED -> NestedVirtualization.ENABLED;
      case DISABLED -> NestedVirtualization.DISABLED;
      default -> NestedVirtualization.UNREPORTED;
    };
  }

  static InstanceType toInstanceType(InstanceTypeInfo info) {
    ProcessorInfo cpu = info.processorInfo();
    return new InstanceType(
        info.instanceTypeAsString(),
        cpu == null ? List.of() : cpu.supportedArchitecturesAsStrings(),
        cpu != null
            && cpu.supportedFeatures()
                .contains(SupportedAdditionalProcessorFeature.NESTED_VIRTUALIZATION),
        Boolean.TRUE.equals(info.bareMetal()),
        info.vCpuInfo() == null || info.vCpuInfo().defaultVCpus() == null
            ? 0
            : info.vCpuInfo().defaultVCpus(),
        info.memoryInfo() == null || info.memoryInfo().sizeInMiB() == null
            ? 0
            : info.memoryInfo().sizeInMiB(),
        orZero(info.networkInfo() == null ? null : info.networkInfo().maximumNetworkInterfaces()),
        orZero(info.networkInfo() == null ? null : info.networkInfo().ipv4AddressesPerInterface()));
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }

  static Subnet toSubnet(software.amazon.awssdk.services.ec2.model.Subnet subnet) {
    Integer free = subnet.availableIpAddressCount();
    return new Subnet(subnet.subnetId(), subnet.availabilityZone(), free == null ? 0 : free);
  }

  static Map<String, String> toMap(List<Tag> tags) {
    Map<String, String> map = new LinkedHashMap<>();
    // EC2 allows an empty value but never a null one; an emulator might send either.
    tags.forEach(t -> map.put(t.key(), t.value() == null ? "" : t.value()));
    return map;
  }
}
