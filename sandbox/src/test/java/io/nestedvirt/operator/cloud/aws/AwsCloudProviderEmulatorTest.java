package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.InstanceTypeNotOfferedException;
import io.nestedvirt.operator.cloud.InsufficientCapacityException;
import io.nestedvirt.operator.cloud.LaunchRequest;
import io.nestedvirt.operator.cloud.LaunchRequest.MetadataOptions;
import io.nestedvirt.operator.cloud.LaunchRequest.RootVolume;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.cloud.ResourceNotFoundException;
import io.nestedvirt.operator.cloud.ResourceSelector;
import io.nestedvirt.operator.cloud.Subnet;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.cloud.ThrottledException;
import io.nestedvirt.operator.cloud.UnsupportedInstanceTypeException;
import io.nestedvirt.operator.cloud.ZoneOfferings;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.Ec2Emulator.SeededCluster;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import io.nestedvirt.sandbox.ec2.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The provider through the real AWS SDK (Apache 5 client, STANDARD retries) against the emulator.
 */
class AwsCloudProviderEmulatorTest {

  private static final String CLUSTER = "prod";

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-02T10:00:00Z"));
  private Ec2Emulator emulator;
  private SeededCluster seeded;
  private AwsCloudProvider provider;

  @BeforeEach
  void start() {
    emulator =
        Ec2Emulator.builder()
            .clock(clock)
            .bootDelay(Duration.ofSeconds(30))
            .shutdownDelay(Duration.ofSeconds(30))
            .start();
    seeded = emulator.seedCluster(CLUSTER);
    provider = AwsCloudProvider.create(settings(CLUSTER));
  }

  @AfterEach
  void stop() {
    provider.close();
    emulator.close();
  }

  private AwsSettings settings(String cluster) {
    return AwsSettings.of(cluster, "us-east-1")
        .withEndpointOverride(emulator.endpoint())
        .withStaticCredentials("AKIDEXAMPLE", "secret");
  }

  private static Map<String, String> tags(String cluster, String pool) {
    return Map.of(
        Tags.CLUSTER,
        cluster,
        Tags.POOL,
        pool,
        Tags.POOL_UID,
        "uid-" + pool,
        Tags.kubernetesCluster(cluster),
        "owned",
        Tags.NAME,
        cluster + "/" + pool);
  }

  private LaunchRequest launch(String token, int count, String type, int subnet) {
    return launch(token, count, type, subnet, tags(CLUSTER, "kvm"));
  }

  private LaunchRequest launch(
      String token, int count, String type, int subnet, Map<String, String> tags) {
    return new LaunchRequest(
        token,
        count,
        type,
        seeded.subnetIds().get(subnet),
        seeded.imageId(),
        List.of(seeded.securityGroupId()),
        "nestedvirt-node",
        new RootVolume(80, "gp3", true, null),
        new MetadataOptions(true, 1, true),
        null,
        null,
        CapacityType.ON_DEMAND,
        "#!/bin/bash\necho join\n",
        tags);
  }

  private List<String> ids(List<Instance> instances) {
    return instances.stream().map(Instance::id).toList();
  }

  // ---- launch and list ----

  @Test
  void launchedInstancesAreListedWithNestedVirtualizationTagsAndZone() {
    List<Instance> launched = provider.launch(launch("tok-1", 3, "c8i.large", 1));

    assertThat(launched)
        .hasSize(3)
        .allMatch(i -> i.nestedVirtualization() == NestedVirtualization.ENABLED);
    List<Instance> listed = provider.listClusterInstances();
    assertThat(ids(listed)).containsExactlyInAnyOrderElementsOf(ids(launched));
    assertThat(listed)
        .allSatisfy(
            i -> {
              assertThat(i.nestedVirtualization())
                  .as("nested virtualization of %s", i.id())
                  .isEqualTo(NestedVirtualization.ENABLED);
              assertThat(i.clientToken()).isEqualTo("tok-1");
              assertThat(i.zone()).isEqualTo("us-east-1b");
              assertThat(i.subnetId()).isEqualTo(seeded.subnetIds().get(1));
              assertThat(i.instanceType()).isEqualTo("c8i.large");
              assertThat(i.state()).isEqualTo(InstanceState.PENDING);
              assertThat(i.capacityType()).isEqualTo(CapacityType.ON_DEMAND);
              assertThat(i.launchTime()).isEqualTo(clock.instant());
              assertThat(i.privateDnsName()).isNotBlank();
              assertThat(i.tags()).isEqualTo(tags(CLUSTER, "kvm"));
            });
  }

  @Test
  void launchSendsImdsRootVolumeProfileUserDataAndVolumeTagsToEc2() {
    provider.launch(launch("tok-1", 1, "c8i.large", 0));

    EmulatedInstance instance = emulator.instances().getFirst();
    assertThat(instance.cpuOptions().nestedVirtualization()).isTrue();
    assertThat(instance.metadataOptions().httpTokens()).isEqualTo("required");
    assertThat(instance.metadataOptions().httpPutResponseHopLimit()).isEqualTo(1);
    assertThat(instance.rootVolume().deviceName()).isEqualTo("/dev/xvda");
    assertThat(instance.rootVolume().sizeGiB()).isEqualTo(80);
    assertThat(instance.rootVolume().encrypted()).isTrue();
    assertThat(instance.rootVolume().tags()).isEqualTo(tags(CLUSTER, "kvm"));
    assertThat(instance.blockDevices()).as("the root volume is resized, not duplicated").hasSize(1);
    assertThat(instance.iamInstanceProfileArn()).endsWith(":instance-profile/nestedvirt-node");
    assertThat(instance.userData()).isEqualTo("#!/bin/bash\necho join\n");
    assertThat(instance.securityGroupIds()).containsExactly(seeded.securityGroupId());
  }

  @Test
  void spotLaunchesAreListedAsSpot() {
    LaunchRequest onDemand = launch("tok-spot", 1, "c8i.large", 0);
    LaunchRequest spot =
        new LaunchRequest(
            onDemand.clientToken(),
            1,
            onDemand.instanceType(),
            onDemand.subnetId(),
            onDemand.imageId(),
            onDemand.securityGroupIds(),
            null,
            null,
            null,
            null,
            null,
            CapacityType.SPOT,
            null,
            onDemand.tags());

    provider.launch(spot);

    assertThat(emulator.instances().getFirst().spot()).isTrue();
    assertThat(provider.listClusterInstances().getFirst().capacityType())
        .isEqualTo(CapacityType.SPOT);
  }

  @Test
  void repeatingALaunchWithTheSameClientTokenLaunchesNothingMore() {
    List<Instance> first = provider.launch(launch("tok-same", 3, "c8i.large", 0));
    List<Instance> second = provider.launch(launch("tok-same", 3, "c8i.large", 0));

    assertThat(ids(second)).containsExactlyInAnyOrderElementsOf(ids(first));
    assertThat(emulator.instances()).hasSize(3);
  }

  @Test
  void aTypeWithoutNestedVirtualizationIsRejectedAsUnsupported() {
    assertThatThrownBy(() -> provider.launch(launch("tok-c7i", 2, "c7i.large", 0)))
        .isInstanceOfSatisfying(
            UnsupportedInstanceTypeException.class,
            e -> assertThat(e.instanceType()).isEqualTo("c7i.large"));
    assertThat(emulator.instances()).isEmpty();
  }

  @Test
  void listingTheClusterTakesOneCallPerThousandAndIgnoresOtherClusters() {
    provider.launch(launch("tok-big", 1500, "c8i.large", 0));
    provider.launch(launch("tok-other", 300, "c8i.large", 1, tags("staging", "kvm")));
    emulator.resetCalls();

    List<Instance> listed = provider.listClusterInstances();

    assertThat(listed).hasSize(1500).allMatch(i -> CLUSTER.equals(i.tag(Tags.CLUSTER)));
    assertThat(emulator.calls("DescribeInstances"))
        .as("pages of at most 1000 for 1500 instances")
        .isEqualTo(2);
  }

  @Test
  void shuttingDownInstancesAreListedAndTerminatedOnesAreNot() {
    List<Instance> launched = provider.launch(launch("tok-2", 2, "c8i.large", 0));
    String leaving = launched.get(0).id();
    String staying = launched.get(1).id();

    provider.terminate(List.of(leaving));
    assertThat(provider.listClusterInstances())
        .as("termination under way must stay visible")
        .extracting(Instance::id, Instance::state)
        .containsExactlyInAnyOrder(
            tuple(leaving, InstanceState.SHUTTING_DOWN), tuple(staying, InstanceState.PENDING));

    clock.advance(Duration.ofMinutes(1));
    assertThat(ids(provider.listClusterInstances())).containsExactly(staying);
  }

  // ---- faults ----

  @Test
  void aThrottledLaunchSucceedsOnceThroughStandardRetries() {
    emulator.throttle("RunInstances", 2);

    List<Instance> launched = provider.launch(launch("tok-throttled", 3, "c8i.large", 0));

    assertThat(launched).hasSize(3);
    assertThat(emulator.instances()).hasSize(3);
    assertThat(emulator.calls("RunInstances")).as("two throttled attempts, then one").isEqualTo(3);
  }

  @Test
  void throttlingBeyondMaxAttemptsBecomesThrottledException() {
    try (AwsCloudProvider impatient =
        AwsCloudProvider.create(settings(CLUSTER).withMaxAttempts(1))) {
      emulator.throttle("RunInstances", 1);

      assertThatThrownBy(() -> impatient.launch(launch("tok-t", 1, "c8i.large", 0)))
          .isInstanceOf(ThrottledException.class)
          .satisfies(e -> assertThat(((CloudException) e).retryable()).isTrue());
      assertThat(emulator.calls("RunInstances")).isEqualTo(1);
      assertThat(emulator.instances()).isEmpty();
    }
  }

  @Test
  void noCapacityInAZoneNamesTheTypeAndZone() {
    emulator.insufficientCapacity("c8i.large", "us-east-1a");

    assertThatThrownBy(() -> provider.launch(launch("tok-ice", 2, "c8i.large", 0)))
        .isInstanceOfSatisfying(
            InsufficientCapacityException.class,
            e -> {
              assertThat(e.instanceType()).isEqualTo("c8i.large");
              assertThat(e.zone()).isEqualTo("us-east-1a");
            });
    assertThat(provider.launch(launch("tok-ice-b", 2, "c8i.large", 1)))
        .as("another zone still has capacity")
        .hasSize(2);
  }

  @Test
  void aZoneThatDoesNotOfferTheTypeRefusesItAsNotOfferedNamingTheZone() {
    emulator.withdrawOffering("m8i.large", "us-east-1b");

    assertThatThrownBy(() -> provider.launch(launch("tok-zone", 1, "m8i.large", 1)))
        .isInstanceOfSatisfying(
            InstanceTypeNotOfferedException.class,
            e -> {
              assertThat(e.instanceType()).isEqualTo("m8i.large");
              assertThat(e.zone()).isEqualTo("us-east-1b");
            });
    assertThat(emulator.calls("RunInstances")).as("a refusal is not retried").isEqualTo(1);
  }

  @Test
  void serverErrorsAfterRetriesAreRetryableCloudExceptions() {
    emulator.failWithInternalError("DescribeInstances", 3);

    assertThatThrownBy(() -> provider.listClusterInstances())
        .isInstanceOfSatisfying(
            CloudException.class,
            e -> {
              assertThat(e.code()).isEqualTo("InternalError");
              assertThat(e.retryable()).isTrue();
            });
  }

  @Test
  void anUnreachableEndpointIsARetryableCloudException() {
    try (AwsCloudProvider unreachable =
        AwsCloudProvider.create(
            settings(CLUSTER)
                .withEndpointOverride(URI.create("http://127.0.0.1:9"))
                .withMaxAttempts(1))) {
      assertThatThrownBy(unreachable::listClusterInstances)
          .isInstanceOfSatisfying(CloudException.class, e -> assertThat(e.retryable()).isTrue());
    }
  }

  // ---- terminate ----

  @Test
  void terminatingAGoneInstanceAlongsideLiveOnesTerminatesTheLiveOnes() {
    List<Instance> launched = provider.launch(launch("tok-t2", 2, "c8i.large", 0));

    provider.terminate(List.of(launched.get(0).id(), "i-0000000000000dead", launched.get(1).id()));

    assertThat(emulator.instances())
        .extracting(EmulatedInstance::state)
        .containsOnly(InstanceState.SHUTTING_DOWN);
  }

  // ---- instance types ----

  @Test
  void instanceTypeLookupsShareOneCatalogRead() {
    for (int i = 0; i < 5; i++) {
      Map<String, InstanceType> found =
          provider.describeInstanceTypes(List.of("c8i.large", "nope.large", "m7g.large"));
      assertThat(found).containsOnlyKeys("c8i.large", "m7g.large");
      assertThat(found.get("c8i.large").capable()).isTrue();
      assertThat(found.get("m7g.large").capable()).as("arm64 is never capable").isFalse();
    }
    List<InstanceType> capable = provider.capableInstanceTypes();

    assertThat(emulator.calls("DescribeInstanceTypes")).isEqualTo(1);
    assertThat(capable)
        .extracting(InstanceType::name)
        .contains("c8i.large", "m8i-flex.xlarge", "c8id.large")
        .doesNotContain("c7i.large", "m7g.large", "c8i.metal-48xl");
    assertThat(capable).allMatch(InstanceType::capable);
  }

  @Test
  void instanceTypesCarryEc2sNetworkLimitsFromWhichMaxPodsFollow() {
    Map<String, InstanceType> found =
        provider.describeInstanceTypes(
            List.of("c8i.large", "m8i.4xlarge", "r8i-flex.16xlarge", "m5.large"));

    // EC2's figures (as moto 5.2.5 records them): interfaces x IPv4 addresses per interface.
    assertThat(found.values())
        .extracting(
            InstanceType::name,
            InstanceType::maxNetworkInterfaces,
            InstanceType::ipv4AddressesPerInterface)
        .containsExactlyInAnyOrder(
            tuple("c8i.large", 3, 20),
            tuple("m8i.4xlarge", 8, 50),
            tuple("r8i-flex.16xlarge", 16, 64),
            tuple("m5.large", 3, 10));
  }

  @Test
  void offeringsByZoneAreReadOnceForManyLookups() {
    emulator.withdrawOffering("m8i.large", "us-east-1b");

    for (int i = 0; i < 5; i++) {
      ZoneOfferings offerings = provider.zoneOfferings();
      assertThat(offerings.known()).isTrue();
      assertThat(offerings.zonesOffering("m8i.large")).containsExactly("us-east-1a", "us-east-1c");
      assertThat(offerings.offers("c8i.large", "us-east-1b")).isTrue();
    }

    assertThat(emulator.calls("DescribeInstanceTypeOfferings")).isEqualTo(1);
  }

  // ---- subnets, security groups, images ----

  @Test
  void subnetsResolveByIdByTagAndByClusterDefault() {
    List<String> all = seeded.subnetIds();

    assertThat(provider.resolveSubnets(new ResourceSelector(List.of(all.get(2)), null)))
        .extracting(Subnet::id, Subnet::zone)
        .containsExactly(tuple(all.get(2), "us-east-1c"));
    assertThat(
            provider.resolveSubnets(
                new ResourceSelector(null, Map.of("Name", CLUSTER + "-private-us-east-1a"))))
        .extracting(Subnet::id)
        .containsExactly(all.get(0));
    assertThat(provider.resolveSubnets(ResourceSelector.empty()))
        .extracting(Subnet::id)
        .containsExactlyInAnyOrderElementsOf(all);
    assertThat(provider.resolveSubnets(ResourceSelector.empty()))
        .allSatisfy(s -> assertThat(s.availableIpAddresses()).isPositive());
  }

  @Test
  void anUnknownSubnetIdIsNotFoundNamingIt() {
    assertThatThrownBy(
            () ->
                provider.resolveSubnets(
                    new ResourceSelector(List.of("subnet-0000000000000beef"), null)))
        .isInstanceOfSatisfying(
            ResourceNotFoundException.class,
            e -> assertThat(e.resourceId()).isEqualTo("subnet-0000000000000beef"));
  }

  @Test
  void tagsThatMatchNoSubnetAreNotFoundNamingTheTags() {
    assertThatThrownBy(
            () -> provider.resolveSubnets(new ResourceSelector(null, Map.of("team", "kvm"))))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("team=kvm");
  }

  @Test
  void aClusterWithoutTaggedSubnetsIsNotFoundNamingTheDiscoveryTag() {
    try (AwsCloudProvider other = AwsCloudProvider.create(settings("unseeded"))) {
      assertThatThrownBy(() -> other.resolveSubnets(ResourceSelector.empty()))
          .isInstanceOf(ResourceNotFoundException.class)
          .hasMessageContaining("kubernetes.io/cluster/unseeded");
    }
  }

  @Test
  void securityGroupsResolveByIdByTagKeyAndByClusterDefault() {
    String group = seeded.securityGroupId();

    assertThat(provider.resolveSecurityGroups(ResourceSelector.empty())).containsExactly(group);
    assertThat(provider.resolveSecurityGroups(new ResourceSelector(List.of(group), null)))
        .containsExactly(group);
    assertThat(
            provider.resolveSecurityGroups(
                new ResourceSelector(
                    null, Map.of(Tags.kubernetesCluster(CLUSTER), ResourceSelector.ANY_VALUE))))
        .containsExactly(group);
    assertThatThrownBy(
            () ->
                provider.resolveSecurityGroups(
                    new ResourceSelector(List.of("sg-0000000000000beef"), null)))
        .isInstanceOfSatisfying(
            ResourceNotFoundException.class,
            e -> assertThat(e.resourceId()).isEqualTo("sg-0000000000000beef"));
  }

  @Test
  void imagesResolveFromAmiIdSsmParameterAndEksDefault() {
    assertThat(provider.resolveImage(seeded.imageId(), "1.33")).isEqualTo(seeded.imageId());
    assertThat(provider.resolveImage(null, "1.33")).isEqualTo(seeded.imageId());
    assertThat(provider.resolveImage("resolve:ssm:" + Ec2Emulator.eksAmiParameter("1.34"), null))
        .isEqualTo(seeded.imageId());
  }

  @Test
  void missingImagesAndParametersAreNotFound() {
    assertThatThrownBy(() -> provider.resolveImage("ami-0000000000000beef", "1.33"))
        .isInstanceOfSatisfying(
            ResourceNotFoundException.class,
            e -> assertThat(e.resourceId()).isEqualTo("ami-0000000000000beef"));
    assertThatThrownBy(() -> provider.resolveImage(null, "1.20"))
        .isInstanceOf(ResourceNotFoundException.class)
        .hasMessageContaining("/aws/service/eks/optimized-ami/1.20/");
  }
}
