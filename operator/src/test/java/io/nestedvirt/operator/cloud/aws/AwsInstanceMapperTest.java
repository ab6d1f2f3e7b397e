package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.ArchitectureType;
import software.amazon.awssdk.services.ec2.model.CpuOptions;
import software.amazon.awssdk.services.ec2.model.InstanceLifecycleType;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;
import software.amazon.awssdk.services.ec2.model.SupportedAdditionalProcessorFeature;
import software.amazon.awssdk.services.ec2.model.Tag;

class AwsInstanceMapperTest {

  private static final Instant LAUNCHED = Instant.parse("2026-11-02T10:15:30Z");

  private static software.amazon.awssdk.services.ec2.model.Instance.Builder described() {
    return software.amazon.awssdk.services.ec2.model.Instance.builder()
        .instanceId("i-0abc")
        .instanceType("c8i.large")
        .placement(p -> p.availabilityZone("us-east-1b"))
        .subnetId("subnet-1")
        .state(s -> s.name(InstanceStateName.SHUTTING_DOWN))
        .cpuOptions(
            CpuOptions.builder()
                .coreCount(1)
                .threadsPerCore(2)
                .nestedVirtualization(NestedVirtualizationSpecification.ENABLED)
                .build())
        .launchTime(LAUNCHED)
        .imageId("ami-0node")
        .instanceLifecycle(InstanceLifecycleType.SPOT)
        .privateDnsName("ip-10-0-0-1.ec2.internal")
        .tags(
            Tag.builder().key("nestedvirt.io/pool").value("kvm").build(),
            Tag.builder().key("empty").build());
  }

  @Test
  void mapsEveryFieldOfADescribedInstance() {
    Instance instance = InstanceMapper.toInstance(described().build());

    assertThat(instance)
        .isEqualTo(
            new Instance(
                "i-0abc",
                "c8i.large",
                "us-east-1b",
                "subnet-1",
                InstanceState.SHUTTING_DOWN,
                NestedVirtualization.ENABLED,
                LAUNCHED,
                CapacityType.SPOT,
                "ip-10-0-0-1.ec2.internal",
                null,
                java.util.Map.of("nestedvirt.io/pool", "kvm", "empty", ""),
                "ami-0node"));
  }

  @Test
  void keepsDisabledApartFromUnreported() {
    var withoutCpuOptions = described().cpuOptions((CpuOptions) null).build();
    var disabled =
        described()
            .cpuOptions(
                CpuOptions.builder()
                    .nestedVirtualization(NestedVirtualizationSpecification.DISABLED)
                    .build())
            .build();

    assertThat(InstanceMapper.toInstance(withoutCpuOptions).nestedVirtualization())
        .isEqualTo(NestedVirtualization.UNREPORTED);
    assertThat(InstanceMapper.toInstance(disabled).nestedVirtualization())
        .isEqualTo(NestedVirtualization.DISABLED);
  }

  @Test
  void treatsAnInstanceWithoutLifecycleAsOnDemand() {
    var onDemand = described().instanceLifecycle((InstanceLifecycleType) null).build();

    assertThat(InstanceMapper.toInstance(onDemand).capacityType())
        .isEqualTo(CapacityType.ON_DEMAND);
  }

  @Test
  void mapsTheProcessorFeatureAndArchitectureOfAnInstanceType() {
    InstanceTypeInfo c8i =
        InstanceTypeInfo.builder()
            .instanceType("c8i.large")
            .processorInfo(
                p ->
                    p.supportedArchitectures(ArchitectureType.X86_64)
                        .supportedFeatures(
                            SupportedAdditionalProcessorFeature.NESTED_VIRTUALIZATION))
            .bareMetal(false)
            .vCpuInfo(v -> v.defaultVCpus(2))
            .memoryInfo(m -> m.sizeInMiB(4096L))
            .networkInfo(n -> n.maximumNetworkInterfaces(3).ipv4AddressesPerInterface(20))
            .build();
    InstanceTypeInfo m8g =
        InstanceTypeInfo.builder()
            .instanceType("m8g.large")
            .processorInfo(p -> p.supportedArchitectures(ArchitectureType.ARM64))
            .build();

    InstanceType capable = InstanceMapper.toInstanceType(c8i);
    InstanceType arm = InstanceMapper.toInstanceType(m8g);

    assertThat(capable)
        .isEqualTo(
            new InstanceType(
                "c8i.large", java.util.List.of("x86_64"), true, false, 2, 4096, 3, 20));
    assertThat(capable.capable()).isTrue();
    assertThat(arm.nestedVirtualization()).isFalse();
    assertThat(arm.architectures()).containsExactly("arm64");
    assertThat(arm.capable()).isFalse();
    assertThat(arm.maxNetworkInterfaces()).as("no networkInfo: 0, not a guess").isZero();
    assertThat(arm.ipv4AddressesPerInterface()).isZero();
  }
}
