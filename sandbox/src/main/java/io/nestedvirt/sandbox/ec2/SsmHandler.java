package io.nestedvirt.sandbox.ec2;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SSM's GetParameter and PutParameter over the AWS JSON 1.1 protocol, on the EC2 port: the SDK's
 * SsmClient with the same endpoint override finds it by its {@code X-Amz-Target} header.
 */
final class SsmHandler {
  static final String TARGET_PREFIX = "AmazonSSM.";
  static final String CONTENT_TYPE = "application/x-amz-json-1.1";

  /** A JSON answer and its status; errors carry their type in {@code __type}. */
  record JsonResponse(int status, String body, String errorType) {}

  // The request is one flat object written by the SDK; a full JSON parser would be dead weight.
  private static final Pattern NAME = stringField("Name");
  private static final Pattern VALUE = stringField("Value");
  private static final Pattern OVERWRITE = Pattern.compile("\"Overwrite\"\\s*:\\s*true");

  private final Ec2State state;
  private final Faults faults;

  SsmHandler(Ec2State state, Faults faults) {
    this.state = state;
    this.faults = faults;
  }

  /** The operation name of a target such as {@code AmazonSSM.GetParameter}. */
  static String operation(String target) {
    return target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : target;
  }

  JsonResponse handle(String operation, String body) {
    Ec2Error fault = faults.takeActionFault(operation);
    if (fault != null) {
      // SSM throttles with ThrottlingException (400); other injected faults keep their status.
      String type =
          fault.code().equals("RequestLimitExceeded") ? "ThrottlingException" : fault.code();
      int status = type.equals("ThrottlingException") ? 400 : fault.status();
      return error(status, type, fault.getMessage());
    }
    return switch (operation) {
      case "GetParameter" -> getParameter(body);
      case "PutParameter" -> putParameter(body);
      default -> error(400, "UnknownOperationException", null);
    };
  }

  /** Publishes a value (Overwrite bumps the version); answers the new version, as SSM does. */
  private JsonResponse putParameter(String body) {
    Matcher name = NAME.matcher(body);
    Matcher value = VALUE.matcher(body);
    if (!name.find() || !value.find()) {
      return error(
          400, "ValidationException", "1 validation error detected: Value null at 'name'/'value'");
    }
    try {
      Ec2State.SsmParameter parameter =
          state.putParameter(
              unescape(name.group(1)), unescape(value.group(1)), OVERWRITE.matcher(body).find());
      return new JsonResponse(
          200, "{\"Tier\":\"Standard\",\"Version\":" + parameter.version() + "}", null);
    } catch (Ec2Error e) {
      return error(e.status(), e.code(), e.getMessage());
    }
  }

  private JsonResponse getParameter(String body) {
    Matcher matcher = NAME.matcher(body);
    if (!matcher.find()) {
      return error(400, "ValidationException", "1 validation error detected: Value null at 'name'");
    }
    String name = unescape(matcher.group(1));
    if (name.startsWith("resolve:ssm:")) {
      name = name.substring("resolve:ssm:".length());
    }
    Ec2State.SsmParameter parameter = state.parameter(name);
    if (parameter == null) {
      return error(400, "ParameterNotFound", "Parameter " + name + " not found.");
    }
    String arn = "arn:aws:ssm:us-east-1::parameter" + (name.startsWith("/") ? "" : "/") + name;
    String json =
        "{\"Parameter\":{\"ARN\":"
            + quote(arn)
            + ",\"DataType\":\"text\",\"LastModifiedDate\":"
            + parameter.lastModified().toEpochMilli() / 1000.0
            + ",\"Name\":"
            + quote(parameter.name())
            + ",\"Type\":\"String\",\"Value\":"
            + quote(parameter.value())
            + ",\"Version\":"
            + parameter.version()
            + "}}";
    return new JsonResponse(200, json, null);
  }

  /** A string field of the flat request object, its value still escaped. */
  private static Pattern stringField(String field) {
    return Pattern.compile("\"" + field + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  }

  private static JsonResponse error(int status, String type, String message) {
    String body =
        "{\"__type\":"
            + quote(type)
            + (message == null ? "" : ",\"message\":" + quote(message))
            + "}";
    return new JsonResponse(status, body, type);
  }

  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static String unescape(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\\' || i + 1 == text.length()) {
        out.append(c);
        continue;
      }
      char next = text.charAt(++i);
      switch (next) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u' -> {
          out.append((char) Integer.parseInt(text.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> out.append(next);
      }
    }
    return out.toString();
  }
}
