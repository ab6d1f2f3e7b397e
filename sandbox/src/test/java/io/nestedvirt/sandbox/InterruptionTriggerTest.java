package io.nestedvirt.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceStatusEvent;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;

/**
 * {@code kubectl annotate nvi NAME sandbox.nestedvirt.io/interrupt=...} in a running sandbox (the
 * stack alone, so no operator reads the queue before the test does): EC2 warns about the machine's
 * instance, the sandbox says so in one line, and the annotation goes so it can be given again.
 */
class InterruptionTriggerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Sandbox sandbox;
  private Ec2Client ec2;
  private final List<String> notices = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    sandbox =
        Sandbox.startStack(
            new Sandbox.Options("sandbox", Duration.ofSeconds(1), Duration.ofMillis(100)));
    sandbox.onNotice(notices::add);
    ec2 =
        Ec2Client.builder()
            .endpointOverride(sandbox.ec2().endpoint())
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(Sandbox.ACCESS_KEY, Sandbox.SECRET_KEY)))
            .httpClientBuilder(Apache5HttpClient.builder())
            .build();
  }

  @AfterEach
  void stop() {
    ec2.close();
    sandbox.close();
  }

  /** A running instance launched as the operator would, and a machine that records it. */
  private String machineWithInstance(String name, boolean spot) {
    Ec2Emulator.SeededCluster network = seeded();
    String id =
        ec2.runInstances(
                r -> {
                  r.imageId(network.imageId())
                      .instanceType("m8i.large")
                      .minCount(1)
                      .maxCount(1)
                      .subnetId(network.subnetIds().getFirst())
                      .cpuOptions(
                          c -> c.nestedVirtualization(NestedVirtualizationSpecification.ENABLED));
                  if (spot) {
                    r.instanceMarketOptions(m -> m.marketType(MarketType.SPOT));
                  }
                })
            .instances()
            .getFirst()
            .instanceId();
    await("the instance runs")
        .atMost(Duration.ofSeconds(10))
        .until(() -> instance(id).state() == InstanceState.RUNNING);
    createMachine(name, spot);
    setInstanceId(name, id);
    return id;
  }

  private Ec2Emulator.SeededCluster seededCluster;

  private Ec2Emulator.SeededCluster seeded() {
    if (seededCluster == null) {
      // The sandbox seeded "sandbox" already; a second network gives this test its ids.
      seededCluster = sandbox.ec2().seedCluster("interruptions");
    }
    return seededCluster;
  }

  private void createMachine(String name, boolean spot) {
    NestedVirtInstance machine = new NestedVirtInstance();
    machine.setMetadata(new ObjectMetaBuilder().withName(name).build());
    NestedVirtInstanceSpec spec = new NestedVirtInstanceSpec();
    spec.instanceType = "m8i.large";
    spec.subnetId = seeded().subnetIds().getFirst();
    spec.zone = "us-east-1a";
    spec.capacityType = spot ? CapacityType.SPOT : CapacityType.ON_DEMAND;
    spec.launchSettingsHash = "0123456789abcdef";
    machine.setSpec(spec);
    sandbox.client().resources(NestedVirtInstance.class).resource(machine).create();
  }

  private void setInstanceId(String name, String id) {
    NestedVirtInstance machine =
        sandbox.client().resources(NestedVirtInstance.class).withName(name).get();
    machine.setStatus(new NestedVirtInstanceStatus());
    machine.getStatus().instanceId = id;
    sandbox.client().resources(NestedVirtInstance.class).resource(machine).updateStatus();
  }

  private void annotate(String name, String value) {
    sandbox
        .client()
        .resources(NestedVirtInstance.class)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\""
                + InterruptionTrigger.ANNOTATION
                + "\":\""
                + value
                + "\"}}}");
  }

  private String annotation(String name) {
    var annotations =
        sandbox
            .client()
            .resources(NestedVirtInstance.class)
            .withName(name)
            .get()
            .getMetadata()
            .getAnnotations();
    return annotations == null ? null : annotations.get(InterruptionTrigger.ANNOTATION);
  }

  private void awaitHandled(String name) {
    await("the sandbox removes the annotation of " + name)
        .atMost(Duration.ofSeconds(10))
        .until(() -> annotation(name) == null);
  }

  private EmulatedInstance instance(String id) {
    return sandbox.ec2().instances().stream()
        .filter(i -> i.id().equals(id))
        .findFirst()
        .orElseThrow();
  }

  private List<JsonNode> queued() throws Exception {
    List<JsonNode> events = new java.util.ArrayList<>();
    for (String body : sandbox.ec2().queuedMessages(Ec2Emulator.INTERRUPTION_QUEUE)) {
      events.add(JSON.readTree(body));
    }
    return events;
  }

  private List<JsonNode> queued(String detailType) throws Exception {
    return queued().stream().filter(e -> e.get("detail-type").asText().equals(detailType)).toList();
  }

  @Test
  void spotThenRebalanceOnTheSameMachineEachWarnOnce() throws Exception {
    String id = machineWithInstance("spot-a", true);

    annotate("spot-a", "spot");
    awaitHandled("spot-a");

    List<JsonNode> warnings = queued("EC2 Spot Instance Interruption Warning");
    assertThat(warnings).hasSize(1);
    assertThat(warnings.getFirst().at("/detail/instance-id").asText()).isEqualTo(id);
    assertThat(warnings.getFirst().at("/detail/instance-action").asText()).isEqualTo("terminate");
    assertThat(notices)
        .singleElement()
        .asString()
        .startsWith("sandbox: EC2 warns: Spot interruption of " + id + " (machine spot-a)");

    // Given again, with another value: the annotation was removed so that it could be.
    annotate("spot-a", "rebalance");
    awaitHandled("spot-a");
    assertThat(queued("EC2 Instance Rebalance Recommendation"))
        .singleElement()
        .satisfies(e -> assertThat(e.at("/detail/instance-id").asText()).isEqualTo(id));
    assertThat(queued("EC2 Spot Instance Interruption Warning")).as("no second warning").hasSize(1);
    assertThat(notices)
        .last()
        .isEqualTo("sandbox: EC2 warns: rebalance recommendation for " + id + " (machine spot-a)");
  }

  @Test
  void scheduledIsAHealthEventAndAnEventOfDescribeInstanceStatusThreeDaysAhead() throws Exception {
    String id = machineWithInstance("retiring", false);
    Instant before = sandbox.ec2().now();

    annotate("retiring", "scheduled");
    awaitHandled("retiring");

    Instant after = sandbox.ec2().now();
    assertThat(queued("AWS Health Event"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.at("/detail/eventTypeCode").asText())
                  .isEqualTo("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED");
              assertThat(e.at("/detail/affectedEntities/0/entityValue").asText()).isEqualTo(id);
            });
    List<InstanceStatusEvent> events =
        ec2.describeInstanceStatus(
                r ->
                    r.instanceIds(id)
                        .filters(f -> f.name("event.code").values("instance-retirement")))
            .instanceStatuses()
            .getFirst()
            .events();
    assertThat(events).hasSize(1);
    assertThat(events.getFirst().notBefore())
        .isBetween(
            before.plus(Duration.ofDays(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
            after.plus(Duration.ofDays(3)));
    assertThat(notices)
        .singleElement()
        .asString()
        .startsWith(
            "sandbox: EC2 warns: scheduled retirement of " + id + " (machine retiring) from ");
  }

  @Test
  void stopStopsTheInstanceWithItsStateChangeNotifications() throws Exception {
    String id = machineWithInstance("stopped", false);

    annotate("stopped", "stop");
    awaitHandled("stopped");

    await("stopped after the shutdown delay")
        .atMost(Duration.ofSeconds(10))
        .until(() -> instance(id).state() == InstanceState.STOPPED);
    assertThat(queued("EC2 Instance State-change Notification"))
        .extracting(
            e -> e.at("/detail/instance-id").asText() + " " + e.at("/detail/state").asText())
        .containsExactly(id + " stopping", id + " stopped");
    assertThat(notices).containsExactly("sandbox: EC2 stops " + id + " (machine stopped)");

    annotate("stopped", "stop");
    awaitHandled("stopped");
    assertThat(notices)
        .last()
        .isEqualTo(
            "sandbox: EC2 cannot stop "
                + id
                + " (machine stopped): it is neither pending nor running");
    assertThat(queued()).as("no second stop").hasSize(2);
  }

  @Test
  void aSpotWarningForAnOnDemandInstanceIsRefusedAsEc2WouldNeverSendIt() throws Exception {
    String id = machineWithInstance("on-demand", false);

    annotate("on-demand", "spot");
    awaitHandled("on-demand");

    assertThat(queued()).isEmpty();
    assertThat(notices)
        .singleElement()
        .asString()
        .startsWith("sandbox: EC2 cannot warn about " + id + " (machine on-demand): ")
        .contains("On-Demand");
    assertThat(instance(id).state()).isEqualTo(InstanceState.RUNNING);
  }

  @Test
  void aMachineWithoutAnInstanceYetIsWarnedOnceItHasOne() throws Exception {
    createMachine("launching", true);

    annotate("launching", "spot");
    await("the sandbox says it waits")
        .atMost(Duration.ofSeconds(10))
        .until(() -> !notices.isEmpty());
    assertThat(notices)
        .containsExactly(
            "sandbox: machine launching has no instance yet; EC2 warns once it is launched");
    assertThat(annotation("launching")).isEqualTo("spot");

    String id = machineWithInstanceOf("launching");
    awaitHandled("launching");
    assertThat(queued("EC2 Spot Instance Interruption Warning"))
        .singleElement()
        .satisfies(e -> assertThat(e.at("/detail/instance-id").asText()).isEqualTo(id));
  }

  /** Launches a Spot instance and records it in an existing machine. */
  private String machineWithInstanceOf(String name) {
    Ec2Emulator.SeededCluster network = seeded();
    String id =
        ec2.runInstances(
                r ->
                    r.imageId(network.imageId())
                        .instanceType("m8i.large")
                        .minCount(1)
                        .maxCount(1)
                        .subnetId(network.subnetIds().getFirst())
                        .instanceMarketOptions(m -> m.marketType(MarketType.SPOT)))
            .instances()
            .getFirst()
            .instanceId();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> instance(id).state() == InstanceState.RUNNING);
    setInstanceId(name, id);
    return id;
  }

  @Test
  void anUnknownValueIsRemovedWithAClearLine() throws Exception {
    machineWithInstance("typo", true);

    annotate("typo", "reboot");
    awaitHandled("typo");

    assertThat(queued()).isEmpty();
    assertThat(notices)
        .containsExactly(
            "sandbox: sandbox.nestedvirt.io/interrupt=reboot on machine typo is not one of spot,"
                + " rebalance, scheduled, stop; removed it");
  }
}
