package io.nestedvirt.operator.cloud;

import java.util.List;
import java.util.Map;

/**
 * One launch call: {@code count} instances of one type in one subnet, all with nested
 * virtualization enabled. The {@code clientToken} makes the call idempotent.
 */
public record LaunchRequest(
    String clientToken,
    int count,
    String instanceType,
    String subnetId,
    String imageId,
    List<String> securityGroupIds,
    /** Instance profile name or ARN; null for none. */
    String instanceProfile,
    RootVolume rootVolume,
    MetadataOptions metadataOptions,
    /** Null fields leave the provider's default. */
    Integer coreCount,
    Integer threadsPerCore,
    CapacityType capacityType,
    /** Raw user data (not base64); null for none. */
    String userData,
    /** Tags for the instance and its volumes. */
    Map<String, String> tags) {

  public LaunchRequest {
    securityGroupIds = List.copyOf(securityGroupIds);
    tags = Map.copyOf(tags);
  }

  /** The root EBS volume. */
  public record RootVolume(int sizeGiB, String volumeType, boolean encrypted, String kmsKeyId) {}

  /** Instance metadata service settings. */
  public record MetadataOptions(boolean tokensRequired, int hopLimit, boolean endpointEnabled) {}
}
