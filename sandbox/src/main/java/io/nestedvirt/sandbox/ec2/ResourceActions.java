package io.nestedvirt.sandbox.ec2;

import io.nestedvirt.sandbox.ec2.InstanceCatalog.InstanceTypeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The describe calls for subnets, security groups, images and instance types, and CreateTags. */
final class ResourceActions {
  private final Ec2State state;
  private final InstanceCatalog catalog;

  private final Filters<EmulatedSubnet> subnetFilters =
      Filters.withTags(EmulatedSubnet::tags)
          .single("subnet-id", EmulatedSubnet::id)
          .single("vpc-id", EmulatedSubnet::vpcId)
          .single("availability-zone", EmulatedSubnet::zone)
          .single("cidr-block", EmulatedSubnet::cidrBlock)
          .single("state", s -> "available");
  private final Filters<EmulatedSecurityGroup> groupFilters =
      Filters.withTags(EmulatedSecurityGroup::tags)
          .single("group-id", EmulatedSecurityGroup::id)
          .single("group-name", EmulatedSecurityGroup::name)
          .single("vpc-id", EmulatedSecurityGroup::vpcId);
  private final Filters<EmulatedImage> imageFilters =
      Filters.withTags(EmulatedImage::tags)
          .single("image-id", EmulatedImage::id)
          .single("name", EmulatedImage::name)
          .single("architecture", EmulatedImage::architecture)
          .single("owner-id", EmulatedImage::ownerId)
          .single("owner-alias", EmulatedImage::ownerAlias)
          .single("state", i -> "available");
  private final Filters<InstanceTypeSpec> typeFilters =
      Filters.<InstanceTypeSpec>withTags(null)
          .single("instance-type", InstanceTypeSpec::name)
          .single("bare-metal", t -> String.valueOf(t.bareMetal()))
          .single("current-generation", t -> String.valueOf(t.currentGeneration()))
          .single("vcpu-info.default-vcpus", t -> String.valueOf(t.vcpus()))
          .single("memory-info.size-in-mib", t -> String.valueOf(t.memoryMiB()))
          .single("processor-info.manufacturer", InstanceTypeSpec::manufacturer)
          .single("processor-info.supported-architecture", InstanceTypeSpec::architecture)
          .multi("processor-info.supported-features", InstanceTypeSpec::supportedFeatures);

  private final Filters<Ec2State.Offering> offeringFilters =
      Filters.<Ec2State.Offering>withTags(null)
          .single("instance-type", Ec2State.Offering::instanceType)
          .single("location", Ec2State.Offering::zone);

  ResourceActions(Ec2State state, InstanceCatalog catalog) {
    this.state = state;
    this.catalog = catalog;
  }

  String describeSubnets(QueryRequest request, String requestId) {
    var filter = subnetFilters.parse(request);
    List<EmulatedSubnet> matching =
        state.subnets(request.list("SubnetId")).stream().filter(filter).toList();
    Page<EmulatedSubnet> page =
        Page.ofList(
            matching,
            Page.pageSize(request.getInt("MaxResults"), 5, 1000, Integer.MAX_VALUE),
            request.get("NextToken"));
    XmlWriter xml = XmlWriter.response("DescribeSubnets", requestId).start("subnetSet");
    for (EmulatedSubnet s : page.items()) {
      xml.start("item")
          .leaf("subnetId", s.id())
          .leaf("subnetArn", "arn:aws:ec2:us-east-1:" + Ec2State.ACCOUNT_ID + ":subnet/" + s.id())
          .leaf("state", "available")
          .leaf("ownerId", Ec2State.ACCOUNT_ID)
          .leaf("vpcId", s.vpcId())
          .leaf("cidrBlock", s.cidrBlock())
          .leaf("availableIpAddressCount", state.availableAddresses(s.id()))
          .leaf("availabilityZone", s.zone())
          .leaf("availabilityZoneId", zoneId(s.zone()))
          .leaf("defaultForAz", false)
          .leaf("mapPublicIpOnLaunch", false)
          .tagSet(s.tags())
          .end();
    }
    return xml.end().leaf("nextToken", page.nextToken()).finish();
  }

  String describeSecurityGroups(QueryRequest request, String requestId) {
    var filter = groupFilters.parse(request);
    List<EmulatedSecurityGroup> matching =
        state.securityGroups(request.list("GroupId")).stream().filter(filter).toList();
    Page<EmulatedSecurityGroup> page =
        Page.ofList(
            matching,
            Page.pageSize(request.getInt("MaxResults"), 5, 1000, Integer.MAX_VALUE),
            request.get("NextToken"));
    XmlWriter xml = XmlWriter.response("DescribeSecurityGroups", requestId);
    xml.start("securityGroupInfo");
    for (EmulatedSecurityGroup g : page.items()) {
      xml.start("item")
          .leaf("ownerId", Ec2State.ACCOUNT_ID)
          .leaf("groupId", g.id())
          .leaf("groupName", g.name())
          .leaf("groupDescription", g.description())
          .leaf("vpcId", g.vpcId())
          .start("ipPermissions")
          .end()
          .start("ipPermissionsEgress")
          .end()
          .tagSet(g.tags())
          .end();
    }
    return xml.end().leaf("nextToken", page.nextToken()).finish();
  }

  String describeImages(QueryRequest request, String requestId) {
    var filter = imageFilters.parse(request);
    List<String> owners = request.list("Owner");
    List<EmulatedImage> matching =
        state.images(request.list("ImageId")).stream()
            .filter(filter)
            .filter(i -> owners.isEmpty() || ownedBy(i, owners))
            .toList();
    Page<EmulatedImage> page =
        Page.ofList(
            matching,
            Page.pageSize(request.getInt("MaxResults"), 5, 1000, Integer.MAX_VALUE),
            request.get("NextToken"));
    XmlWriter xml = XmlWriter.response("DescribeImages", requestId).start("imagesSet");
    for (EmulatedImage i : page.items()) {
      xml.start("item")
          .leaf("imageId", i.id())
          .leaf(
              "imageLocation", i.ownerAlias() == null ? i.name() : i.ownerAlias() + "/" + i.name())
          .leaf("imageState", "available")
          .leaf("imageOwnerId", i.ownerId())
          .leaf("creationDate", InstanceActions.timestamp(i.creationDate()))
          .leaf("isPublic", i.ownerAlias() != null)
          .leaf("architecture", i.architecture())
          .leaf("imageType", "machine")
          .leaf("imageOwnerAlias", i.ownerAlias())
          .leaf("name", i.name())
          .leaf("rootDeviceType", "ebs")
          .leaf("rootDeviceName", EmulatedImage.ROOT_DEVICE)
          .start("blockDeviceMapping")
          .start("item")
          .leaf("deviceName", EmulatedImage.ROOT_DEVICE)
          .start("ebs")
          .leaf("deleteOnTermination", true)
          .leaf("volumeSize", 20)
          .leaf("volumeType", "gp3")
          .leaf("encrypted", false)
          .end()
          .end()
          .end()
          .leaf("virtualizationType", "hvm")
          .tagSet(i.tags())
          .leaf("hypervisor", "xen")
          .leaf("enaSupport", true)
          .leaf("bootMode", "uefi-preferred")
          .leaf("imdsSupport", "v2.0")
          .end();
    }
    return xml.end().leaf("nextToken", page.nextToken()).finish();
  }

  private static boolean ownedBy(EmulatedImage image, List<String> owners) {
    for (String owner : owners) {
      if (owner.equals(image.ownerId())
          || owner.equals(image.ownerAlias())
          || (owner.equals("self") && image.ownerId().equals(Ec2State.ACCOUNT_ID))) {
        return true;
      }
    }
    return false;
  }

  String describeInstanceTypes(QueryRequest request, String requestId) {
    List<String> names = request.list("InstanceType");
    List<InstanceTypeSpec> types;
    if (names.isEmpty()) {
      types = catalog.all();
    } else {
      types = new ArrayList<>();
      List<String> unknown = new ArrayList<>();
      for (String name : names) {
        catalog.find(name).ifPresentOrElse(types::add, () -> unknown.add(name));
      }
      if (!unknown.isEmpty()) {
        throw Ec2Error.client(
            "InvalidInstanceType",
            "The following supplied instance types do not exist: ["
                + String.join(", ", unknown)
                + "]");
      }
    }
    var filter = typeFilters.parse(request);
    List<InstanceTypeSpec> matching = types.stream().filter(filter).toList();
    // EC2 pages instance types even without MaxResults (at most 100 a page): follow NextToken.
    Page<InstanceTypeSpec> page =
        Page.ofList(
            matching,
            Page.pageSize(request.getInt("MaxResults"), 5, 100, 100),
            request.get("NextToken"));
    XmlWriter xml = XmlWriter.response("DescribeInstanceTypes", requestId).start("instanceTypeSet");
    for (InstanceTypeSpec t : page.items()) {
      writeInstanceType(xml, t);
    }
    return xml.end().leaf("nextToken", page.nextToken()).finish();
  }

  private static void writeInstanceType(XmlWriter xml, InstanceTypeSpec t) {
    xml.start("item")
        .leaf("instanceType", t.name())
        .leaf("currentGeneration", t.currentGeneration())
        .leaf("freeTierEligible", false)
        .items("supportedUsageClasses", List.of("on-demand", "spot"))
        .items("supportedRootDeviceTypes", List.of("ebs"))
        .items("supportedVirtualizationTypes", List.of("hvm"))
        .leaf("bareMetal", t.bareMetal());
    if (!t.bareMetal()) {
      xml.leaf("hypervisor", "nitro");
    }
    xml.start("processorInfo")
        .items("supportedArchitectures", List.of(t.architecture()))
        .leaf("sustainedClockSpeedInGhz", t.clockGhz())
        .items("supportedFeatures", t.supportedFeatures())
        .leaf("manufacturer", t.manufacturer())
        .end();
    List<Integer> validCores = new ArrayList<>();
    for (int c = 1; c <= t.cores(); c++) {
      validCores.add(c);
    }
    xml.start("vCpuInfo")
        .leaf("defaultVCpus", t.vcpus())
        .leaf("defaultCores", t.cores())
        .leaf("defaultThreadsPerCore", t.threadsPerCore())
        .items("validCores", validCores)
        .items("validThreadsPerCore", t.threadsPerCore() == 2 ? List.of(1, 2) : List.of(1))
        .end();
    xml.start("memoryInfo").leaf("sizeInMiB", t.memoryMiB()).end();
    xml.leaf("instanceStorageSupported", t.name().contains("8id."));
    xml.start("ebsInfo")
        .leaf("ebsOptimizedSupport", "default")
        .leaf("encryptionSupport", "supported")
        .leaf("nvmeSupport", "required")
        .end();
    xml.start("networkInfo")
        .leaf("networkPerformance", t.vcpus() <= 16 ? "Up to 12.5 Gigabit" : "25 Gigabit")
        .leaf("maximumNetworkInterfaces", t.maxNetworkInterfaces())
        .leaf("ipv4AddressesPerInterface", t.ipv4AddressesPerInterface())
        .leaf("ipv6Supported", true)
        .leaf("enaSupport", "required")
        .end();
    xml.leaf("hibernationSupported", !t.bareMetal())
        .leaf("burstablePerformanceSupported", t.name().startsWith("t"))
        .leaf("dedicatedHostsSupported", true)
        .leaf("autoRecoverySupported", true)
        .items("supportedBootModes", List.of("legacy-bios", "uefi"))
        .end();
  }

  /**
   * Offerings by Availability Zone ({@code LocationType=availability-zone}) or zone id; the
   * default, {@code region}, reports a type once for the region when any zone offers it.
   */
  String describeInstanceTypeOfferings(QueryRequest request, String requestId) {
    String locationType = request.get("LocationType");
    if (locationType == null) {
      locationType = "region";
    }
    Function<Ec2State.Offering, String> location =
        switch (locationType) {
          case "region" -> o -> "us-east-1";
          case "availability-zone" -> Ec2State.Offering::zone;
          case "availability-zone-id" -> o -> zoneId(o.zone());
          default ->
              throw Ec2Error.invalidParameterValue(
                  "Value ( " + locationType + " ) for parameter locationType is invalid.");
        };
    List<Ec2State.Offering> located =
        state.offerings().stream()
            .map(o -> new Ec2State.Offering(o.instanceType(), location.apply(o)))
            .distinct()
            .toList();
    List<Ec2State.Offering> matching =
        located.stream().filter(offeringFilters.parse(request)).toList();
    Page<Ec2State.Offering> page =
        Page.ofList(
            matching,
            Page.pageSize(request.getInt("MaxResults"), 5, 1000, 1000),
            request.get("NextToken"));
    XmlWriter xml =
        XmlWriter.response("DescribeInstanceTypeOfferings", requestId)
            .start("instanceTypeOfferingSet");
    for (Ec2State.Offering o : page.items()) {
      xml.start("item")
          .leaf("instanceType", o.instanceType())
          .leaf("locationType", locationType)
          .leaf("location", o.zone())
          .end();
    }
    return xml.end().leaf("nextToken", page.nextToken()).finish();
  }

  String createTags(QueryRequest request, String requestId) {
    Map<String, String> tags = LaunchSpec.tags(request, "Tag");
    state.createTags(request.list("ResourceId"), tags);
    return XmlWriter.response("CreateTags", requestId).leaf("return", true).finish();
  }

  /** us-east-1a is use1-az1 and so on; account-specific on AWS, fixed here. */
  private static String zoneId(String zone) {
    char letter = zone.charAt(zone.length() - 1);
    return "use1-az" + (letter - 'a' + 1);
  }
}
