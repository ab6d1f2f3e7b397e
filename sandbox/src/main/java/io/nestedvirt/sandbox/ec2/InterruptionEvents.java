package io.nestedvirt.sandbox.ec2;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nestedvirt.operator.cloud.InstanceState;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * The account's EventBridge rule for interruptions: the events EC2 and AWS Health emit about
 * instances, in the shapes AWS documents, delivered to one SQS queue as EventBridge delivers them
 * to an SQS target (the event itself is the message body). The rule matches what an interruption
 * handler subscribes to (as Karpenter's does): Spot interruption warnings, rebalance
 * recommendations, scheduled changes, and state changes to stopping, stopped, shutting-down and
 * terminated.
 */
final class InterruptionEvents {
  static final String SPOT_INTERRUPTION = "EC2 Spot Instance Interruption Warning";
  static final String REBALANCE = "EC2 Instance Rebalance Recommendation";
  static final String STATE_CHANGE = "EC2 Instance State-change Notification";
  static final String HEALTH = "AWS Health Event";
  static final String RETIREMENT = "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED";

  /** The states whose changes the rule forwards; pending and running are not interruptions. */
  static final Set<InstanceState> NOTIFIED_STATES =
      EnumSet.of(
          InstanceState.STOPPING,
          InstanceState.STOPPED,
          InstanceState.SHUTTING_DOWN,
          InstanceState.TERMINATED);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** EventBridge's {@code time}: ISO-8601 UTC to the second. */
  private static final DateTimeFormatter EVENT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  /** AWS Health's times, RFC 1123 with a two-digit day: {@code Sat, 05 Dec 2026 00:00:00 GMT}. */
  static final DateTimeFormatter HEALTH_TIME =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  private final SqsQueue queue;
  private final InstantSource clock;
  private final String region;

  InterruptionEvents(SqsQueue queue, InstantSource clock, String region) {
    this.queue = queue;
    this.clock = clock;
    this.region = region;
  }

  SqsQueue queue() {
    return queue;
  }

  /** A state listener of the emulator: forwards the changes the rule matches. */
  void onStateChange(EmulatedInstance instance) {
    if (NOTIFIED_STATES.contains(instance.state())) {
      ObjectNode detail =
          JSON.createObjectNode()
              .put("instance-id", instance.id())
              .put("state", instance.state().wireName());
      send(STATE_CHANGE, "aws.ec2", instanceArn(instance.id()), detail);
    }
  }

  /** EC2's two-minute warning before it terminates a Spot instance. */
  String spotInterruption(EmulatedInstance instance) {
    ObjectNode detail =
        JSON.createObjectNode()
            .put("instance-id", instance.id())
            .put("instance-action", "terminate");
    return send(SPOT_INTERRUPTION, "aws.ec2", instanceArn(instance.id()), detail);
  }

  /** EC2's signal that a Spot instance is at elevated risk of interruption. */
  String rebalanceRecommendation(EmulatedInstance instance) {
    ObjectNode detail = JSON.createObjectNode().put("instance-id", instance.id());
    return send(REBALANCE, "aws.ec2", instanceArn(instance.id()), detail);
  }

  /**
   * AWS Health's notice that an instance's hardware retires between {@code start} and {@code end}.
   */
  String scheduledRetirement(
      EmulatedInstance instance, Instant start, Instant end, String description) {
    String eventId =
        RETIREMENT + "_" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(Locale.ROOT);
    ObjectNode detail =
        JSON.createObjectNode()
            .put(
                "eventArn",
                "arn:aws:health:" + region + "::event/EC2/" + RETIREMENT + "/" + eventId)
            .put("service", "EC2")
            .put("eventTypeCode", RETIREMENT)
            .put("eventTypeCategory", "scheduledChange")
            .put("eventScopeCode", "ACCOUNT_SPECIFIC")
            .put("eventRegion", region)
            .put("startTime", HEALTH_TIME.format(start))
            .put("endTime", HEALTH_TIME.format(end))
            .put("lastUpdatedTime", HEALTH_TIME.format(clock.instant()))
            .put("statusCode", "upcoming");
    detail
        .putArray("eventDescription")
        .addObject()
        .put("language", "en_US")
        .put("latestDescription", description);
    detail.putArray("affectedEntities").addObject().put("entityValue", instance.id());
    return send(HEALTH, "aws.health", instance.id(), detail);
  }

  /** The EventBridge envelope around {@code detail}, sent to the queue; returns the body. */
  private String send(String detailType, String source, String resource, ObjectNode detail) {
    ObjectNode event =
        JSON.createObjectNode()
            .put("version", "0")
            .put("id", UUID.randomUUID().toString())
            .put("detail-type", detailType)
            .put("source", source)
            .put("account", Ec2State.ACCOUNT_ID)
            .put("time", EVENT_TIME.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)))
            .put("region", region);
    event.putArray("resources").add(resource);
    event.set("detail", detail);
    String body = event.toString();
    queue.send(body, java.time.Duration.ZERO);
    return body;
  }

  private String instanceArn(String instanceId) {
    return "arn:aws:ec2:" + region + ":" + Ec2State.ACCOUNT_ID + ":instance/" + instanceId;
  }
}
