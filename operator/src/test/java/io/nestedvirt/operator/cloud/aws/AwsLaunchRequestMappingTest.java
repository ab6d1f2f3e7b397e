package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.LaunchRequest;
import io.nestedvirt.operator.cloud.LaunchRequest.MetadataOptions;
import io.nestedvirt.operator.cloud.LaunchRequest.RootVolume;
import io.nestedvirt.operator.cloud.Tags;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataEndpointState;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

class AwsLaunchRequestMappingTest {

  private static final Map<String, String> TAGS =
      Map.of(Tags.CLUSTER, "prod", Tags.POOL, "kvm", Tags.kubernetesCluster("prod"), "owned");

  static LaunchRequest request(CapacityType capacity, String profile, Map<String, String> tags) {
    return new LaunchRequest(
        "pool-kvm-7f3a",
        3,
        "c8i.2xlarge",
        "subnet-0a1",
        "ami-0123",
        List.of("sg-1", "sg-2"),
        profile,
        new RootVolume(80, "gp3", true, "arn:aws:kms:us-east-1:111122223333:key/abc"),
        new MetadataOptions(true, 1, true),
        4,
        2,
        capacity,
        "#!/bin/bash\necho hello ü\n",
        tags);
  }

  private static RunInstancesRequest run(LaunchRequest request) {
    return LaunchRequests.toRunInstances(request);
  }

  @Test
  void alwaysEnablesNestedVirtualizationAndKeepsCpuTopology() {
    RunInstancesRequest run = run(request(CapacityType.ON_DEMAND, null, TAGS));

    assertThat(run.cpuOptions().nestedVirtualization())
        .as("the CPU option this operator exists for")
        .isEqualTo(NestedVirtualizationSpecification.ENABLED);
    assertThat(run.cpuOptions().coreCount()).isEqualTo(4);
    assertThat(run.cpuOptions().threadsPerCore()).isEqualTo(2);
  }

  @Test
  void leavesCpuTopologyToEc2WhenNotGiven() {
    LaunchRequest base = request(CapacityType.ON_DEMAND, null, TAGS);
    LaunchRequest noTopology =
        new LaunchRequest(
            base.clientToken(),
            base.count(),
            base.instanceType(),
            base.subnetId(),
            base.imageId(),
            base.securityGroupIds(),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            base.tags());

    RunInstancesRequest run = run(noTopology);

    assertThat(run.cpuOptions().nestedVirtualization())
        .isEqualTo(NestedVirtualizationSpecification.ENABLED);
    assertThat(run.cpuOptions().coreCount()).isNull();
    assertThat(run.cpuOptions().threadsPerCore()).isNull();
    assertThat(run.blockDeviceMappings()).isEmpty();
    assertThat(run.metadataOptions()).isNull();
    assertThat(run.instanceMarketOptions()).isNull();
    assertThat(run.userData()).isNull();
    assertThat(run.iamInstanceProfile()).isNull();
  }

  @Test
  void launchesExactlyCountOrNothingUnderTheClientToken() {
    RunInstancesRequest run = run(request(CapacityType.ON_DEMAND, null, TAGS));

    assertThat(run.minCount()).isEqualTo(3);
    assertThat(run.maxCount()).isEqualTo(3);
    assertThat(run.clientToken()).isEqualTo("pool-kvm-7f3a");
    assertThat(run.instanceTypeAsString()).isEqualTo("c8i.2xlarge");
    assertThat(run.subnetId()).isEqualTo("subnet-0a1");
    assertThat(run.imageId()).isEqualTo("ami-0123");
    assertThat(run.securityGroupIds()).containsExactly("sg-1", "sg-2");
  }

  @Test
  void tagsBothInstanceAndVolumeWithTheRequestTags() {
    RunInstancesRequest run = run(request(CapacityType.ON_DEMAND, null, TAGS));

    assertThat(run.tagSpecifications())
        .extracting(TagSpecification::resourceType)
        .containsExactlyInAnyOrder(ResourceType.INSTANCE, ResourceType.VOLUME);
    for (TagSpecification spec : run.tagSpecifications()) {
      assertThat(spec.tags())
          .as("tags on %s", spec.resourceType())
          .extracting(Tag::key, Tag::value)
          .containsExactlyInAnyOrder(
              tuple(Tags.CLUSTER, "prod"),
              tuple(Tags.POOL, "kvm"),
              tuple("kubernetes.io/cluster/prod", "owned"));
    }
  }

  @Test
  void aSpotLaunchAlsoTagsItsSpotRequestWithTheRequestTags() {
    RunInstancesRequest run = run(request(CapacityType.SPOT, null, TAGS));

    assertThat(run.tagSpecifications())
        .extracting(TagSpecification::resourceType)
        .containsExactlyInAnyOrder(
            ResourceType.INSTANCE, ResourceType.VOLUME, ResourceType.SPOT_INSTANCES_REQUEST);
    assertThat(run.tagSpecifications())
        .allSatisfy(
            spec ->
                assertThat(spec.tags())
                    .as("tags on %s", spec.resourceType())
                    .contains(Tag.builder().key(Tags.CLUSTER).value("prod").build()));
  }

  @Test
  void sendsNoTagSpecificationWhenThereAreNoTags() {
    assertThat(run(request(CapacityType.ON_DEMAND, null, Map.of())).tagSpecifications())
        .as("EC2 rejects a tag specification without tags")
        .isEmpty();
  }

  @Test
  void requiresImdsV2WithTheRequestedHopLimit() {
    RunInstancesRequest run = run(request(CapacityType.ON_DEMAND, null, TAGS));

    assertThat(run.metadataOptions().httpTokens()).isEqualTo(HttpTokensState.REQUIRED);
    assertThat(run.metadataOptions().httpPutResponseHopLimit()).isEqualTo(1);
    assertThat(run.metadataOptions().httpEndpoint())
        .isEqualTo(InstanceMetadataEndpointState.ENABLED);
  }

  @Test
  void mapsOptionalTokensAndDisabledEndpoint() {
    LaunchRequest base = request(CapacityType.ON_DEMAND, null, TAGS);
    LaunchRequest loose =
        new LaunchRequest(
            base.clientToken(),
            base.count(),
            base.instanceType(),
            base.subnetId(),
            base.imageId(),
            base.securityGroupIds(),
            null,
            null,
            new MetadataOptions(false, 2, false),
            null,
            null,
            null,
            null,
            base.tags());

    RunInstancesRequest run = run(loose);

    assertThat(run.metadataOptions().httpTokens()).isEqualTo(HttpTokensState.OPTIONAL);
    assertThat(run.metadataOptions().httpPutResponseHopLimit()).isEqualTo(2);
    assertThat(run.metadataOptions().httpEndpoint())
        .isEqualTo(InstanceMetadataEndpointState.DISABLED);
  }

  @Test
  void sizesTheAl2023RootVolumeInsteadOfAddingOne() {
    var mapping = run(request(CapacityType.ON_DEMAND, null, TAGS)).blockDeviceMappings();

    assertThat(mapping).hasSize(1);
    assertThat(mapping.getFirst().deviceName()).isEqualTo("/dev/xvda");
    var ebs = mapping.getFirst().ebs();
    assertThat(ebs.volumeSize()).isEqualTo(80);
    assertThat(ebs.volumeTypeAsString()).isEqualTo("gp3");
    assertThat(ebs.encrypted()).isTrue();
    assertThat(ebs.kmsKeyId()).isEqualTo("arn:aws:kms:us-east-1:111122223333:key/abc");
    assertThat(ebs.deleteOnTermination()).isTrue();
  }

  @Test
  void asksForSpotOnlyWhenTheCapacityTypeIsSpot() {
    assertThat(run(request(CapacityType.SPOT, null, TAGS)).instanceMarketOptions().marketType())
        .isEqualTo(MarketType.SPOT);
    assertThat(run(request(CapacityType.ON_DEMAND, null, TAGS)).instanceMarketOptions()).isNull();
  }

  @Test
  void encodesUserDataAsBase64OfUtf8() {
    String encoded = run(request(CapacityType.ON_DEMAND, null, TAGS)).userData();

    assertThat(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8))
        .isEqualTo("#!/bin/bash\necho hello ü\n");
  }

  @Test
  void passesAnInstanceProfileArnAsArnAndANameAsName() {
    var byArn =
        run(request(
                CapacityType.ON_DEMAND, "arn:aws:iam::111122223333:instance-profile/nodes", TAGS))
            .iamInstanceProfile();
    var byName = run(request(CapacityType.ON_DEMAND, "nodes", TAGS)).iamInstanceProfile();

    assertThat(byArn.arn()).isEqualTo("arn:aws:iam::111122223333:instance-profile/nodes");
    assertThat(byArn.name()).isNull();
    assertThat(byName.name()).isEqualTo("nodes");
    assertThat(byName.arn()).isNull();
  }
}
