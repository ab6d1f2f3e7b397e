package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of kubectl's JSONPath that CRD printer columns use: {@code .a.b}, {@code .a[0]},
 * {@code .a[?(@.key=="value")].b} (first match) and keys with escaped dots ({@code
 * .metadata.labels.nestedvirt\\.io/pool}). Enough for our CRD's columns; anything else reads as
 * missing rather than failing the request.
 */
final class JsonPath {
  /** A key may hold escaped dots and slashes, as label keys do: {@code .labels.a\\.b/c}. */
  private static final Pattern STEP =
      Pattern.compile(
          "\\.((?:[A-Za-z0-9_/-]|\\\\\\.)+)|\\[(\\d+)]|\\[\\?\\(@\\.([A-Za-z0-9_-]+)==\"([^\"]*)\"\\)]");

  private JsonPath() {}

  static JsonNode read(JsonNode root, String path) {
    Matcher m = STEP.matcher(path);
    JsonNode node = root;
    int at = 0;
    while (m.find()) {
      if (m.start() != at) {
        return MissingNode.getInstance();
      }
      at = m.end();
      if (m.group(1) != null) {
        node = node.path(m.group(1).replace("\\.", "."));
      } else if (m.group(2) != null) {
        node = node.path(Integer.parseInt(m.group(2)));
      } else {
        node = firstWith(node, m.group(3), m.group(4));
      }
    }
    return at == path.length() ? node : MissingNode.getInstance();
  }

  private static JsonNode firstWith(JsonNode array, String key, String value) {
    for (JsonNode item : array) {
      if (value.equals(item.path(key).asText(null))) {
        return item;
      }
    }
    return MissingNode.getInstance();
  }
}
