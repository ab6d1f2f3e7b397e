package io.nestedvirt.sandbox.ec2;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * SQS over the AWS JSON 1.0 protocol (what SDK v2's SqsClient speaks), on the EC2 port and told
 * apart by {@code X-Amz-Target: AmazonSQS.<Action>}: GetQueueUrl, SendMessage, ReceiveMessage (with
 * long polling and visibility timeouts), DeleteMessage and DeleteMessageBatch. Not modelled: FIFO
 * queues, message attributes, dead-letter queues, queue attributes.
 */
final class SqsHandler {
  static final String TARGET_PREFIX = "AmazonSQS.";
  static final String CONTENT_TYPE = "application/x-amz-json-1.0";

  /** A JSON answer; errors also carry their {@code __type} and query error header. */
  record JsonResponse(int status, String body, String errorType, String queryError) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_WAIT_SECONDS = 20;
  private static final int MAX_BATCH = 10;
  private static final int MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

  private final SqsQueues queues;
  private final Faults faults;

  SqsHandler(SqsQueues queues, Faults faults) {
    this.queues = queues;
    this.faults = faults;
  }

  /** The action of a target such as {@code AmazonSQS.ReceiveMessage}. */
  static String operation(String target) {
    return target.substring(TARGET_PREFIX.length());
  }

  JsonResponse handle(String operation, String body) throws InterruptedException {
    try {
      SqsError fault = fault(operation);
      if (fault != null) {
        throw fault;
      }
      JsonNode request = parse(body);
      ObjectNode answer =
          switch (operation) {
            case "GetQueueUrl" -> getQueueUrl(request);
            case "SendMessage" -> sendMessage(request);
            case "ReceiveMessage" -> receiveMessage(request);
            case "DeleteMessage" -> deleteMessage(request);
            case "DeleteMessageBatch" -> deleteMessageBatch(request);
            default ->
                throw new SqsError(
                    400,
                    "UnsupportedOperation",
                    "AWS.SimpleQueueService.UnsupportedOperation",
                    "The sandbox's SQS does not implement " + operation + ".");
          };
      return new JsonResponse(200, answer.toString(), null, null);
    } catch (SqsError e) {
      ObjectNode error =
          JSON.createObjectNode().put("__type", e.type()).put("message", e.getMessage());
      return new JsonResponse(e.status(), error.toString(), e.type(), e.queryError());
    }
  }

  /** An injected fault as SQS would send it: throttling is {@code RequestThrottled} (400). */
  private SqsError fault(String operation) {
    Ec2Error fault =
        faults.isThrottled(operation)
            ? new Ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.")
            : faults.takeActionFault(operation);
    if (fault == null) {
      return null;
    }
    if (fault.code().equals("RequestLimitExceeded")) {
      return new SqsError(400, "RequestThrottled", "RequestThrottled", "Rate exceeded");
    }
    return new SqsError(fault.status(), fault.code(), fault.code(), fault.getMessage());
  }

  private ObjectNode getQueueUrl(JsonNode request) {
    String name = text(request, "QueueName");
    if (name == null) {
      throw SqsError.missingParameter("QueueName");
    }
    return JSON.createObjectNode().put("QueueUrl", queues.byName(name).url());
  }

  private ObjectNode sendMessage(JsonNode request) {
    SqsQueue queue = queues.byUrl(text(request, "QueueUrl"));
    String body = text(request, "MessageBody");
    if (body == null || body.isEmpty()) {
      throw SqsError.missingParameter("MessageBody");
    }
    int delay = integer(request, "DelaySeconds", 0, 0, 900);
    SqsQueue.Sent sent = queue.send(body, Duration.ofSeconds(delay));
    return JSON.createObjectNode()
        .put("MD5OfMessageBody", sent.md5OfBody())
        .put("MessageId", sent.messageId());
  }

  private ObjectNode receiveMessage(JsonNode request) throws InterruptedException {
    SqsQueue queue = queues.byUrl(text(request, "QueueUrl"));
    int max = integer(request, "MaxNumberOfMessages", 1, 1, MAX_BATCH);
    int wait = integer(request, "WaitTimeSeconds", 0, 0, MAX_WAIT_SECONDS);
    int visibility =
        integer(
            request,
            "VisibilityTimeout",
            (int) SqsQueue.DEFAULT_VISIBILITY.toSeconds(),
            0,
            MAX_VISIBILITY_SECONDS);
    Set<String> attributes = requestedAttributes(request);
    List<SqsQueue.Received> received =
        queue.receive(max, Duration.ofSeconds(visibility), Duration.ofSeconds(wait));
    ObjectNode answer = JSON.createObjectNode();
    if (received.isEmpty()) {
      return answer; // SQS leaves Messages out when there are none
    }
    ArrayNode messages = answer.putArray("Messages");
    for (SqsQueue.Received message : received) {
      ObjectNode item =
          messages
              .addObject()
              .put("MessageId", message.messageId())
              .put("ReceiptHandle", message.receiptHandle())
              .put("MD5OfBody", message.md5OfBody())
              .put("Body", message.body());
      ObjectNode values = JSON.createObjectNode();
      putIfAsked(values, attributes, "SenderId", Ec2State.ACCOUNT_ID);
      putIfAsked(
          values, attributes, "SentTimestamp", String.valueOf(message.sentAt().toEpochMilli()));
      putIfAsked(
          values, attributes, "ApproximateReceiveCount", String.valueOf(message.receiveCount()));
      putIfAsked(
          values,
          attributes,
          "ApproximateFirstReceiveTimestamp",
          String.valueOf(message.firstReceivedAt().toEpochMilli()));
      if (!values.isEmpty()) {
        item.set("Attributes", values);
      }
    }
    return answer;
  }

  private ObjectNode deleteMessage(JsonNode request) {
    SqsQueue queue = queues.byUrl(text(request, "QueueUrl"));
    String handle = text(request, "ReceiptHandle");
    if (handle == null) {
      throw SqsError.missingParameter("ReceiptHandle");
    }
    if (!queue.delete(handle)) {
      throw SqsError.receiptHandleIsInvalid(handle);
    }
    return JSON.createObjectNode();
  }

  /** Each entry succeeds or fails on its own; only a malformed batch fails the whole call. */
  private ObjectNode deleteMessageBatch(JsonNode request) {
    SqsQueue queue = queues.byUrl(text(request, "QueueUrl"));
    JsonNode entries = request.path("Entries");
    if (!entries.isArray() || entries.isEmpty()) {
      throw new SqsError(
          400,
          "EmptyBatchRequest",
          "AWS.SimpleQueueService.EmptyBatchRequest",
          "There should be at least one DeleteMessageBatchRequestEntry in the request.");
    }
    if (entries.size() > MAX_BATCH) {
      throw new SqsError(
          400,
          "TooManyEntriesInBatchRequest",
          "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
          "Maximum number of entries per request are "
              + MAX_BATCH
              + ". You have sent "
              + entries.size()
              + ".");
    }
    Set<String> ids = new HashSet<>();
    for (JsonNode entry : entries) {
      if (!ids.add(text(entry, "Id"))) {
        throw new SqsError(
            400,
            "BatchEntryIdsNotDistinct",
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
            "Id " + text(entry, "Id") + " repeated.");
      }
    }
    ObjectNode answer = JSON.createObjectNode();
    ArrayNode successful = answer.putArray("Successful");
    ArrayNode failed = answer.putArray("Failed");
    for (JsonNode entry : entries) {
      String id = text(entry, "Id");
      String handle = text(entry, "ReceiptHandle");
      if (handle != null && queue.delete(handle)) {
        successful.addObject().put("Id", id);
      } else {
        failed
            .addObject()
            .put("Id", id)
            .put("SenderFault", true)
            .put("Code", "ReceiptHandleIsInvalid")
            .put("Message", SqsError.receiptHandleIsInvalid(handle).getMessage());
      }
    }
    return answer;
  }

  /** The system attributes asked for, by either request field (the newer one or the older). */
  private static Set<String> requestedAttributes(JsonNode request) {
    Set<String> names = new HashSet<>();
    for (String field : List.of("MessageSystemAttributeNames", "AttributeNames")) {
      request.path(field).forEach(name -> names.add(name.asText()));
    }
    return names;
  }

  private static void putIfAsked(ObjectNode values, Set<String> asked, String name, String value) {
    if (asked.contains("All") || asked.contains(name)) {
      values.put(name, value);
    }
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode node = JSON.readTree(body.isEmpty() ? "{}" : body);
      if (!node.isObject()) {
        throw new SqsError(
            400, "SerializationException", "SerializationException", "Expected an object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new SqsError(
          400, "SerializationException", "SerializationException", e.getOriginalMessage());
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static int integer(JsonNode request, String field, int fallback, int min, int max) {
    JsonNode value = request.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    int number = value.asInt();
    if (!value.canConvertToInt() || number < min || number > max) {
      throw SqsError.invalidParameterValue(
          "Value "
              + value.asText()
              + " for parameter "
              + field
              + " is invalid. Reason: Must be between "
              + min
              + " and "
              + max
              + ".");
    }
    return number;
  }
}
