package io.nestedvirt.operator.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IAM identity policy evaluated as AWS does for the parts our policies use: an explicit Deny
 * wins, else some Allow statement must match the action, the resource (with {@code *} and {@code ?}
 * wildcards) and every condition. Conditions: {@code StringEquals}, {@code StringLike} and {@code
 * Bool}; a key missing from the request fails its condition, as in IAM. Any other operator throws,
 * so that a policy this class cannot judge is never passed by accident.
 */
final class IamPolicy {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\b[A-Z][A-Z_]{3,}[A-Z]\\b");

  private final List<JsonNode> statements;

  private IamPolicy(List<JsonNode> statements) {
    this.statements = statements;
  }

  /**
   * Reads a policy file and fills in its placeholders ({@code REGION}, {@code ACCOUNT_ID}, ...) as
   * the README's {@code sed} does; a placeholder left unfilled fails here.
   */
  static IamPolicy read(Path file, Map<String, String> placeholders) throws IOException {
    String text = Files.readString(file);
    for (Map.Entry<String, String> p : placeholders.entrySet()) {
      text = text.replace(p.getKey(), p.getValue());
    }
    Matcher left = PLACEHOLDER.matcher(text);
    if (left.find()) {
      throw new AssertionError(file + ": placeholder " + left.group() + " left unfilled");
    }
    List<JsonNode> statements = new ArrayList<>();
    new ObjectMapper().readTree(text).get("Statement").forEach(statements::add);
    return new IamPolicy(statements);
  }

  /** Both policies' statements, as when both are attached to the same role. */
  IamPolicy with(IamPolicy other) {
    List<JsonNode> all = new ArrayList<>(statements);
    all.addAll(other.statements);
    return new IamPolicy(all);
  }

  /** One authorization that AWS checks: an action on one resource, with its condition keys. */
  record Request(String action, String resource, Map<String, String> context) {
    @Override
    public String toString() {
      return action + " on " + resource + " " + context;
    }
  }

  boolean allows(Request request) {
    boolean allowed = false;
    for (JsonNode statement : statements) {
      if (matches(statement, request)) {
        if ("Deny".equals(statement.get("Effect").asText())) {
          return false;
        }
        allowed = true;
      }
    }
    return allowed;
  }

  private static boolean matches(JsonNode statement, Request request) {
    return strings(statement.get("Action")).stream().anyMatch(a -> glob(a, request.action()))
        && strings(statement.get("Resource")).stream().anyMatch(r -> glob(r, request.resource()))
        && conditionsHold(statement.path("Condition"), request.context());
  }

  private static boolean conditionsHold(JsonNode conditions, Map<String, String> context) {
    for (var operator : conditions.properties()) {
      for (var condition : operator.getValue().properties()) {
        String actual = context.get(condition.getKey());
        List<String> expected = strings(condition.getValue());
        boolean holds =
            actual != null
                && switch (operator.getKey()) {
                  case "StringEquals" -> expected.contains(actual);
                  case "StringLike" -> expected.stream().anyMatch(e -> glob(e, actual));
                  case "Bool" -> expected.stream().anyMatch(e -> e.equalsIgnoreCase(actual));
                  default ->
                      throw new IllegalArgumentException(
                          "condition operator " + operator.getKey() + " is not modelled here");
                };
        if (!holds) {
          return false;
        }
      }
    }
    return true;
  }

  /** IAM's wildcards: {@code *} any run of characters, {@code ?} one character. */
  private static boolean glob(String pattern, String value) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return value.matches(regex.toString());
  }

  private static List<String> strings(JsonNode node) {
    List<String> values = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> values.add(n.asText()));
    } else {
      values.add(node.asText());
    }
    return values;
  }
}
