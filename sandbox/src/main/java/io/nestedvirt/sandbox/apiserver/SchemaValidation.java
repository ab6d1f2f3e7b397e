package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;

/**
 * The OpenAPI checks of a structural schema (types, required, enum, pattern, ranges, lengths,
 * counts), with the errors and wording of a real API server (kube-openapi's validator as the
 * apiextensions server reports it). Patterns are RE2, as in Go, not java.util.regex.
 */
final class SchemaValidation {
  private SchemaValidation() {}

  private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

  /** Adds to {@code errors} what is wrong with {@code value} at {@code path}. */
  static void validate(JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
    if (schema == null || value == null || value.isMissingNode()) {
      return;
    }
    if (value.isNull()) {
      if (schema.path("nullable").asBoolean(false)) {
        return;
      }
      errors.add(typeError(path, schema.path("type").asText(), "null"));
      return;
    }
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      if (!value.isTextual() && !isInteger(value)) {
        errors.add(typeError(path, "integer,string", typeOf(value)));
        return;
      }
    } else if (schema.has("type") && !hasType(value, schema.get("type").asText())) {
      errors.add(typeError(path, schema.get("type").asText(), typeOf(value)));
      return;
    }
    JsonNode allowed = schema.get("enum");
    if (allowed != null
        && StreamSupport.stream(allowed.spliterator(), false).noneMatch(e -> same(e, value))) {
      errors.add(
          FieldError.notSupported(
              path, value, StreamSupport.stream(allowed.spliterator(), false).toList()));
    }
    if (value.isTextual()) {
      string(schema, value.asText(), path, errors);
    } else if (value.isNumber()) {
      number(schema, value, path, errors);
    }
    if (value.isArray()) {
      count(schema, value.size(), "minItems", "maxItems", "items", path, errors);
      int i = 0;
      for (JsonNode item : value) {
        validate(schema.get("items"), item, path + "[" + i++ + "]", errors);
      }
    } else if (value.isObject()) {
      count(schema, value.size(), "minProperties", "maxProperties", "properties", path, errors);
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          errors.add(FieldError.required(child(path, required.asText())));
        }
      }
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.get("additionalProperties");
      for (Map.Entry<String, JsonNode> field : value.properties()) {
        JsonNode fieldSchema =
            properties.has(field.getKey()) ? properties.get(field.getKey()) : additional;
        validate(fieldSchema, field.getValue(), child(path, field.getKey()), errors);
      }
    }
  }

  static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static void string(JsonNode schema, String text, String path, List<FieldError> errors) {
    int length = text.codePointCount(0, text.length());
    if (schema.has("maxLength") && length > schema.get("maxLength").asLong()) {
      errors.add(FieldError.tooLong(path, schema.get("maxLength").asLong()));
    }
    if (schema.has("minLength") && length < schema.get("minLength").asLong()) {
      errors.add(
          FieldError.invalid(
              path,
              quote(text),
              path
                  + " in body should be at least "
                  + schema.get("minLength").asLong()
                  + " chars long"));
    }
    if (schema.has("pattern")) {
      String pattern = schema.get("pattern").asText();
      if (!PATTERNS.computeIfAbsent(pattern, Pattern::compile).matcher(text).find()) {
        errors.add(
            FieldError.invalid(
                path, quote(text), path + " in body should match '" + pattern + "'"));
      }
    }
    if ("date-time".equals(schema.path("format").asText())) {
      try {
        OffsetDateTime.parse(text);
      } catch (DateTimeParseException e) {
        errors.add(
            FieldError.invalid(
                path, quote(text), path + " in body must be of type date-time: " + quote(text)));
      }
    }
  }

  private static void number(
      JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
    double number = value.asDouble();
    String shown = value.toString();
    JsonNode minimum = schema.get("minimum");
    if (minimum != null) {
      boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
      if (exclusive ? number <= minimum.asDouble() : number < minimum.asDouble()) {
        errors.add(
            FieldError.invalid(
                path,
                shown,
                path
                    + " in body should be greater than "
                    + (exclusive ? "" : "or equal to ")
                    + bound(minimum)));
      }
    }
    JsonNode maximum = schema.get("maximum");
    if (maximum != null) {
      boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
      if (exclusive ? number >= maximum.asDouble() : number > maximum.asDouble()) {
        errors.add(
            FieldError.invalid(
                path,
                shown,
                path
                    + " in body should be less than "
                    + (exclusive ? "" : "or equal to ")
                    + bound(maximum)));
      }
    }
    String format = schema.path("format").asText();
    if (format.equals("int32") && (number < Integer.MIN_VALUE || number > Integer.MAX_VALUE)) {
      errors.add(
          FieldError.invalid(
              path, shown, path + " in body must be of type int32: " + quote(shown)));
    }
  }

  /** minItems/maxItems or minProperties/maxProperties. */
  private static void count(
      JsonNode schema,
      int size,
      String min,
      String max,
      String noun,
      String path,
      List<FieldError> errors) {
    if (schema.has(max) && size > schema.get(max).asLong()) {
      errors.add(FieldError.tooMany(path, size, schema.get(max).asLong()));
    }
    if (schema.has(min) && size < schema.get(min).asLong()) {
      errors.add(
          FieldError.invalid(
              path,
              String.valueOf(size),
              path + " in body should have at least " + schema.get(min).asLong() + " " + noun));
    }
  }

  /** A bound as Go prints a float64 that holds an integer: 1000, not 1000.0. */
  private static String bound(JsonNode bound) {
    double value = bound.asDouble();
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }

  private static FieldError typeError(String path, String expected, String actual) {
    return FieldError.typeInvalid(
        path, quote(actual), path + " in body must be of type " + expected + ": " + quote(actual));
  }

  private static boolean hasType(JsonNode value, String type) {
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> isInteger(value);
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      default -> throw new IllegalStateException("unchecked type " + type);
    };
  }

  /** As Go's JSON decoding sees it: 3 and 3.0 are integers, 3.5 is not. */
  private static boolean isInteger(JsonNode value) {
    return value.isIntegralNumber()
        || (value.isNumber() && value.asDouble() == Math.rint(value.asDouble()));
  }

  /** Enum membership by JSON value: 1 and 1.0 are the same number. */
  private static boolean same(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.asDouble() == b.asDouble();
    }
    return a.equals(b);
  }

  static String typeOf(JsonNode value) {
    if (value.isObject()) {
      return "object";
    }
    if (value.isArray()) {
      return "array";
    }
    if (value.isTextual()) {
      return "string";
    }
    if (value.isBoolean()) {
      return "boolean";
    }
    if (value.isNull()) {
      return "null";
    }
    return isInteger(value) ? "integer" : "number";
  }

  static String quote(String text) {
    return com.fasterxml.jackson.databind.node.TextNode.valueOf(text).toString();
  }
}
