package io.nestedvirt.operator.launch;

import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.TaintSpec;
import java.util.List;
import java.util.Map;

/** The pool's node template as Kubernetes objects. Pure. */
public final class NodeTemplates {
  private NodeTemplates() {}

  public static Map<String, String> labels(NestedVirtPoolSpec spec) {
    return spec.nodeTemplate == null || spec.nodeTemplate.labels == null
        ? Map.of()
        : spec.nodeTemplate.labels;
  }

  public static List<Taint> taints(NestedVirtPoolSpec spec) {
    if (spec.nodeTemplate == null || spec.nodeTemplate.taints == null) {
      return List.of();
    }
    return spec.nodeTemplate.taints.stream().map(NodeTemplates::taint).toList();
  }

  private static Taint taint(TaintSpec t) {
    return new TaintBuilder()
        .withKey(t.key)
        .withValue(t.value == null || t.value.isEmpty() ? null : t.value)
        .withEffect(t.effectName())
        .build();
  }
}
