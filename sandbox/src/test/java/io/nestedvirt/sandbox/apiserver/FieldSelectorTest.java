package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The selector kubectl describe sends for a cluster-scoped object's events. */
class FieldSelectorTest {
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode event(String name, String uid) throws Exception {
    return json.readTree(
        ("{'metadata':{'namespace':'default'},'involvedObject':{'kind':'NestedVirtPool','name':'"
                + name
                + "','uid':'"
                + uid
                + "'}}")
            .replace('\'', '"'));
  }

  @Test
  void matchesEveryTermAndTreatsAnAbsentFieldAsEmpty() throws Exception {
    FieldSelector selector =
        FieldSelector.parse(
            "involvedObject.name=kubevirt,involvedObject.namespace=,"
                + "involvedObject.kind=NestedVirtPool,involvedObject.uid=u1");
    assertThat(selector.matches(event("kubevirt", "u1"))).isTrue();
    assertThat(selector.matches(event("kata", "u1"))).isFalse();
    assertThat(selector.matches(event("kubevirt", "u2"))).as("a recreated pool's events").isFalse();
  }

  @Test
  void understandsDoubleEqualsAndNotEquals() throws Exception {
    assertThat(FieldSelector.parse("involvedObject.name==kata").matches(event("kata", "u")))
        .isTrue();
    assertThat(FieldSelector.parse("involvedObject.name!=kata").matches(event("kata", "u")))
        .isFalse();
  }
}
