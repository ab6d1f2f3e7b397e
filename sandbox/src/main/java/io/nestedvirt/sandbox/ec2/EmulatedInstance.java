package io.nestedvirt.sandbox.ec2;

import io.nestedvirt.operator.cloud.InstanceState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of one emulated instance: what tests assert on and what a kubelet simulator
 * needs (id, zone, private DNS name, state, tags, decoded user data). The emulator replaces the
 * snapshot whenever the instance changes.
 */
public record EmulatedInstance(
    String id,
    String reservationId,
    String instanceType,
    String architecture,
    String imageId,
    String vpcId,
    String subnetId,
    String zone,
    String privateIpAddress,
    String privateDnsName,
    List<GroupRef> securityGroups,
    Instant launchTime,
    InstanceState state,
    Instant stateChangedAt,
    CpuOptions cpuOptions,
    MetadataOptions metadataOptions,
    /** User data as the instance sees it (base64-decoded); null when none was given. */
    String userData,
    /** {@code spot} or {@code on-demand}. */
    String marketType,
    /** Why it last began to stop or shut down; null before it ever did. */
    StateReason stateReason,
    /** Null when launched without an instance profile. */
    String iamInstanceProfileArn,
    List<BlockDevice> blockDevices,
    Map<String, String> tags,
    String clientToken) {

  public EmulatedInstance {
    securityGroups = List.copyOf(securityGroups);
    blockDevices = List.copyOf(blockDevices);
    tags = Map.copyOf(tags);
  }

  /**
   * Why an instance stops or shuts down, as DescribeInstances reports it in {@code stateReason}.
   */
  public enum StateReason {
    USER_INITIATED(
        "Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown"),
    /** EC2 took a Spot instance back. */
    SPOT_TERMINATION(
        "Server.SpotInstanceTermination",
        "Server.SpotInstanceTermination: Spot instance termination");

    private final String code;
    private final String message;

    StateReason(String code, String message) {
      this.code = code;
      this.message = message;
    }

    public String code() {
      return code;
    }

    public String message() {
      return message;
    }
  }

  /** A security group attached to the instance. */
  public record GroupRef(String id, String name) {}

  /** The CPU options the instance runs with (as DescribeInstances reports them). */
  public record CpuOptions(int coreCount, int threadsPerCore, boolean nestedVirtualization) {}

  /** Instance metadata service options: {@code httpTokens} is {@code required} for IMDSv2 only. */
  public record MetadataOptions(
      String httpTokens, int httpPutResponseHopLimit, String httpEndpoint) {}

  /** An EBS volume attached at launch, with the tags it was created with. */
  public record BlockDevice(
      String deviceName,
      String volumeId,
      int sizeGiB,
      String volumeType,
      boolean encrypted,
      String kmsKeyId,
      Map<String, String> tags) {
    public BlockDevice {
      tags = Map.copyOf(tags);
    }
  }

  public String tag(String key) {
    return tags.get(key);
  }

  public boolean spot() {
    return "spot".equals(marketType);
  }

  /** The root volume (the first mapping, which the emulator always makes the root). */
  public BlockDevice rootVolume() {
    return blockDevices.getFirst();
  }

  public List<String> securityGroupIds() {
    return securityGroups.stream().map(GroupRef::id).toList();
  }

  /** The new state; stopping or shutting down is user-initiated, later states keep the reason. */
  EmulatedInstance withState(InstanceState newState, Instant at) {
    boolean leaving = newState == InstanceState.STOPPING || newState == InstanceState.SHUTTING_DOWN;
    return withState(newState, at, leaving ? StateReason.USER_INITIATED : stateReason);
  }

  EmulatedInstance withState(InstanceState newState, Instant at, StateReason reason) {
    return new EmulatedInstance(
        id,
        reservationId,
        instanceType,
        architecture,
        imageId,
        vpcId,
        subnetId,
        zone,
        privateIpAddress,
        privateDnsName,
        securityGroups,
        launchTime,
        newState,
        at,
        cpuOptions,
        metadataOptions,
        userData,
        marketType,
        reason,
        iamInstanceProfileArn,
        blockDevices,
        tags,
        clientToken);
  }

  EmulatedInstance withTags(Map<String, String> newTags) {
    return new EmulatedInstance(
        id,
        reservationId,
        instanceType,
        architecture,
        imageId,
        vpcId,
        subnetId,
        zone,
        privateIpAddress,
        privateDnsName,
        securityGroups,
        launchTime,
        state,
        stateChangedAt,
        cpuOptions,
        metadataOptions,
        userData,
        marketType,
        stateReason,
        iamInstanceProfileArn,
        blockDevices,
        newTags,
        clientToken);
  }

  EmulatedInstance withBlockDevices(List<BlockDevice> devices) {
    return new EmulatedInstance(
        id,
        reservationId,
        instanceType,
        architecture,
        imageId,
        vpcId,
        subnetId,
        zone,
        privateIpAddress,
        privateDnsName,
        securityGroups,
        launchTime,
        state,
        stateChangedAt,
        cpuOptions,
        metadataOptions,
        userData,
        marketType,
        stateReason,
        iamInstanceProfileArn,
        devices,
        tags,
        clientToken);
  }
}
