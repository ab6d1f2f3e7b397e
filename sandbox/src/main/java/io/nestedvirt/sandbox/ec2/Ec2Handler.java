package io.nestedvirt.sandbox.ec2;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP entry point: SSM and SQS JSON calls (told apart by the prefix of {@code
 * X-Amz-Target}) and EC2 Query calls. Every call is counted before injected faults apply, so
 * retries show in the counts.
 */
final class Ec2Handler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(Ec2Handler.class);

  private final InstanceActions instances;
  private final InstanceStatusActions statuses;
  private final ResourceActions resources;
  private final SsmHandler ssm;
  private final SqsHandler sqs;
  private final Faults faults;
  private final CallCounts calls;

  Ec2Handler(
      InstanceActions instances,
      InstanceStatusActions statuses,
      ResourceActions resources,
      SsmHandler ssm,
      SqsHandler sqs,
      Faults faults,
      CallCounts calls) {
    this.instances = instances;
    this.statuses = statuses;
    this.resources = resources;
    this.ssm = ssm;
    this.sqs = sqs;
    this.faults = faults;
    this.calls = calls;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String requestId = UUID.randomUUID().toString();
      exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if (target != null && target.startsWith(SqsHandler.TARGET_PREFIX)) {
        handleSqs(exchange, SqsHandler.operation(target), body);
      } else if (target != null) {
        handleSsm(exchange, SsmHandler.operation(target), body);
      } else {
        handleEc2(exchange, QueryRequest.parse(body), requestId);
      }
    } catch (RuntimeException e) {
      log.error("EC2 emulator failed on a request", e);
      throw e;
    }
  }

  private void handleSsm(HttpExchange exchange, String operation, String body) throws IOException {
    calls.record(operation);
    SsmHandler.JsonResponse response = ssm.handle(operation, body);
    if (response.errorType() != null) {
      exchange.getResponseHeaders().set("x-amzn-ErrorType", response.errorType());
    }
    send(exchange, response.status(), SsmHandler.CONTENT_TYPE, response.body());
  }

  private void handleSqs(HttpExchange exchange, String operation, String body) throws IOException {
    calls.record(operation);
    SqsHandler.JsonResponse response;
    try {
      response = sqs.handle(operation, body);
    } catch (InterruptedException e) {
      // The emulator is closing under a long poll: no answer, the connection just ends.
      Thread.currentThread().interrupt();
      return;
    }
    if (response.errorType() != null) {
      exchange.getResponseHeaders().set("x-amzn-query-error", response.queryError());
    }
    send(exchange, response.status(), SqsHandler.CONTENT_TYPE, response.body());
  }

  private void handleEc2(HttpExchange exchange, QueryRequest request, String requestId)
      throws IOException {
    String action = request.action();
    int status = 200;
    String xml;
    try {
      if (action == null) {
        throw Ec2Error.missingParameter("Action");
      }
      calls.record(action);
      if (faults.isThrottled(action)) {
        throw new Ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.");
      }
      Ec2Error fault = faults.takeActionFault(action);
      if (fault != null) {
        throw fault;
      }
      xml = dispatch(action, request, requestId);
      Ec2Error lostResponse = faults.takeActionFault(Faults.afterApplying(action));
      if (lostResponse != null) {
        throw lostResponse;
      }
      switch (faults.takeLoss(action)) {
        case INTERNAL_ERROR ->
            throw new Ec2Error(500, "InternalError", "An internal error has occurred.");
        case DROPPED_CONNECTION -> {
          return; // closing the exchange without an answer drops the connection
        }
        case NONE -> {}
      }
    } catch (Ec2Error e) {
      status = e.status();
      xml = errorXml(e, requestId);
    } catch (RuntimeException e) {
      log.error("EC2 emulator failed on {}", action, e);
      status = 500;
      xml =
          errorXml(new Ec2Error(500, "InternalError", "An internal error has occurred"), requestId);
    }
    send(exchange, status, "text/xml;charset=UTF-8", xml);
  }

  private String dispatch(String action, QueryRequest request, String requestId) {
    return switch (action) {
      case "RunInstances" -> instances.runInstances(request, requestId);
      case "DescribeInstances" -> instances.describeInstances(request, requestId);
      case "TerminateInstances" -> instances.terminateInstances(request, requestId);
      case "DescribeInstanceStatus" -> statuses.describeInstanceStatus(request, requestId);
      case "DescribeInstanceTypes" -> resources.describeInstanceTypes(request, requestId);
      case "DescribeInstanceTypeOfferings" ->
          resources.describeInstanceTypeOfferings(request, requestId);
      case "DescribeSubnets" -> resources.describeSubnets(request, requestId);
      case "DescribeSecurityGroups" -> resources.describeSecurityGroups(request, requestId);
      case "DescribeImages" -> resources.describeImages(request, requestId);
      case "CreateTags" -> resources.createTags(request, requestId);
      default ->
          throw Ec2Error.client(
              "InvalidAction", "The action " + action + " is not valid for this web service.");
    };
  }

  /** EC2's error envelope; note {@code RequestID}, not {@code requestId}, in errors. */
  private static String errorXml(Ec2Error error, String requestId) {
    XmlWriter xml = new XmlWriter();
    xml.start("Response").start("Errors").start("Error");
    xml.leaf("Code", error.code()).leaf("Message", error.getMessage());
    xml.end().end().leaf("RequestID", requestId);
    return xml.finish();
  }

  private static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
