package io.nestedvirt.sandbox.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A field selector such as {@code involvedObject.name=kubevirt,involvedObject.uid=...}, matched
 * against an object's JSON. The mock server understands only metadata.name and returns nothing for
 * other fields, so kubectl describe would show no events.
 */
record FieldSelector(List<Term> terms) {
  record Term(String path, String value, boolean equal) {}

  static FieldSelector parse(String selector) {
    List<Term> terms = new ArrayList<>();
    for (String part : selector.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int ne = part.indexOf("!=");
      if (ne > 0) {
        terms.add(new Term(part.substring(0, ne), part.substring(ne + 2), false));
        continue;
      }
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("invalid field selector term: " + part);
      }
      String value = part.substring(eq + 1);
      terms.add(
          new Term(
              part.substring(0, eq), value.startsWith("=") ? value.substring(1) : value, true));
    }
    return new FieldSelector(List.copyOf(terms));
  }

  boolean matches(JsonNode object) {
    for (Term term : terms) {
      JsonNode node = object;
      for (String key : term.path().split("\\.")) {
        node = node.path(key);
      }
      // An absent field compares as the empty string, as on a real server.
      String actual = node.isValueNode() ? node.asText() : "";
      if (actual.equals(term.value()) != term.equal()) {
        return false;
      }
    }
    return true;
  }
}
