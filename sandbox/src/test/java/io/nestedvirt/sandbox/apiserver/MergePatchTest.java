package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** RFC 7386 as kubectl apply relies on it for custom resources. */
class MergePatchTest {
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode node(String text) throws Exception {
    return json.readTree(text.replace('\'', '"'));
  }

  @Test
  void nullRemovesAKeyThatTheMockWouldKeep() throws Exception {
    JsonNode merged =
        MergePatch.apply(
            node("{'spec':{'replicas':3,'capacityType':'spot'}}"),
            node("{'spec':{'capacityType':null}}"));
    assertThat(merged).isEqualTo(node("{'spec':{'replicas':3}}"));
  }

  @Test
  void aListIsReplacedNotAppended() throws Exception {
    JsonNode merged =
        MergePatch.apply(
            node("{'spec':{'instanceTypes':['m8i.large','c8i.large']}}"),
            node("{'spec':{'instanceTypes':['r8i.large']}}"));
    assertThat(merged.at("/spec/instanceTypes")).isEqualTo(node("['r8i.large']"));
  }

  @Test
  void objectsMergeKeyByKeyAndTheTargetIsNotModified() throws Exception {
    JsonNode target = node("{'metadata':{'name':'a','labels':{'x':'1'}},'spec':{'replicas':1}}");
    JsonNode merged = MergePatch.apply(target, node("{'metadata':{'labels':{'y':'2'}}}"));
    assertThat(merged)
        .isEqualTo(
            node("{'metadata':{'name':'a','labels':{'x':'1','y':'2'}},'spec':{'replicas':1}}"));
    assertThat(target.at("/metadata/labels").has("y")).isFalse();
  }
}
