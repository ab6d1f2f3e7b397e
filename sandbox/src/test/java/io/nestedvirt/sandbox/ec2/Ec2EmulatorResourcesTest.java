package io.nestedvirt.sandbox.ec2;

import static io.nestedvirt.sandbox.ec2.Ec2EmulatorInstancesTest.codeOf;
import static io.nestedvirt.sandbox.ec2.Ec2EmulatorInstancesTest.filter;
import static io.nestedvirt.sandbox.ec2.Ec2EmulatorInstancesTest.messageOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ArchitectureType;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceTypesResponse;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.InstanceType;
import software.amazon.awssdk.services.ec2.model.InstanceTypeInfo;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.SupportedAdditionalProcessorFeature;

class Ec2EmulatorResourcesTest {
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private Ec2Client ec2;

  @BeforeEach
  void start() {
    emulator = Ec2Emulator.builder().tickInterval(java.time.Duration.ZERO).start();
    cluster = emulator.seedCluster("demo");
    ec2 = SdkClients.ec2(emulator);
  }

  @AfterEach
  void stop() {
    ec2.close();
    emulator.close();
  }

  private List<InstanceTypeInfo> allTypes(
      java.util.function.Consumer<
              software.amazon.awssdk.services.ec2.model.DescribeInstanceTypesRequest.Builder>
          request) {
    return ec2.describeInstanceTypesPaginator(request).instanceTypes().stream().toList();
  }

  @Test
  void capableTypesReportTheNestedVirtualizationProcessorFeature() {
    InstanceTypeInfo c8i =
        ec2.describeInstanceTypes(r -> r.instanceTypes(InstanceType.C8_I_LARGE))
            .instanceTypes()
            .getFirst();

    assertThat(c8i.processorInfo().supportedFeatures())
        .containsExactly(SupportedAdditionalProcessorFeature.NESTED_VIRTUALIZATION);
    assertThat(c8i.processorInfo().supportedArchitectures())
        .containsExactly(ArchitectureType.X86_64);
    assertThat(c8i.vCpuInfo().defaultVCpus()).isEqualTo(2);
    assertThat(c8i.memoryInfo().sizeInMiB()).isEqualTo(4096L);
    assertThat(c8i.bareMetal()).isFalse();
  }

  @Test
  void incapableAndMetalTypesLackTheFeature() {
    List<InstanceTypeInfo> types =
        ec2.describeInstanceTypes(
                r ->
                    r.instanceTypesWithStrings(
                        "c7i.large", "m7g.large", "m5.large", "c8i.metal-48xl"))
            .instanceTypes();

    assertThat(types).hasSize(4);
    assertThat(types).allSatisfy(t -> assertThat(t.processorInfo().supportedFeatures()).isEmpty());
    InstanceTypeInfo graviton =
        types.stream().filter(t -> t.instanceTypeAsString().equals("m7g.large")).findFirst().get();
    assertThat(graviton.processorInfo().supportedArchitectures())
        .containsExactly(ArchitectureType.ARM64);
    InstanceTypeInfo metal =
        types.stream()
            .filter(t -> t.instanceTypeAsString().equals("c8i.metal-48xl"))
            .findFirst()
            .get();
    assertThat(metal.bareMetal()).isTrue();
    assertThat(metal.vCpuInfo().defaultVCpus()).isEqualTo(192);
  }

  @Test
  void featureAndArchitectureFiltersSelectCapableTypes() {
    List<String> capable =
        allTypes(
                r ->
                    r.filters(filter("processor-info.supported-features", "nested-virtualization")))
            .stream()
            .map(InstanceTypeInfo::instanceTypeAsString)
            .toList();

    assertThat(capable)
        .contains("c8i.large", "m8i.4xlarge", "r8i.48xlarge", "c8i-flex.large", "m8i-flex.2xlarge")
        .doesNotContain("c7i.large", "m7g.large", "m5.large", "c8i.metal-48xl")
        .allMatch(name -> name.matches("[cmr]8id?(-flex)?\\..*"));
    assertThat(
            allTypes(r -> r.filters(filter("processor-info.supported-architecture", "arm64")))
                .stream()
                .map(InstanceTypeInfo::instanceTypeAsString))
        .containsExactlyInAnyOrder("m7g.large", "m7g.xlarge", "c7g.large", "c7g.xlarge");
    assertThat(allTypes(r -> r.filters(filter("instance-type", "c8i-flex.*")))).hasSize(7);
  }

  @Test
  void instanceTypesArePagedAndTheSdkPaginatorSeesEveryTypeOnce() {
    DescribeInstanceTypesResponse first = ec2.describeInstanceTypes(r -> r.maxResults(5));
    assertThat(first.instanceTypes()).hasSize(5);
    assertThat(first.nextToken()).isNotNull();

    List<String> all =
        allTypes(r -> r.maxResults(7)).stream()
            .map(InstanceTypeInfo::instanceTypeAsString)
            .toList();
    assertThat(all).doesNotHaveDuplicates().hasSizeGreaterThan(50);
  }

  @Test
  void unknownInstanceTypeIsAnInvalidInstanceTypeError() {
    assertThat(
            codeOf(
                () ->
                    ec2.describeInstanceTypes(
                        r -> r.instanceTypesWithStrings("c8i.large", "c9z.huge"))))
        .isEqualTo("InvalidInstanceType");
    assertThat(
            messageOf(() -> ec2.describeInstanceTypes(r -> r.instanceTypesWithStrings("c9z.huge"))))
        .contains("c9z.huge");
  }

  @Test
  void subnetsAreFoundByIdAndByClusterTagWithTheirZones() {
    List<Subnet> tagged =
        ec2.describeSubnets(
                r -> r.filters(filter("tag:kubernetes.io/cluster/demo", "shared", "owned")))
            .subnets();
    assertThat(tagged)
        .extracting(Subnet::availabilityZone)
        .containsExactlyInAnyOrder("us-east-1a", "us-east-1b", "us-east-1c");
    assertThat(tagged).allSatisfy(s -> assertThat(s.availableIpAddressCount()).isEqualTo(8187));
    assertThat(
            ec2.describeSubnets(r -> r.filters(filter("tag-key", "kubernetes.io/cluster/demo")))
                .subnets())
        .hasSize(3);
    assertThat(
            ec2.describeSubnets(r -> r.filters(filter("tag-key", "kubernetes.io/cluster/other")))
                .subnets())
        .isEmpty();
    assertThat(ec2.describeSubnets(r -> r.filters(filter("vpc-id", cluster.vpcId()))).subnets())
        .hasSize(3);

    Subnet one =
        ec2.describeSubnets(r -> r.subnetIds(cluster.subnetIds().get(2))).subnets().getFirst();
    assertThat(one.availabilityZone()).isEqualTo("us-east-1c");
    assertThat(one.vpcId()).isEqualTo(cluster.vpcId());
    assertThat(codeOf(() -> ec2.describeSubnets(r -> r.subnetIds("subnet-0123456789abcdef0"))))
        .isEqualTo("InvalidSubnetID.NotFound");
  }

  @Test
  void launchedInstancesUseUpSubnetAddresses() {
    ec2.runInstances(
        r ->
            r.imageId(cluster.imageId())
                .instanceType("c8i.large")
                .minCount(3)
                .maxCount(3)
                .subnetId(cluster.subnetIds().getFirst()));

    assertThat(
            ec2.describeSubnets(r -> r.subnetIds(cluster.subnetIds().getFirst()))
                .subnets()
                .getFirst()
                .availableIpAddressCount())
        .isEqualTo(8184);
  }

  @Test
  void securityGroupsAreFoundByIdAndTag() {
    List<SecurityGroup> owned =
        ec2.describeSecurityGroups(
                r -> r.filters(filter("tag:kubernetes.io/cluster/demo", "owned")))
            .securityGroups();
    assertThat(owned).extracting(SecurityGroup::groupId).containsExactly(cluster.securityGroupId());
    assertThat(
            ec2.describeSecurityGroups(r -> r.groupIds(cluster.securityGroupId()))
                .securityGroups()
                .getFirst()
                .vpcId())
        .isEqualTo(cluster.vpcId());
    assertThat(
            ec2.describeSecurityGroups(
                    r -> r.filters(filter("group-id", cluster.securityGroupId())))
                .securityGroups())
        .hasSize(1);
    assertThat(codeOf(() -> ec2.describeSecurityGroups(r -> r.groupIds("sg-0123456789abcdef0"))))
        .isEqualTo("InvalidGroup.NotFound");
  }

  @Test
  void imagesAreFoundByIdWhileUnknownAndMalformedIdsFailDifferently() {
    Image image = ec2.describeImages(r -> r.imageIds(cluster.imageId())).images().getFirst();
    assertThat(image.architectureAsString()).isEqualTo("x86_64");
    assertThat(image.name()).startsWith("amazon-eks-node-al2023-x86_64");

    assertThat(codeOf(() -> ec2.describeImages(r -> r.imageIds("ami-0123456789abcdef0"))))
        .isEqualTo("InvalidAMIID.NotFound");
    assertThat(codeOf(() -> ec2.describeImages(r -> r.imageIds("eks-al2023"))))
        .isEqualTo("InvalidAMIID.Malformed");
    assertThat(ec2.describeImages(r -> r.filters(filter("name", "no-such-*"))).images())
        .as("a filter that matches nothing is an empty answer, not an error")
        .isEmpty();
    EmulatedImage own = emulator.addImage("custom", "x86_64", Map.of("team", "kvm"));
    assertThat(ec2.describeImages(r -> r.owners("self")).images())
        .extracting(Image::imageId)
        .containsExactly(own.id());
    assertThat(ec2.describeImages(r -> r.filters(filter("tag:team", "kvm"))).images()).hasSize(1);
  }

  @Test
  void createTagsOnSubnetsIsVisibleToTagFilters() {
    ec2.createTags(
        r ->
            r.resources(cluster.subnetIds().getFirst())
                .tags(t -> t.key("nestedvirt.io/pool").value("a")));

    assertThat(ec2.describeSubnets(r -> r.filters(filter("tag:nestedvirt.io/pool", "a"))).subnets())
        .extracting(Subnet::subnetId)
        .containsExactly(cluster.subnetIds().getFirst());
  }
}
