package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.LaunchRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.CpuOptionsRequest;
import software.amazon.awssdk.services.ec2.model.EbsBlockDevice;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.IamInstanceProfileSpecification;
import software.amazon.awssdk.services.ec2.model.InstanceMarketOptionsRequest;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataEndpointState;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataOptionsRequest;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** Maps our {@link LaunchRequest} to one EC2 {@code RunInstances} call. Pure, no I/O. */
final class LaunchRequests {

  /**
   * The root device of Amazon Linux 2023 (and the EKS AL2023 AMIs). A mapping on any other name
   * would add a second, unused volume instead of resizing the root one.
   */
  static final String ROOT_DEVICE_NAME = "/dev/xvda";

  private LaunchRequests() {}

  static RunInstancesRequest toRunInstances(LaunchRequest request) {
    RunInstancesRequest.Builder run =
        RunInstancesRequest.builder()
            // All or nothing: a partial launch would leave the pool between sizes and the token
            // already spent, so the next reconcile could not top it up idempotently.
            .minCount(request.count())
            .maxCount(request.count())
            .clientToken(request.clientToken())
            .instanceType(request.instanceType())
            .imageId(request.imageId())
            .subnetId(request.subnetId())
            .securityGroupIds(request.securityGroupIds())
            .cpuOptions(cpuOptions(request));
    // EC2 rejects a tag specification without tags; the operator always sends some, but a request
    // without them should still launch rather than fail on a technicality.
    if (!request.tags().isEmpty()) {
      List<TagSpecification> tagged = new ArrayList<>();
      tagged.add(tagSpecification(ResourceType.INSTANCE, request.tags()));
      tagged.add(tagSpecification(ResourceType.VOLUME, request.tags()));
      if (request.capacityType() == CapacityType.SPOT) {
        // A spot launch also creates a spot-instances-request, and deploy/iam-policy.json lets
        // RunInstances create one only with the cluster tag in the request (aws:RequestTag is
        // evaluated for each resource type the request tags).
        tagged.add(tagSpecification(ResourceType.SPOT_INSTANCES_REQUEST, request.tags()));
      }
      run.tagSpecifications(tagged);
    }
    if (request.instanceProfile() != null) {
      run.iamInstanceProfile(instanceProfile(request.instanceProfile()));
    }
    if (request.rootVolume() != null) {
      run.blockDeviceMappings(rootVolume(request.rootVolume()));
    }
    if (request.metadataOptions() != null) {
      run.metadataOptions(metadataOptions(request.metadataOptions()));
    }
    if (request.capacityType() == CapacityType.SPOT) {
      run.instanceMarketOptions(
          InstanceMarketOptionsRequest.builder().marketType(MarketType.SPOT).build());
    }
    if (request.userData() != null) {
      run.userData(
          Base64.getEncoder().encodeToString(request.userData().getBytes(StandardCharsets.UTF_8)));
    }
    return run.build();
  }

  private static CpuOptionsRequest cpuOptions(LaunchRequest request) {
    // Nested virtualization is the reason this operator exists: it is never optional here.
    return CpuOptionsRequest.builder()
        .nestedVirtualization(NestedVirtualizationSpecification.ENABLED)
        .coreCount(request.coreCount())
        .threadsPerCore(request.threadsPerCore())
        .build();
  }

  private static IamInstanceProfileSpecification instanceProfile(String profile) {
    IamInstanceProfileSpecification.Builder spec = IamInstanceProfileSpecification.builder();
    return (profile.startsWith("arn:") ? spec.arn(profile) : spec.name(profile)).build();
  }

  private static BlockDeviceMapping rootVolume(LaunchRequest.RootVolume volume) {
    return BlockDeviceMapping.builder()
        .deviceName(ROOT_DEVICE_NAME)
        .ebs(
            EbsBlockDevice.builder()
                .volumeSize(volume.sizeGiB())
                .volumeType(volume.volumeType())
                .encrypted(volume.encrypted())
                .kmsKeyId(volume.kmsKeyId())
                // A terminated node's disk is garbage; keeping it would leak cost.
                .deleteOnTermination(true)
                .build())
        .build();
  }

  private static InstanceMetadataOptionsRequest metadataOptions(
      LaunchRequest.MetadataOptions options) {
    return InstanceMetadataOptionsRequest.builder()
        .httpTokens(options.tokensRequired() ? HttpTokensState.REQUIRED : HttpTokensState.OPTIONAL)
        .httpPutResponseHopLimit(options.hopLimit())
        .httpEndpoint(
            options.endpointEnabled()
                ? InstanceMetadataEndpointState.ENABLED
                : InstanceMetadataEndpointState.DISABLED)
        .build();
  }

  private static TagSpecification tagSpecification(ResourceType type, Map<String, String> tags) {
    return TagSpecification.builder().resourceType(type).tags(toTags(tags)).build();
  }

  static List<Tag> toTags(Map<String, String> tags) {
    return tags.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
        .toList();
  }
}
