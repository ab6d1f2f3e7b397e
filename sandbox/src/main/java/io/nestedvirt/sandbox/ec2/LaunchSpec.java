package io.nestedvirt.sandbox.ec2;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A RunInstances request, parsed and checked for shape (not yet against the cloud's state). */
record LaunchSpec(
    String imageId,
    String instanceType,
    int minCount,
    int maxCount,
    String clientToken,
    /** Every parameter but the token: equal fingerprints make a retry "the same request". */
    String fingerprint,
    String subnetId,
    List<String> securityGroupIds,
    String userData,
    String iamInstanceProfileName,
    String iamInstanceProfileArn,
    List<DeviceSpec> blockDevices,
    String httpTokens,
    Integer httpPutResponseHopLimit,
    String httpEndpoint,
    Integer coreCount,
    Integer threadsPerCore,
    boolean nestedVirtualization,
    String marketType,
    Map<String, String> instanceTags,
    Map<String, String> volumeTags) {

  /** One {@code BlockDeviceMapping.N}; null fields take the image's defaults. */
  record DeviceSpec(
      String deviceName, Integer sizeGiB, String volumeType, Boolean encrypted, String kmsKeyId) {}

  private static final int MAX_USER_DATA_BYTES = 16 * 1024;

  static LaunchSpec from(QueryRequest request) {
    String imageId = request.require("ImageId");
    String instanceType = request.get("InstanceType");
    if (instanceType == null) {
      instanceType = "m1.small"; // EC2's historical default; the catalog rejects it below.
    }
    Integer min = request.getInt("MinCount");
    Integer max = request.getInt("MaxCount");
    if (min == null) {
      throw Ec2Error.missingParameter("MinCount");
    }
    if (max == null) {
      throw Ec2Error.missingParameter("MaxCount");
    }
    if (min < 1 || max < 1) {
      throw Ec2Error.invalidParameterValue("MinCount and MaxCount must be greater than zero.");
    }
    if (min > max) {
      throw Ec2Error.invalidParameterValue(
          "MinCount (" + min + ") must not be greater than MaxCount (" + max + ").");
    }
    String nested = request.get("CpuOptions.NestedVirtualization");
    if (nested != null && !nested.equals("enabled") && !nested.equals("disabled")) {
      throw Ec2Error.invalidParameterValue(
          "Value (" + nested + ") for parameter CpuOptions.NestedVirtualization is invalid.");
    }
    String market = request.get("InstanceMarketOptions.MarketType");
    if (market != null && !market.equals("spot") && !market.equals("capacity-block")) {
      throw Ec2Error.invalidParameterValue(
          "Value (" + market + ") for parameter InstanceMarketOptions.MarketType is invalid.");
    }
    Map<String, String> instanceTags = new LinkedHashMap<>();
    Map<String, String> volumeTags = new LinkedHashMap<>();
    for (int index : request.indices("TagSpecification")) {
      String prefix = "TagSpecification." + index;
      String resourceType = request.require(prefix + ".ResourceType");
      Map<String, String> tags = tags(request, prefix + ".Tag");
      switch (resourceType) {
        case "instance" -> instanceTags.putAll(tags);
        case "volume" -> volumeTags.putAll(tags);
        case "network-interface", "spot-instances-request" -> {
          // Accepted like AWS, but the emulator models neither resource.
        }
        default ->
            throw Ec2Error.invalidParameterValue(
                "'" + resourceType + "' is not a valid taggable resource type for this operation.");
      }
    }
    List<DeviceSpec> devices = new ArrayList<>();
    for (int index : request.indices("BlockDeviceMapping")) {
      String prefix = "BlockDeviceMapping." + index;
      devices.add(
          new DeviceSpec(
              request.require(prefix + ".DeviceName"),
              request.getInt(prefix + ".Ebs.VolumeSize"),
              request.get(prefix + ".Ebs.VolumeType"),
              request.getBoolean(prefix + ".Ebs.Encrypted"),
              request.get(prefix + ".Ebs.KmsKeyId")));
    }
    return new LaunchSpec(
        imageId,
        instanceType,
        min,
        max,
        request.get("ClientToken"),
        request.fingerprintWithout("ClientToken"),
        request.get("SubnetId"),
        request.list("SecurityGroupId"),
        userData(request.get("UserData")),
        request.get("IamInstanceProfile.Name"),
        request.get("IamInstanceProfile.Arn"),
        devices,
        request.get("MetadataOptions.HttpTokens"),
        request.getInt("MetadataOptions.HttpPutResponseHopLimit"),
        request.get("MetadataOptions.HttpEndpoint"),
        request.getInt("CpuOptions.CoreCount"),
        request.getInt("CpuOptions.ThreadsPerCore"),
        "enabled".equals(nested),
        market == null ? "on-demand" : market,
        instanceTags,
        volumeTags);
  }

  /** {@code Tag.N.Key}/{@code Tag.N.Value} under a prefix, checked like EC2 checks them. */
  static Map<String, String> tags(QueryRequest request, String prefix) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (int index : request.indices(prefix)) {
      String key = request.get(prefix + "." + index + ".Key");
      if (key == null || key.isEmpty()) {
        throw Ec2Error.client("InvalidParameterValue", "Tag key must not be empty.");
      }
      if (key.startsWith("aws:")) {
        throw Ec2Error.invalidParameterValue(
            "Tag keys starting with 'aws:' are reserved for internal use");
      }
      String value = request.get(prefix + "." + index + ".Value");
      tags.put(key, value == null ? "" : value);
    }
    return tags;
  }

  /** UserData travels base64-encoded (the SDK v2 does not encode it for you). */
  private static String userData(String encoded) {
    if (encoded == null) {
      return null;
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(encoded.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw Ec2Error.invalidParameterValue("Invalid BASE64 encoding of user data.");
    }
    if (raw.length > MAX_USER_DATA_BYTES) {
      throw Ec2Error.invalidParameterValue("User data is limited to 16384 bytes");
    }
    return new String(raw, StandardCharsets.UTF_8);
  }
}
