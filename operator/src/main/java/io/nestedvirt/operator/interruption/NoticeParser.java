package io.nestedvirt.operator.interruption;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice.Kind;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Pure: the notices in one EventBridge message as the interruption queue receives it (the event
 * itself is the message body). Reads the four kinds of event the queue's rules send
 * (deploy/interruption): EC2's Spot interruption warning, rebalance recommendation and state-change
 * notification, and AWS Health's scheduled changes for EC2. Anything else is ignored, and said why.
 */
public final class NoticeParser {
  /** EC2 reclaims a Spot instance two minutes after the warning. */
  static final Duration SPOT_WARNING = Duration.ofMinutes(2);

  static final String SPOT_INTERRUPTION = "EC2 Spot Instance Interruption Warning";
  static final String REBALANCE = "EC2 Instance Rebalance Recommendation";
  static final String STATE_CHANGE = "EC2 Instance State-change Notification";
  static final String HEALTH = "AWS Health Event";

  /** States in which the instance is going or gone: its node must drain now. */
  static final Set<String> LEAVING_STATES =
      Set.of("stopping", "stopped", "shutting-down", "terminated");

  private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");

  /** EC2 descriptions can run long; a condition message need not carry all of it. */
  private static final int DESCRIPTION_LIMIT = 200;

  private static final ObjectMapper JSON = new ObjectMapper();

  private NoticeParser() {}

  /**
   * @param notices what the message warns about, one per instance it names
   * @param ignored why there are none (the message is about something the operator does not act on)
   */
  public record Parsed(List<InterruptionNotice> notices, String ignored) {
    static Parsed ignored(String why) {
      return new Parsed(List.of(), why);
    }
  }

  /**
   * @throws IllegalArgumentException when the body is not an EventBridge event, or an event of a
   *     kind read here lacks what that kind always carries
   */
  public static Parsed parse(String body) {
    JsonNode event;
    try {
      event = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    if (event == null || !event.isObject() || !event.hasNonNull("detail-type")) {
      throw new IllegalArgumentException("not an EventBridge event (no detail-type)");
    }
    String type = event.get("detail-type").asText();
    JsonNode detail = event.path("detail");
    return switch (type) {
      case SPOT_INTERRUPTION -> {
        Instant time = time(event);
        String action = detail.path("instance-action").asText("terminate");
        yield one(
            InterruptionNotice.of(
                Kind.SpotInterruption,
                instanceId(detail),
                "Spot interruption warning (instance-action " + action + ")",
                time,
                time.plus(SPOT_WARNING)));
      }
      case REBALANCE ->
          one(
              InterruptionNotice.of(
                  Kind.RebalanceRecommendation,
                  instanceId(detail),
                  "Spot rebalance recommendation",
                  time(event),
                  null));
      case STATE_CHANGE -> {
        String state = detail.path("state").asText("");
        if (!LEAVING_STATES.contains(state)) {
          yield Parsed.ignored("state change to " + (state.isEmpty() ? "(none)" : state));
        }
        Instant time = time(event);
        yield one(
            InterruptionNotice.of(
                Kind.InstanceStopping, instanceId(detail), "instance " + state, time, time));
      }
      case HEALTH -> health(event, detail);
      default -> Parsed.ignored("detail-type " + type);
    };
  }

  /** An AWS Health event: only EC2's scheduled changes, one notice per instance it affects. */
  private static Parsed health(JsonNode event, JsonNode detail) {
    String service = detail.path("service").asText("");
    String category = detail.path("eventTypeCategory").asText("");
    if (!service.equals("EC2") || !category.equals("scheduledChange")) {
      return Parsed.ignored("AWS Health " + service + " " + category + " event");
    }
    if (detail.path("statusCode").asText("").equals("closed")) {
      return Parsed.ignored("AWS Health event already closed");
    }
    String code = detail.path("eventTypeCode").asText("scheduled change");
    String description = "";
    for (JsonNode d : detail.path("eventDescription")) {
      description = d.path("latestDescription").asText("");
      if (d.path("language").asText("").startsWith("en")) {
        break;
      }
    }
    String what = code + (description.isBlank() ? "" : ": " + shorten(description));
    Instant time = time(event);
    Instant start =
        detail.hasNonNull("startTime") ? healthTime(detail.get("startTime").asText()) : null;
    List<InterruptionNotice> notices = new ArrayList<>();
    for (JsonNode entity : detail.path("affectedEntities")) {
      String id = entity.path("entityValue").asText("");
      if (INSTANCE_ID.matcher(id).matches()) {
        notices.add(InterruptionNotice.of(Kind.ScheduledChange, id, what, time, start));
      }
    }
    return notices.isEmpty()
        ? Parsed.ignored("AWS Health event " + code + " names no instance")
        : new Parsed(List.copyOf(notices), null);
  }

  private static Parsed one(InterruptionNotice notice) {
    return new Parsed(List.of(notice), null);
  }

  private static String instanceId(JsonNode detail) {
    String id = detail.path("instance-id").asText("");
    if (!INSTANCE_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "detail.instance-id is " + (id.isEmpty() ? "missing" : "not an instance id: " + id));
    }
    return id;
  }

  private static Instant time(JsonNode event) {
    String time = event.path("time").asText("");
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("time is not an ISO-8601 instant: " + time);
    }
  }

  /**
   * AWS Health writes its times as RFC 1123 ("Sat, 05 Dec 2026 00:00:00 GMT"); accepted as ISO-8601
   * too.
   */
  static Instant healthTime(String text) {
    try {
      return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException rfc) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException iso) {
        throw new IllegalArgumentException("detail.startTime is not a time: " + text);
      }
    }
  }

  private static String shorten(String text) {
    String oneLine = text.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= DESCRIPTION_LIMIT
        ? oneLine
        : oneLine.substring(0, DESCRIPTION_LIMIT - 3) + "...";
  }
}
