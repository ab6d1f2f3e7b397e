package io.nestedvirt.operator.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppliedTemplateTest {
  @Test
  void taintsRoundTripThroughTheRecordSortedWithAndWithoutValue() {
    List<Taint> taints =
        List.of(
            taint("zeta", null, "NoExecute"),
            taint("example.com/dedicated", "vms", "NoSchedule"),
            taint("empty", "", "PreferNoSchedule"));

    String encoded = AppliedTemplate.encodeTaints(taints);

    assertThat(encoded)
        .isEqualTo("empty:PreferNoSchedule,example.com/dedicated=vms:NoSchedule,zeta:NoExecute");
    assertThat(AppliedTemplate.taints(node(Map.of(AppliedTemplate.TAINTS, encoded))))
        .containsExactly(
            taint("empty", null, "PreferNoSchedule"),
            taint("example.com/dedicated", "vms", "NoSchedule"),
            taint("zeta", null, "NoExecute"));
  }

  @Test
  void labelKeysRoundTripThroughTheRecordSorted() {
    String encoded = AppliedTemplate.encodeLabels(List.of("tier", "example.com/team"));

    assertThat(encoded).isEqualTo("example.com/team,tier");
    assertThat(AppliedTemplate.labelKeys(node(Map.of(AppliedTemplate.LABELS, encoded))))
        .containsExactly("example.com/team", "tier");
  }

  @Test
  void noAnnotationAndAnEmptyOneBothMeanNothingRecorded() {
    assertThat(AppliedTemplate.taints(node(Map.of()))).isEmpty();
    assertThat(AppliedTemplate.labelKeys(node(Map.of()))).isEmpty();
    assertThat(AppliedTemplate.taints(node(Map.of(AppliedTemplate.TAINTS, "")))).isEmpty();
    assertThat(AppliedTemplate.labelKeys(node(Map.of(AppliedTemplate.LABELS, "")))).isEmpty();
  }

  @Test
  void anEntryEditedIntoNonsenseIsNotOwned() {
    Node node =
        node(Map.of(AppliedTemplate.TAINTS, "no-effect,:NoSchedule,trailing:,gpu:NoExecute"));

    assertThat(AppliedTemplate.taints(node)).containsExactly(taint("gpu", null, "NoExecute"));
  }

  private static Node node(Map<String, String> annotations) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("ip-1")
        .withAnnotations(annotations)
        .endMetadata()
        .build();
  }

  private static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }
}
