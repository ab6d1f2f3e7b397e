package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nestedvirt.operator.cloud.InstanceState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.HttpTokensState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceMetadataEndpointState;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesResponse;
import software.amazon.awssdk.services.ec2.model.VolumeType;

class Ec2EmulatorInstancesTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-20T10:15:30.250Z"));
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private Ec2Client ec2;

  @BeforeEach
  void start() {
    emulator =
        Ec2Emulator.builder()
            .clock(clock)
            .bootDelay(Duration.ofSeconds(30))
            .shutdownDelay(Duration.ofSeconds(20))
            .terminatedRetention(Duration.ofHours(1))
            .seed(42)
            .start();
    cluster = emulator.seedCluster("demo");
    ec2 = SdkClients.ec2(emulator);
  }

  @AfterEach
  void stop() {
    ec2.close();
    emulator.close();
  }

  private RunInstancesRequest.Builder launch(String type, int count) {
    return RunInstancesRequest.builder()
        .imageId(cluster.imageId())
        .instanceType(type)
        .minCount(count)
        .maxCount(count)
        .subnetId(cluster.subnetIds().get(1))
        .securityGroupIds(cluster.securityGroupId())
        .cpuOptions(c -> c.nestedVirtualization(NestedVirtualizationSpecification.ENABLED));
  }

  private static TagSpecification tags(ResourceType type, Map<String, String> tags) {
    List<Tag> list = new ArrayList<>();
    tags.forEach((k, v) -> list.add(Tag.builder().key(k).value(v).build()));
    return TagSpecification.builder().resourceType(type).tags(list).build();
  }

  private List<Instance> describeAll(
      Consumer<software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest.Builder>
          request) {
    return ec2.describeInstances(request).reservations().stream()
        .flatMap(r -> r.instances().stream())
        .toList();
  }

  @Test
  void nestedVirtualizationOnCapableTypeIsReportedByDescribeInstancesWithEverythingLaunchedWith() {
    String userData = "#!/bin/bash\necho nested <&> \"quoted\"\n";
    RunInstancesResponse run =
        ec2.runInstances(
            launch("c8i.large", 1)
                .clientToken("token-1")
                .userData(
                    Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)))
                .iamInstanceProfile(p -> p.name("nodes"))
                .instanceMarketOptions(m -> m.marketType(MarketType.SPOT))
                .metadataOptions(
                    m ->
                        m.httpTokens(HttpTokensState.REQUIRED)
                            .httpPutResponseHopLimit(1)
                            .httpEndpoint(InstanceMetadataEndpointState.ENABLED))
                .blockDeviceMappings(
                    b ->
                        b.deviceName("/dev/xvda")
                            .ebs(
                                e ->
                                    e.volumeSize(80)
                                        .volumeType(VolumeType.GP3)
                                        .encrypted(true)
                                        .kmsKeyId("alias/nodes")))
                .tagSpecifications(
                    tags(ResourceType.INSTANCE, Map.of("nestedvirt.io/pool", "kvm", "Name", "n1")),
                    tags(ResourceType.VOLUME, Map.of("nestedvirt.io/pool", "kvm")))
                .build());

    assertThat(run.instances()).hasSize(1);
    Instance launched = run.instances().getFirst();
    assertThat(launched.instanceId()).matches("i-[0-9a-f]{17}");
    assertThat(launched.state().name()).isEqualTo(InstanceStateName.PENDING);
    assertThat(launched.state().code()).isZero();
    assertThat(run.reservationId()).matches("r-[0-9a-f]{17}");

    Instance described = describeAll(r -> r.instanceIds(launched.instanceId())).getFirst();
    assertThat(described.cpuOptions().nestedVirtualization())
        .as("the SDK must parse cpuOptions.nestedVirtualization")
        .isEqualTo(NestedVirtualizationSpecification.ENABLED);
    assertThat(described.cpuOptions().coreCount()).isEqualTo(1);
    assertThat(described.cpuOptions().threadsPerCore()).isEqualTo(2);
    assertThat(described.instanceTypeAsString()).isEqualTo("c8i.large");
    assertThat(described.placement().availabilityZone()).isEqualTo("us-east-1b");
    assertThat(described.subnetId()).isEqualTo(cluster.subnetIds().get(1));
    assertThat(described.privateIpAddress()).startsWith("10.0.32.");
    assertThat(described.privateDnsName())
        .isEqualTo("ip-" + described.privateIpAddress().replace('.', '-') + ".ec2.internal");
    assertThat(described.launchTime()).isEqualTo(Instant.parse("2026-11-20T10:15:30Z"));
    assertThat(described.tags())
        .extracting(Tag::key, Tag::value)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("nestedvirt.io/pool", "kvm"),
            org.assertj.core.groups.Tuple.tuple("Name", "n1"));
    assertThat(described.instanceLifecycleAsString()).isEqualTo("spot");
    assertThat(described.metadataOptions().httpTokens()).isEqualTo(HttpTokensState.REQUIRED);
    assertThat(described.metadataOptions().httpPutResponseHopLimit()).isEqualTo(1);
    assertThat(described.iamInstanceProfile().arn())
        .isEqualTo("arn:aws:iam::123456789012:instance-profile/nodes");
    assertThat(described.securityGroups())
        .extracting("groupId")
        .containsExactly(cluster.securityGroupId());
    assertThat(described.blockDeviceMappings()).hasSize(1);
    String volumeId = described.blockDeviceMappings().getFirst().ebs().volumeId();
    assertThat(volumeId).matches("vol-[0-9a-f]{17}");
    assertThat(described.clientToken()).isEqualTo("token-1");

    EmulatedInstance emulated = emulator.instances().getFirst();
    assertThat(emulated.userData()).isEqualTo(userData);
    assertThat(emulated.rootVolume().volumeId()).isEqualTo(volumeId);
    assertThat(emulated.rootVolume().tags()).containsEntry("nestedvirt.io/pool", "kvm");
    assertThat(emulated.rootVolume().sizeGiB()).isEqualTo(80);
    assertThat(emulated.rootVolume().encrypted()).isTrue();
    assertThat(emulated.rootVolume().kmsKeyId()).isEqualTo("alias/nodes");
    assertThat(emulated.spot()).isTrue();
  }

  @Test
  void instancesLaunchedWithoutTheOptionReportNestedVirtualizationDisabled() {
    ec2.runInstances(
        launch("m8i.xlarge", 1)
            .cpuOptions((software.amazon.awssdk.services.ec2.model.CpuOptionsRequest) null)
            .build());

    Instance described = describeAll(r -> {}).getFirst();
    assertThat(described.cpuOptions().nestedVirtualization())
        .isEqualTo(NestedVirtualizationSpecification.DISABLED);
    assertThat(described.instanceLifecycle()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"c7i.large", "m7g.large", "m5.large", "c8i.metal-48xl"})
  void nestedVirtualizationOnIncapableTypeIsRefusedWithoutLaunching(String type) {
    Ec2Exception error =
        catchThrowableOfType(Ec2Exception.class, () -> ec2.runInstances(launch(type, 1).build()));

    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("UnsupportedOperation");
    assertThat(error.awsErrorDetails().errorMessage())
        .isEqualTo("The instance type '" + type + "' does not support nested virtualization.");
    assertThat(error.statusCode()).isEqualTo(400);
    assertThat(emulator.instances()).isEmpty();
  }

  @Test
  void launchValidatesTypeImageSubnetAndGroupsLikeEc2() {
    assertThat(codeOf(() -> ec2.runInstances(launch("c9z.huge", 1).build())))
        .isEqualTo("InvalidParameterValue");
    assertThat(messageOf(() -> ec2.runInstances(launch("c9z.huge", 1).build())))
        .contains("c9z.huge");
    assertThat(
            codeOf(
                () ->
                    ec2.runInstances(
                        launch("c8i.large", 1).imageId("ami-0123456789abcdef0").build())))
        .isEqualTo("InvalidAMIID.NotFound");
    assertThat(codeOf(() -> ec2.runInstances(launch("c8i.large", 1).imageId("my-image").build())))
        .isEqualTo("InvalidAMIID.Malformed");
    assertThat(
            codeOf(
                () ->
                    ec2.runInstances(
                        launch("c8i.large", 1).subnetId("subnet-0123456789abcdef0").build())))
        .isEqualTo("InvalidSubnetID.NotFound");
    assertThat(
            codeOf(
                () ->
                    ec2.runInstances(
                        launch("c8i.large", 1).securityGroupIds("sg-0123456789abcdef0").build())))
        .isEqualTo("InvalidGroup.NotFound");
    assertThat(
            codeOf(() -> ec2.runInstances(launch("c8i.large", 1).minCount(3).maxCount(2).build())))
        .isEqualTo("InvalidParameterValue");
    assertThat(emulator.instances()).isEmpty();
  }

  @Test
  void launchesMaxCountInstancesInOneReservation() {
    RunInstancesResponse run = ec2.runInstances(launch("r8i.2xlarge", 1).maxCount(4).build());

    assertThat(run.instances()).hasSize(4);
    List<Reservation> reservations = ec2.describeInstances().reservations();
    assertThat(reservations).hasSize(1);
    assertThat(reservations.getFirst().reservationId()).isEqualTo(run.reservationId());
    assertThat(reservations.getFirst().instances()).hasSize(4);
    assertThat(run.instances()).extracting(Instance::privateIpAddress).doesNotHaveDuplicates();
  }

  @Test
  void sameClientTokenReturnsTheSameReservationWithoutLaunchingAgain() {
    RunInstancesResponse first =
        ec2.runInstances(launch("c8i.large", 2).clientToken("pool-a-7").build());
    RunInstancesResponse again =
        ec2.runInstances(launch("c8i.large", 2).clientToken("pool-a-7").build());

    assertThat(again.reservationId()).isEqualTo(first.reservationId());
    assertThat(again.instances())
        .extracting(Instance::instanceId)
        .containsExactlyElementsOf(first.instances().stream().map(Instance::instanceId).toList());
    assertThat(emulator.instances()).hasSize(2);
  }

  @Test
  void sameClientTokenWithDifferentParametersIsAnIdempotentParameterMismatch() {
    ec2.runInstances(launch("c8i.large", 2).clientToken("pool-a-8").build());

    Ec2Exception error =
        catchThrowableOfType(
            Ec2Exception.class,
            () -> ec2.runInstances(launch("c8i.xlarge", 2).clientToken("pool-a-8").build()));

    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("IdempotentParameterMismatch");
    assertThat(emulator.instances()).hasSize(2);
  }

  @Test
  void describeFiltersByTagsStateIdAndSubnet() {
    ec2.runInstances(
        launch("c8i.large", 2)
            .tagSpecifications(tags(ResourceType.INSTANCE, Map.of("nestedvirt.io/pool", "a")))
            .build());
    ec2.runInstances(
        launch("c8i.large", 1)
            .subnetId(cluster.subnetIds().get(2))
            .tagSpecifications(
                tags(ResourceType.INSTANCE, Map.of("nestedvirt.io/pool", "b", "x", "y")))
            .build());
    String doomed = emulator.instances().getFirst().id();
    ec2.terminateInstances(r -> r.instanceIds(doomed));

    assertThat(describeAll(r -> r.filters(filter("tag:nestedvirt.io/pool", "a")))).hasSize(2);
    assertThat(describeAll(r -> r.filters(filter("tag:nestedvirt.io/pool", "a", "b")))).hasSize(3);
    assertThat(describeAll(r -> r.filters(filter("tag:nestedvirt.io/pool", "*")))).hasSize(3);
    assertThat(describeAll(r -> r.filters(filter("tag-key", "x")))).hasSize(1);
    assertThat(describeAll(r -> r.filters(filter("instance-state-name", "pending"))))
        .extracting(Instance::instanceId)
        .hasSize(2)
        .doesNotContain(doomed);
    assertThat(
            describeAll(
                r ->
                    r.filters(
                        filter("tag:nestedvirt.io/pool", "a"),
                        filter("instance-state-name", "pending", "running"))))
        .hasSize(1);
    assertThat(describeAll(r -> r.filters(filter("instance-id", doomed)))).hasSize(1);
    assertThat(describeAll(r -> r.filters(filter("subnet-id", cluster.subnetIds().get(2)))))
        .hasSize(1);
    assertThat(codeOf(() -> ec2.describeInstances(r -> r.filters(filter("tag-kee", "x")))))
        .isEqualTo("InvalidParameterValue");
  }

  @Test
  void describeByUnknownInstanceIdFailsLikeEc2() {
    ec2.runInstances(launch("c8i.large", 1).build());
    String known = emulator.instances().getFirst().id();

    Ec2Exception error =
        catchThrowableOfType(
            Ec2Exception.class,
            () -> ec2.describeInstances(r -> r.instanceIds(known, "i-0123456789abcdef0")));
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("InvalidInstanceID.NotFound");
    assertThat(error.awsErrorDetails().errorMessage()).contains("i-0123456789abcdef0");
    assertThat(codeOf(() -> ec2.describeInstances(r -> r.instanceIds("node-1"))))
        .isEqualTo("InvalidInstanceID.Malformed");
  }

  @Test
  void paginationVisitsEveryInstanceOnceInPagesOfMaxResults() {
    for (int i = 0; i < 23; i++) {
      ec2.runInstances(launch("c8i.large", 1).build());
    }
    Set<String> seen = new HashSet<>();
    List<Integer> pageSizes = new ArrayList<>();
    String token = null;
    do {
      String next = token;
      DescribeInstancesResponse page = ec2.describeInstances(r -> r.maxResults(5).nextToken(next));
      List<String> ids =
          page.reservations().stream()
              .flatMap(r -> r.instances().stream())
              .map(Instance::instanceId)
              .toList();
      pageSizes.add(ids.size());
      assertThat(ids).allSatisfy(id -> assertThat(seen.add(id)).as("seen once: " + id).isTrue());
      token = page.nextToken();
    } while (token != null);

    assertThat(pageSizes).containsExactly(5, 5, 5, 5, 3);
    assertThat(seen).hasSize(23);
    assertThat(
            ec2.describeInstancesPaginator(r -> r.maxResults(5)).reservations().stream()
                .mapToInt(r -> r.instances().size())
                .sum())
        .as("the SDK paginator follows nextToken")
        .isEqualTo(23);
    assertThat(codeOf(() -> ec2.describeInstances(r -> r.maxResults(3))))
        .isEqualTo("InvalidParameterValue");
  }

  @Test
  void pendingBecomesRunningAfterTheBootDelay() {
    ec2.runInstances(launch("c8i.large", 1).build());

    clock.advance(Duration.ofSeconds(29));
    assertThat(describeAll(r -> {}).getFirst().state().name()).isEqualTo(InstanceStateName.PENDING);
    clock.advance(Duration.ofSeconds(1));
    assertThat(describeAll(r -> {}).getFirst().state().name()).isEqualTo(InstanceStateName.RUNNING);
    assertThat(describeAll(r -> {}).getFirst().state().code()).isEqualTo(16);
  }

  @Test
  void terminateMovesThroughShuttingDownToTerminatedThenDisappears() {
    ec2.runInstances(launch("c8i.large", 1).build());
    clock.advance(Duration.ofMinutes(1));
    String id = emulator.instances().getFirst().id();

    TerminateInstancesResponse response = ec2.terminateInstances(r -> r.instanceIds(id));
    assertThat(response.terminatingInstances().getFirst().previousState().name())
        .isEqualTo(InstanceStateName.RUNNING);
    assertThat(response.terminatingInstances().getFirst().currentState().name())
        .isEqualTo(InstanceStateName.SHUTTING_DOWN);

    clock.advance(Duration.ofSeconds(20));
    Instance terminated = describeAll(r -> r.instanceIds(id)).getFirst();
    assertThat(terminated.state().name()).isEqualTo(InstanceStateName.TERMINATED);
    assertThat(terminated.state().code()).isEqualTo(48);
    assertThat(terminated.stateReason().code()).isEqualTo("Client.UserInitiatedShutdown");

    TerminateInstancesResponse again = ec2.terminateInstances(r -> r.instanceIds(id));
    assertThat(again.terminatingInstances().getFirst().currentState().name())
        .as("terminating a terminated instance is a no-op, as on EC2")
        .isEqualTo(InstanceStateName.TERMINATED);

    clock.advance(Duration.ofMinutes(59));
    assertThat(describeAll(r -> {})).hasSize(1);
    clock.advance(Duration.ofMinutes(1));
    assertThat(describeAll(r -> {})).isEmpty();
    assertThat(codeOf(() -> ec2.describeInstances(r -> r.instanceIds(id))))
        .isEqualTo("InvalidInstanceID.NotFound");
  }

  @Test
  void anInstanceStoppedBehindTheOperatorsBackIsStoppingThenStoppedAndCanStillBeTerminated() {
    ec2.runInstances(launch("c8i.large", 1).build());
    clock.advance(Duration.ofMinutes(1));
    String id = emulator.instances().getFirst().id();

    emulator.stopInstance(id);
    Instance stopping = describeAll(r -> r.instanceIds(id)).getFirst();
    assertThat(stopping.state().name()).isEqualTo(InstanceStateName.STOPPING);
    assertThat(stopping.state().code()).isEqualTo(64);
    clock.advance(Duration.ofSeconds(20));
    Instance stopped = describeAll(r -> r.instanceIds(id)).getFirst();
    assertThat(stopped.state().name()).isEqualTo(InstanceStateName.STOPPED);
    assertThat(stopped.state().code()).isEqualTo(80);
    assertThat(stopped.stateReason().code()).isEqualTo("Client.UserInitiatedShutdown");

    TerminateInstancesResponse response = ec2.terminateInstances(r -> r.instanceIds(id));
    assertThat(response.terminatingInstances().getFirst().previousState().name())
        .isEqualTo(InstanceStateName.STOPPED);
    assertThat(response.terminatingInstances().getFirst().currentState().name())
        .isEqualTo(InstanceStateName.SHUTTING_DOWN);
  }

  @Test
  void terminatingAnUnknownInstanceFailsAndTerminatesNothing() {
    ec2.runInstances(launch("c8i.large", 1).build());
    String id = emulator.instances().getFirst().id();

    assertThat(codeOf(() -> ec2.terminateInstances(r -> r.instanceIds(id, "i-0123456789abcdef0"))))
        .isEqualTo("InvalidInstanceID.NotFound");
    assertThat(emulator.instances().getFirst().state()).isEqualTo(InstanceState.PENDING);
  }

  @Test
  void stateListenerHearsEveryTransitionWithWhatAKubeletNeeds() {
    List<EmulatedInstance> events = new CopyOnWriteArrayList<>();
    emulator.onStateChange(events::add);
    String userData = "#!/bin/bash\n/etc/eks/bootstrap.sh demo\n";
    ec2.runInstances(
        launch("c8i.large", 1)
            .userData(Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)))
            .tagSpecifications(tags(ResourceType.INSTANCE, Map.of("nestedvirt.io/pool", "a")))
            .build());
    clock.advance(Duration.ofSeconds(30));
    emulator.tick();
    String id = emulator.instances().getFirst().id();
    ec2.terminateInstances(r -> r.instanceIds(id));
    clock.advance(Duration.ofSeconds(20));
    emulator.tick();

    assertThat(events)
        .extracting(EmulatedInstance::state)
        .containsExactly(
            InstanceState.PENDING,
            InstanceState.RUNNING,
            InstanceState.SHUTTING_DOWN,
            InstanceState.TERMINATED);
    EmulatedInstance running = events.get(1);
    assertThat(running.id()).isEqualTo(id);
    assertThat(running.zone()).isEqualTo("us-east-1b");
    assertThat(running.privateDnsName()).endsWith(".ec2.internal");
    assertThat(running.tags()).containsEntry("nestedvirt.io/pool", "a");
    assertThat(running.userData()).isEqualTo(userData);
  }

  @Test
  void createTagsAddsTagsToInstancesAndVolumes() {
    ec2.runInstances(launch("c8i.large", 1).build());
    EmulatedInstance instance = emulator.instances().getFirst();

    ec2.createTags(
        r ->
            r.resources(instance.id(), instance.rootVolume().volumeId())
                .tags(Tag.builder().key("nestedvirt.io/pool-uid").value("u-1").build()));

    assertThat(describeAll(r -> r.filters(filter("tag:nestedvirt.io/pool-uid", "u-1")))).hasSize(1);
    assertThat(emulator.instances().getFirst().rootVolume().tags())
        .containsEntry("nestedvirt.io/pool-uid", "u-1");
    assertThat(
            codeOf(
                () ->
                    ec2.createTags(
                        r ->
                            r.resources("i-0123456789abcdef0")
                                .tags(Tag.builder().key("a").value("b").build()))))
        .isEqualTo("InvalidInstanceID.NotFound");
  }

  static Filter filter(String name, String... values) {
    return Filter.builder().name(name).values(values).build();
  }

  static String codeOf(Runnable call) {
    return catchThrowableOfType(Ec2Exception.class, call::run).awsErrorDetails().errorCode();
  }

  static String messageOf(Runnable call) {
    return catchThrowableOfType(Ec2Exception.class, call::run).awsErrorDetails().errorMessage();
  }
}
