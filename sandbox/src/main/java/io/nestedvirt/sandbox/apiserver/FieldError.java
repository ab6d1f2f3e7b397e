package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One reason a custom resource was refused, worded as a real API server words it
 * (k8s.io/apimachinery's field.Error), so that tests and users read the same text from the sandbox
 * as from a cluster: {@code spec.replicas: Invalid value: -1: spec.replicas in body should be
 * greater than or equal to 0}.
 */
record FieldError(String field, Type type, String value, String detail) {

  /** The kinds of error the API server reports, with the cause reason it puts in a Status. */
  enum Type {
    REQUIRED("FieldValueRequired", "Required value"),
    INVALID("FieldValueInvalid", "Invalid value"),
    /** A value of the wrong JSON type; it keeps the CEL rules from being evaluated. */
    TYPE_INVALID("FieldValueTypeInvalid", "Invalid value"),
    NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
    TOO_LONG("FieldValueTooLong", "Too long"),
    TOO_MANY("FieldValueTooMany", "Too many");

    final String reason;
    final String words;

    Type(String reason, String words) {
      this.reason = reason;
      this.words = words;
    }
  }

  static FieldError required(String field) {
    return new FieldError(field, Type.REQUIRED, null, "");
  }

  /** {@code value} as the API server prints it: a JSON scalar, or a quoted type name. */
  static FieldError invalid(String field, String value, String detail) {
    return new FieldError(field, Type.INVALID, value, detail);
  }

  static FieldError typeInvalid(String field, String value, String detail) {
    return new FieldError(field, Type.TYPE_INVALID, value, detail);
  }

  /**
   * Whether a real API server leaves the CEL rules unevaluated after this error (apiextensions'
   * hasBlockingErr): a missing, unsupported, too long or mistyped value, or too many of them.
   */
  boolean blocksCel() {
    return switch (type) {
      case REQUIRED, NOT_SUPPORTED, TOO_LONG, TOO_MANY, TYPE_INVALID -> true;
      case INVALID -> false;
    };
  }

  static FieldError notSupported(String field, JsonNode value, List<JsonNode> supported) {
    return new FieldError(
        field,
        Type.NOT_SUPPORTED,
        value.toString(),
        "supported values: "
            + supported.stream().map(JsonNode::toString).collect(Collectors.joining(", ")));
  }

  static FieldError tooLong(String field, long max) {
    return new FieldError(field, Type.TOO_LONG, null, "may not be more than " + max + " bytes");
  }

  static FieldError tooMany(String field, int actual, long max) {
    return new FieldError(
        field, Type.TOO_MANY, String.valueOf(actual), "must have at most " + max + " items");
  }

  /** The cause's message without the field, as a Status cause carries it. */
  String message() {
    StringBuilder text = new StringBuilder(type.words);
    if (value != null) {
      text.append(": ").append(value);
    }
    if (!detail.isEmpty()) {
      text.append(": ").append(detail);
    }
    return text.toString();
  }

  @Override
  public String toString() {
    return field + ": " + message();
  }
}
