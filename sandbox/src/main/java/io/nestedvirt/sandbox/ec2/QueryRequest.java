package io.nestedvirt.sandbox.ec2;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed EC2 Query request: the form-encoded body of a POST. Lists arrive flattened with 1-based
 * indices ({@code InstanceId.1}, {@code Filter.2.Value.1}); the SDK numbers them without gaps, but
 * we order by index rather than assume it.
 */
final class QueryRequest {
  private final Map<String, String> params;

  private QueryRequest(Map<String, String> params) {
    this.params = params;
  }

  static QueryRequest parse(String body) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(decode(key), decode(value));
    }
    return new QueryRequest(params);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  String action() {
    return params.get("Action");
  }

  String get(String name) {
    return params.get(name);
  }

  String require(String name) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      throw Ec2Error.missingParameter(name);
    }
    return value;
  }

  Integer getInt(String name) {
    String value = params.get(name);
    if (value == null) {
      return null;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw Ec2Error.invalidParameterValue(
          "Value (" + value + ") for parameter " + name + " is invalid. Expected an integer.");
    }
  }

  Boolean getBoolean(String name) {
    String value = params.get(name);
    return value == null ? null : Boolean.parseBoolean(value);
  }

  /** The values of {@code prefix.1}, {@code prefix.2}, ... in index order. */
  List<String> list(String prefix) {
    List<String> values = new ArrayList<>();
    for (int index : indices(prefix)) {
      String value = params.get(prefix + "." + index);
      if (value != null) {
        values.add(value);
      }
    }
    return values;
  }

  /** The indices N present under {@code prefix.N} or {@code prefix.N.*}, ascending. */
  List<Integer> indices(String prefix) {
    String head = prefix + ".";
    TreeMap<Integer, Boolean> found = new TreeMap<>();
    for (String key : params.keySet()) {
      if (!key.startsWith(head)) {
        continue;
      }
      int end = key.indexOf('.', head.length());
      String digits = key.substring(head.length(), end < 0 ? key.length() : end);
      try {
        found.put(Integer.parseInt(digits), true);
      } catch (NumberFormatException e) {
        // Not an indexed member (e.g. CpuOptions.CoreCount under prefix CpuOptions).
      }
    }
    return List.copyOf(found.keySet());
  }

  /** Everything but the client token, in a stable order: what makes two launches "the same". */
  String fingerprintWithout(String excluded) {
    TreeMap<String, String> sorted = new TreeMap<>(params);
    sorted.remove(excluded);
    return sorted.toString();
  }
}
