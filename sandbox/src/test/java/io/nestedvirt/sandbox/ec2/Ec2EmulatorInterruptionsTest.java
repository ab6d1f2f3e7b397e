package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.operator.cloud.InstanceState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceStatusRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceStatusResponse;
import software.amazon.awssdk.services.ec2.model.EventCode;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.InstanceStatus;
import software.amazon.awssdk.services.ec2.model.InstanceStatusEvent;
import software.amazon.awssdk.services.ec2.model.MarketType;
import software.amazon.awssdk.services.ec2.model.NestedVirtualizationSpecification;
import software.amazon.awssdk.services.ec2.model.SummaryStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The emulator warns as EC2 does: EventBridge events in the documented shapes reach the
 * interruption queue (read with the SDK's SqsClient), a warned Spot instance is taken back two
 * minutes later on the emulator's clock, and a scheduled retirement also shows in
 * DescribeInstanceStatus (read with the SDK's Ec2Client, filtered and paginated as an operator
 * without a queue will read it).
 */
class Ec2EmulatorInterruptionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String QUEUE = Ec2Emulator.INTERRUPTION_QUEUE;
  private static final Duration SHUTDOWN = Duration.ofSeconds(20);

  /** The event codes an operator polling DescribeInstanceStatus asks for. */
  private static final Filter EVENT_CODES =
      Filter.builder()
          .name("event.code")
          .values(
              "instance-reboot",
              "system-reboot",
              "system-maintenance",
              "instance-retirement",
              "instance-stop")
          .build();

  // A Wednesday midnight: three days on is "Sat, 05 Dec 2026 00:00:00 GMT".
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T00:00:00Z"));
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private Ec2Client ec2;
  private SqsClient sqs;

  @BeforeEach
  void start() {
    emulator =
        Ec2Emulator.builder()
            .clock(clock)
            .bootDelay(Duration.ofSeconds(1))
            .shutdownDelay(SHUTDOWN)
            .seed(19)
            .start();
    cluster = emulator.seedCluster("demo");
    ec2 = SdkClients.ec2(emulator);
    sqs = SdkClients.sqs(emulator);
  }

  @AfterEach
  void stop() {
    sqs.close();
    ec2.close();
    emulator.close();
  }

  /** Launches and boots instances (Spot or On-Demand); the clock ends where it began. */
  private List<String> launchRunning(boolean spot, int count) {
    List<String> ids =
        ec2
            .runInstances(
                r -> {
                  r.imageId(cluster.imageId())
                      .instanceType("m8i.large")
                      .minCount(count)
                      .maxCount(count)
                      .subnetId(cluster.subnetIds().getFirst())
                      .cpuOptions(
                          c -> c.nestedVirtualization(NestedVirtualizationSpecification.ENABLED));
                  if (spot) {
                    r.instanceMarketOptions(m -> m.marketType(MarketType.SPOT));
                  }
                })
            .instances()
            .stream()
            .map(i -> i.instanceId())
            .toList();
    clock.advance(Duration.ofSeconds(1));
    emulator.tick();
    clock.set(Instant.parse("2026-12-02T00:00:00Z"));
    return ids;
  }

  private InstanceStateName stateOf(String id) {
    return ec2.describeInstances(r -> r.instanceIds(id))
        .reservations()
        .getFirst()
        .instances()
        .getFirst()
        .state()
        .name();
  }

  private String stateReasonOf(String id) {
    return ec2.describeInstances(r -> r.instanceIds(id))
        .reservations()
        .getFirst()
        .instances()
        .getFirst()
        .stateReason()
        .code();
  }

  private List<JsonNode> queued() {
    List<JsonNode> events = new ArrayList<>();
    for (String body : emulator.queuedMessages(QUEUE)) {
      events.add(parse(body));
    }
    return events;
  }

  private static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  /** The EventBridge envelope every event has. */
  private static void assertEnvelope(
      JsonNode event, String detailType, String source, String time, String resource) {
    assertThat(fieldNames(event))
        .containsExactly(
            "version",
            "id",
            "detail-type",
            "source",
            "account",
            "time",
            "region",
            "resources",
            "detail");
    assertThat(event.get("version").asText()).isEqualTo("0");
    assertThat(UUID.fromString(event.get("id").asText())).isNotNull();
    assertThat(event.get("detail-type").asText()).isEqualTo(detailType);
    assertThat(event.get("source").asText()).isEqualTo(source);
    assertThat(event.get("account").asText()).isEqualTo("123456789012");
    assertThat(event.get("time").asText()).isEqualTo(time);
    assertThat(event.get("region").asText()).isEqualTo("us-east-1");
    assertThat(event.get("resources").size()).isEqualTo(1);
    assertThat(event.get("resources").get(0).asText()).isEqualTo(resource);
  }

  private static String arn(String id) {
    return "arn:aws:ec2:us-east-1:123456789012:instance/" + id;
  }

  private static void assertStateChange(JsonNode event, String id, String state, String time) {
    assertEnvelope(event, "EC2 Instance State-change Notification", "aws.ec2", time, arn(id));
    assertThat(fieldNames(event.get("detail"))).containsExactly("instance-id", "state");
    assertThat(event.at("/detail/instance-id").asText()).isEqualTo(id);
    assertThat(event.at("/detail/state").asText()).isEqualTo(state);
  }

  @Test
  void aSpotWarningIsTheDocumentedEventAndTheInstanceGoesTwoMinutesLater() {
    String id = launchRunning(true, 1).getFirst();

    Instant reclaimAt = emulator.warnSpotInterruption(id);

    assertThat(reclaimAt).isEqualTo(Instant.parse("2026-12-02T00:02:00Z"));
    String url = sqs.getQueueUrl(r -> r.queueName(QUEUE)).queueUrl();
    List<Message> received =
        sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)).messages();
    assertThat(received).as("the warning, and nothing about pending or running").hasSize(1);
    JsonNode warning = parse(received.getFirst().body());
    assertEnvelope(
        warning,
        "EC2 Spot Instance Interruption Warning",
        "aws.ec2",
        "2026-12-02T00:00:00Z",
        arn(id));
    assertThat(fieldNames(warning.get("detail"))).containsExactly("instance-id", "instance-action");
    assertThat(warning.at("/detail/instance-id").asText()).isEqualTo(id);
    assertThat(warning.at("/detail/instance-action").asText()).isEqualTo("terminate");
    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(received.getFirst().receiptHandle()));

    clock.advance(Duration.ofSeconds(119));
    emulator.tick();
    assertThat(stateOf(id)).as("the two minutes are not up").isEqualTo(InstanceStateName.RUNNING);
    assertThat(emulator.queuedMessages(QUEUE)).isEmpty();

    clock.advance(Duration.ofSeconds(1));
    emulator.tick();
    assertThat(stateOf(id)).isEqualTo(InstanceStateName.SHUTTING_DOWN);
    clock.advance(SHUTDOWN);
    emulator.tick();
    assertThat(stateOf(id)).isEqualTo(InstanceStateName.TERMINATED);
    assertThat(stateReasonOf(id)).as("EC2 took it").isEqualTo("Server.SpotInstanceTermination");

    List<JsonNode> changes = queued();
    assertThat(changes).hasSize(2);
    assertStateChange(changes.get(0), id, "shutting-down", "2026-12-02T00:02:00Z");
    assertStateChange(changes.get(1), id, "terminated", "2026-12-02T00:02:20Z");
  }

  @Test
  void aTerminationBeforeTheTwoMinutesAreUpIsNotRepeatedByTheReclaim() {
    String id = launchRunning(true, 1).getFirst();
    emulator.warnSpotInterruption(id);
    ec2.terminateInstances(r -> r.instanceIds(id));
    clock.advance(Duration.ofMinutes(3));
    emulator.tick();

    assertThat(queued())
        .extracting(e -> e.at("/detail/state").asText())
        .containsExactly("", "shutting-down", "terminated");
    assertThat(stateReasonOf(id)).isEqualTo("Client.UserInitiatedShutdown");
  }

  @Test
  void aRebalanceRecommendationIsTheDocumentedEventAndTheInstanceKeepsRunning() {
    String id = launchRunning(true, 1).getFirst();

    emulator.recommendRebalance(id);

    List<JsonNode> events = queued();
    assertThat(events).hasSize(1);
    assertEnvelope(
        events.getFirst(),
        "EC2 Instance Rebalance Recommendation",
        "aws.ec2",
        "2026-12-02T00:00:00Z",
        arn(id));
    assertThat(fieldNames(events.getFirst().get("detail"))).containsExactly("instance-id");
    assertThat(events.getFirst().at("/detail/instance-id").asText()).isEqualTo(id);
    clock.advance(Duration.ofHours(1));
    emulator.tick();
    assertThat(stateOf(id)).isEqualTo(InstanceStateName.RUNNING);
  }

  @Test
  void ec2WarnsOnlySpotInstancesOfInterruptionAndRebalance() {
    String id = launchRunning(false, 1).getFirst();

    assertThatThrownBy(() -> emulator.warnSpotInterruption(id))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("On-Demand");
    assertThatThrownBy(() -> emulator.recommendRebalance(id))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("On-Demand");
    assertThatThrownBy(() -> emulator.warnSpotInterruption("i-0123456789abcdef0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not exist");
    assertThat(emulator.queuedMessages(QUEUE)).isEmpty();
  }

  @Test
  void stopsAndTerminationsAreStateChangeNotificationsButLaunchesAreNot() {
    String id = launchRunning(false, 1).getFirst();

    emulator.stopInstance(id);
    clock.advance(SHUTDOWN);
    emulator.tick();
    ec2.terminateInstances(r -> r.instanceIds(id));
    clock.advance(SHUTDOWN);
    emulator.tick();

    List<JsonNode> events = queued();
    assertThat(events).hasSize(4);
    assertStateChange(events.get(0), id, "stopping", "2026-12-02T00:00:00Z");
    assertStateChange(events.get(1), id, "stopped", "2026-12-02T00:00:20Z");
    assertStateChange(events.get(2), id, "shutting-down", "2026-12-02T00:00:20Z");
    assertStateChange(events.get(3), id, "terminated", "2026-12-02T00:00:40Z");
  }

  @Test
  void aScheduledRetirementIsAnAwsHealthEventAndAnEventOfDescribeInstanceStatus() {
    List<String> ids = launchRunning(false, 6);
    String retiring = ids.get(3);
    Instant start = clock.instant().plus(Duration.ofDays(3));

    emulator.scheduleRetirement(retiring, start);

    List<JsonNode> events = queued();
    assertThat(events).hasSize(1);
    JsonNode health = events.getFirst();
    assertEnvelope(health, "AWS Health Event", "aws.health", "2026-12-02T00:00:00Z", retiring);
    JsonNode detail = health.get("detail");
    assertThat(detail.get("eventArn").asText())
        .matches(
            "arn:aws:health:us-east-1::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/"
                + "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED_[A-Z0-9]+");
    assertThat(detail.get("service").asText()).isEqualTo("EC2");
    assertThat(detail.get("eventTypeCode").asText())
        .isEqualTo("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED");
    assertThat(detail.get("eventTypeCategory").asText()).isEqualTo("scheduledChange");
    assertThat(detail.get("eventScopeCode").asText()).isEqualTo("ACCOUNT_SPECIFIC");
    assertThat(detail.get("startTime").asText()).isEqualTo("Sat, 05 Dec 2026 00:00:00 GMT");
    assertThat(detail.get("endTime").asText()).isEqualTo("Sun, 06 Dec 2026 00:00:00 GMT");
    assertThat(detail.get("statusCode").asText()).isEqualTo("upcoming");
    assertThat(detail.get("eventDescription").size()).isEqualTo(1);
    assertThat(detail.at("/eventDescription/0/language").asText()).isEqualTo("en_US");
    assertThat(detail.at("/eventDescription/0/latestDescription").asText())
        .contains("degradation of the underlying hardware");
    assertThat(detail.get("affectedEntities").size()).isEqualTo(1);
    assertThat(detail.at("/affectedEntities/0/entityValue").asText()).isEqualTo(retiring);

    // The poller's view: only the retiring instance has an event of those codes.
    List<InstanceStatus> withEvents = new ArrayList<>();
    ec2.describeInstanceStatusPaginator(
            DescribeInstanceStatusRequest.builder()
                .filters(EVENT_CODES)
                .includeAllInstances(false)
                .maxResults(5)
                .build())
        .forEach(page -> withEvents.addAll(page.instanceStatuses()));
    assertThat(withEvents).extracting(InstanceStatus::instanceId).containsExactly(retiring);
    InstanceStatus status = withEvents.getFirst();
    assertThat(status.availabilityZone()).isEqualTo("us-east-1a");
    assertThat(status.instanceState().name()).isEqualTo(InstanceStateName.RUNNING);
    assertThat(status.instanceStatus().status()).isEqualTo(SummaryStatus.OK);
    assertThat(status.systemStatus().status()).isEqualTo(SummaryStatus.OK);
    assertThat(status.events()).hasSize(1);
    InstanceStatusEvent event = status.events().getFirst();
    assertThat(event.code()).isEqualTo(EventCode.INSTANCE_RETIREMENT);
    assertThat(event.instanceEventId()).matches("instance-event-[0-9a-f]{17}");
    assertThat(event.description()).isEqualTo("The instance is running on degraded hardware");
    assertThat(event.notBefore()).isEqualTo(start);
    assertThat(event.notAfter()).isEqualTo(start.plus(Duration.ofDays(1)));
  }

  @Test
  void describeInstanceStatusPagesRunningInstancesAndListsOthersOnlyWhenAskedForAll() {
    List<String> ids = launchRunning(false, 7);
    emulator.stopInstance(ids.get(2));
    emulator.resetCalls();

    List<String> listed = new ArrayList<>();
    ec2.describeInstanceStatusPaginator(r -> r.maxResults(5))
        .forEach(page -> page.instanceStatuses().forEach(s -> listed.add(s.instanceId())));

    List<String> running = new ArrayList<>(ids);
    running.remove(2);
    assertThat(listed).containsExactlyElementsOf(running);
    assertThat(emulator.calls("DescribeInstanceStatus"))
        .as("a page of five, then one of one")
        .isEqualTo(2);

    DescribeInstanceStatusResponse all =
        ec2.describeInstanceStatus(r -> r.instanceIds(ids.get(2)).includeAllInstances(true));
    assertThat(all.instanceStatuses()).hasSize(1);
    assertThat(all.instanceStatuses().getFirst().instanceState().name())
        .isEqualTo(InstanceStateName.STOPPING);
    assertThat(all.instanceStatuses().getFirst().instanceStatus().status())
        .isEqualTo(SummaryStatus.NOT_APPLICABLE);
    assertThat(ec2.describeInstanceStatus(r -> r.instanceIds(ids.get(2))).instanceStatuses())
        .as("a stopping instance is not running")
        .isEmpty();
    assertThat(emulator.instances().get(2).state()).isEqualTo(InstanceState.STOPPING);
  }
}
