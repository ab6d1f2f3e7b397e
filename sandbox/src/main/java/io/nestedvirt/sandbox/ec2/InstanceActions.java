package io.nestedvirt.sandbox.ec2;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.ec2.EmulatedInstance.BlockDevice;
import io.nestedvirt.sandbox.ec2.EmulatedInstance.GroupRef;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Predicate;

/** RunInstances, DescribeInstances and TerminateInstances, rendered as EC2 renders them. */
final class InstanceActions {
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Ec2State state;
  private final Filters<EmulatedInstance> filters =
      Filters.withTags(EmulatedInstance::tags)
          .single("instance-id", EmulatedInstance::id)
          .single("instance-state-name", i -> i.state().wireName())
          .single("instance-state-code", i -> String.valueOf(stateCode(i.state())))
          .single("instance-type", EmulatedInstance::instanceType)
          .single("subnet-id", EmulatedInstance::subnetId)
          .single("vpc-id", EmulatedInstance::vpcId)
          .single("availability-zone", EmulatedInstance::zone)
          .single("image-id", EmulatedInstance::imageId)
          .single("private-dns-name", EmulatedInstance::privateDnsName)
          .single("private-ip-address", EmulatedInstance::privateIpAddress)
          .single("reservation-id", EmulatedInstance::reservationId)
          .single("client-token", EmulatedInstance::clientToken)
          .single("instance-lifecycle", i -> i.spot() ? "spot" : null)
          .multi("instance.group-id", EmulatedInstance::securityGroupIds);

  InstanceActions(Ec2State state) {
    this.state = state;
  }

  String runInstances(QueryRequest request, String requestId) {
    Ec2State.Reservation reservation = state.launch(LaunchSpec.from(request));
    XmlWriter xml = XmlWriter.response("RunInstances", requestId);
    xml.leaf("reservationId", reservation.reservationId()).leaf("ownerId", Ec2State.ACCOUNT_ID);
    xml.start("groupSet").end();
    xml.start("instancesSet");
    reservation.instances().forEach(instance -> writeInstance(xml, instance));
    xml.end();
    return xml.finish();
  }

  String describeInstances(QueryRequest request, String requestId) {
    List<String> ids = request.list("InstanceId");
    Integer maxResults = request.getInt("MaxResults");
    if (!ids.isEmpty() && maxResults != null) {
      throw Ec2Error.client(
          "InvalidParameterCombination",
          "The parameter instancesSet cannot be used with the parameter maxResults");
    }
    // Without MaxResults EC2 returns everything in one response.
    int pageSize = Page.pageSize(maxResults, 5, 1000, Integer.MAX_VALUE);
    Predicate<EmulatedInstance> filter = filters.parse(request);
    Page<EmulatedInstance> page =
        state.describeInstances(ids, filter, pageSize, request.get("NextToken"));

    XmlWriter xml = XmlWriter.response("DescribeInstances", requestId);
    xml.start("reservationSet");
    // Instances of one reservation are consecutive in launch order: group runs of them.
    String open = null;
    for (EmulatedInstance instance : page.items()) {
      if (!instance.reservationId().equals(open)) {
        if (open != null) {
          xml.end().end();
        }
        open = instance.reservationId();
        xml.start("item").leaf("reservationId", open).leaf("ownerId", Ec2State.ACCOUNT_ID);
        xml.start("groupSet").end().start("instancesSet");
      }
      writeInstance(xml, instance);
    }
    if (open != null) {
      xml.end().end();
    }
    xml.end();
    xml.leaf("nextToken", page.nextToken());
    return xml.finish();
  }

  String terminateInstances(QueryRequest request, String requestId) {
    List<Ec2State.Termination> terminations = state.terminate(request.list("InstanceId"));
    XmlWriter xml = XmlWriter.response("TerminateInstances", requestId);
    xml.start("instancesSet");
    for (Ec2State.Termination t : terminations) {
      xml.start("item").leaf("instanceId", t.instanceId());
      writeState(xml, "currentState", t.current());
      writeState(xml, "previousState", t.previous());
      xml.end();
    }
    xml.end();
    return xml.finish();
  }

  static int stateCode(InstanceState state) {
    return switch (state) {
      case PENDING -> 0;
      case RUNNING -> 16;
      case SHUTTING_DOWN -> 32;
      case TERMINATED -> 48;
      case STOPPING -> 64;
      case STOPPED -> 80;
    };
  }

  private static void writeState(XmlWriter xml, String element, InstanceState state) {
    xml.start(element).leaf("code", stateCode(state)).leaf("name", state.wireName()).end();
  }

  static String timestamp(Instant instant) {
    return TIMESTAMP.format(instant);
  }

  /** One {@code instancesSet/item}, element names as the SDK's unmarshaller expects them. */
  private static void writeInstance(XmlWriter xml, EmulatedInstance i) {
    boolean terminated = i.state() == InstanceState.TERMINATED;
    xml.start("item").leaf("instanceId", i.id()).leaf("imageId", i.imageId());
    writeState(xml, "instanceState", i.state());
    // A terminated instance has released its address and name, as on EC2.
    xml.leaf("privateDnsName", terminated ? "" : i.privateDnsName()).leaf("dnsName", "");
    if (i.state() == InstanceState.SHUTTING_DOWN
        || i.state() == InstanceState.STOPPING
        || i.state() == InstanceState.STOPPED
        || terminated) {
      xml.leaf("reason", "User initiated (" + timestamp(i.stateChangedAt()) + ")");
    } else {
      xml.leaf("reason", "");
    }
    xml.leaf("amiLaunchIndex", 0).start("productCodes").end();
    xml.leaf("instanceType", i.instanceType()).leaf("launchTime", timestamp(i.launchTime()));
    xml.start("placement")
        .leaf("availabilityZone", i.zone())
        .leaf("groupName", "")
        .leaf("tenancy", "default")
        .end();
    xml.start("monitoring").leaf("state", "disabled").end();
    xml.leaf("subnetId", i.subnetId()).leaf("vpcId", i.vpcId());
    if (!terminated) {
      xml.leaf("privateIpAddress", i.privateIpAddress());
    }
    xml.leaf("sourceDestCheck", true);
    xml.start("groupSet");
    for (GroupRef group : i.securityGroups()) {
      xml.start("item").leaf("groupId", group.id()).leaf("groupName", group.name()).end();
    }
    xml.end();
    if (i.state() == InstanceState.SHUTTING_DOWN
        || i.state() == InstanceState.STOPPING
        || i.state() == InstanceState.STOPPED
        || terminated) {
      EmulatedInstance.StateReason why =
          i.stateReason() == null ? EmulatedInstance.StateReason.USER_INITIATED : i.stateReason();
      xml.start("stateReason").leaf("code", why.code()).leaf("message", why.message()).end();
    }
    xml.leaf("architecture", i.architecture())
        .leaf("rootDeviceType", "ebs")
        .leaf("rootDeviceName", EmulatedImage.ROOT_DEVICE);
    xml.start("blockDeviceMapping");
    if (!terminated) {
      for (BlockDevice device : i.blockDevices()) {
        xml.start("item").leaf("deviceName", device.deviceName());
        xml.start("ebs")
            .leaf("volumeId", device.volumeId())
            .leaf("status", "attached")
            .leaf("attachTime", timestamp(i.launchTime()))
            .leaf("deleteOnTermination", true)
            .end();
        xml.end();
      }
    }
    xml.end();
    if (i.spot()) {
      xml.leaf("instanceLifecycle", "spot")
          .leaf("spotInstanceRequestId", "sir-" + i.id().substring(2, 10));
    }
    xml.leaf("virtualizationType", "hvm");
    xml.leaf("clientToken", i.clientToken() == null ? "" : i.clientToken());
    xml.tagSet(i.tags());
    xml.leaf("hypervisor", "xen");
    if (i.iamInstanceProfileArn() != null) {
      xml.start("iamInstanceProfile")
          .leaf("arn", i.iamInstanceProfileArn())
          .leaf("id", "AIPA" + i.id().substring(2, 19).toUpperCase(java.util.Locale.ROOT))
          .end();
    }
    xml.leaf("ebsOptimized", true).leaf("enaSupport", true);
    xml.start("cpuOptions")
        .leaf("coreCount", i.cpuOptions().coreCount())
        .leaf("threadsPerCore", i.cpuOptions().threadsPerCore())
        .leaf(
            "nestedVirtualization", i.cpuOptions().nestedVirtualization() ? "enabled" : "disabled")
        .end();
    xml.start("metadataOptions")
        .leaf("state", i.state() == InstanceState.PENDING ? "pending" : "applied")
        .leaf("httpTokens", i.metadataOptions().httpTokens())
        .leaf("httpPutResponseHopLimit", i.metadataOptions().httpPutResponseHopLimit())
        .leaf("httpEndpoint", i.metadataOptions().httpEndpoint())
        .leaf("httpProtocolIpv6", "disabled")
        .leaf("instanceMetadataTags", "disabled")
        .end();
    xml.leaf("bootMode", "uefi-preferred").leaf("currentInstanceBootMode", "uefi");
    xml.end();
  }
}
