package io.nestedvirt.sandbox.ec2;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * EC2 {@code Filter.N.Name}/{@code Filter.N.Value.M} semantics for one resource kind: filters are
 * ANDed, the values of one filter ORed, values may use the {@code *} and {@code ?} wildcards, and a
 * filter name the resource does not know is an error (so a typo fails here as it would on AWS).
 */
final class Filters<T> {
  private final Map<String, Function<T, Collection<String>>> attributes = new LinkedHashMap<>();
  private final Function<T, Map<String, String>> tags;

  private Filters(Function<T, Map<String, String>> tags) {
    this.tags = tags;
  }

  static <T> Filters<T> withTags(Function<T, Map<String, String>> tags) {
    return new Filters<>(tags);
  }

  Filters<T> single(String name, Function<T, String> value) {
    attributes.put(
        name,
        t -> {
          String v = value.apply(t);
          return v == null ? List.of() : List.of(v);
        });
    return this;
  }

  Filters<T> multi(String name, Function<T, Collection<String>> values) {
    attributes.put(name, values);
    return this;
  }

  /** The conjunction of the request's filters; an always-true predicate when there are none. */
  Predicate<T> parse(QueryRequest request) {
    Predicate<T> all = t -> true;
    for (int index : request.indices("Filter")) {
      String name = request.get("Filter." + index + ".Name");
      if (name == null) {
        throw Ec2Error.missingParameter("Filter." + index + ".Name");
      }
      List<Pattern> patterns = new ArrayList<>();
      for (String value : request.list("Filter." + index + ".Value")) {
        patterns.add(glob(value));
      }
      all = all.and(filter(name, patterns));
    }
    return all;
  }

  private Predicate<T> filter(String name, List<Pattern> patterns) {
    if (tags != null && name.startsWith("tag:")) {
      String key = name.substring(4);
      return t -> {
        String value = tags.apply(t).get(key);
        return value != null && anyMatches(patterns, List.of(value));
      };
    }
    if (tags != null && name.equals("tag-key")) {
      return t -> anyMatches(patterns, tags.apply(t).keySet());
    }
    if (tags != null && name.equals("tag-value")) {
      return t -> anyMatches(patterns, tags.apply(t).values());
    }
    Function<T, Collection<String>> attribute = attributes.get(name);
    if (attribute == null) {
      throw Ec2Error.invalidParameterValue("The filter '" + name + "' is invalid");
    }
    return t -> anyMatches(patterns, attribute.apply(t));
  }

  private static boolean anyMatches(List<Pattern> patterns, Collection<String> values) {
    for (String value : values) {
      for (Pattern pattern : patterns) {
        if (pattern.matcher(value).matches()) {
          return true;
        }
      }
    }
    return false;
  }

  private static Pattern glob(String value) {
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : value.toCharArray()) {
      if (c == '*' || c == '?') {
        regex.append(Pattern.quote(literal.toString()));
        literal.setLength(0);
        regex.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    regex.append(Pattern.quote(literal.toString()));
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }
}
