package io.nestedvirt.operator.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import io.nestedvirt.operator.node.bootstrap.NodeTaints;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Pure: the labels and taints a pool's node must carry, applied to a copy of the node. The pool's
 * {@code nodeTemplate} is applied in place, also when it changes: what the template gained is
 * added, and what it dropped is removed if the operator had applied it ({@link AppliedTemplate}
 * keeps that record on the node). Labels and taints that others own are kept as they are; the
 * operator's own (the startup taint, the pool and verified labels) follow the pool and the
 * verification verdict.
 */
public final class NodeShape {
  private NodeShape() {}

  /** The node carries the verified label: its startup taint is gone and VMs may land there. */
  public static boolean isVerified(Node node) {
    Map<String, String> labels = node.getMetadata().getLabels();
    return labels != null && NodeLabels.KVM_VERIFIED.equals(labels.get(NodeLabels.KVM));
  }

  /**
   * The node as it should be, or empty when it already is.
   *
   * @param templateLabels the pool's node labels (without the operator's)
   * @param templateTaints the pool's node taints (without the startup taint)
   * @param verified whether KVM is verified on the node
   */
  public static Optional<Node> reshape(
      Node node,
      String pool,
      Map<String, String> templateLabels,
      List<Taint> templateTaints,
      boolean verified) {
    Map<String, String> currentLabels = orEmpty(node.getMetadata().getLabels());
    Map<String, String> labels = new LinkedHashMap<>(currentLabels);
    for (String key : AppliedTemplate.labelKeys(node)) {
      if (!templateLabels.containsKey(key)) {
        labels.remove(key);
      }
    }
    labels.putAll(templateLabels);
    labels.put(NodeLabels.POOL, pool);
    labels.put(NodeLabels.RESTRICTED_POOL, pool);
    if (verified) {
      labels.put(NodeLabels.KVM, NodeLabels.KVM_VERIFIED);
    } else {
      labels.remove(NodeLabels.KVM);
    }

    List<Taint> current =
        node.getSpec() == null || node.getSpec().getTaints() == null
            ? List.of()
            : node.getSpec().getTaints();
    List<Taint> applied = AppliedTemplate.taints(node);
    List<Taint> taints = new ArrayList<>();
    for (Taint t : current) {
      if (NodeTaints.STARTUP_KEY.equals(t.getKey()) && verified) {
        continue;
      }
      // Ours and no longer wanted; a changed value or effect is removed here and added below.
      if (contains(applied, t) && !contains(templateTaints, t)) {
        continue;
      }
      // The API server allows one taint per key and effect: the template's replaces another value,
      // as a template label overwrites another value of its key. Anything else would be refused
      // (422) and hold up the whole write, the startup taint's removal with it.
      if (templateTaints.stream().anyMatch(w -> sameKeyAndEffect(w, t) && !sameTaint(w, t))) {
        continue;
      }
      taints.add(t);
    }
    if (!verified && taints.stream().noneMatch(t -> NodeTaints.STARTUP_KEY.equals(t.getKey()))) {
      taints.add(0, NodeTaints.startupTaint());
    }
    for (Taint wanted : templateTaints) {
      if (!contains(taints, wanted)) {
        taints.add(wanted);
      }
    }

    Map<String, String> currentAnnotations = orEmpty(node.getMetadata().getAnnotations());
    Map<String, String> annotations = new LinkedHashMap<>(currentAnnotations);
    record(
        annotations, AppliedTemplate.LABELS, AppliedTemplate.encodeLabels(templateLabels.keySet()));
    record(annotations, AppliedTemplate.TAINTS, AppliedTemplate.encodeTaints(templateTaints));

    if (labels.equals(currentLabels)
        && taints.equals(current)
        && annotations.equals(currentAnnotations)) {
      return Optional.empty();
    }
    return Optional.of(
        new NodeBuilder(node)
            .editMetadata()
            .withLabels(labels)
            .withAnnotations(annotations)
            .endMetadata()
            .editOrNewSpec()
            .withTaints(taints)
            .endSpec()
            .build());
  }

  /** An empty record is no annotation, so a pool without a template never writes one. */
  private static void record(Map<String, String> annotations, String name, String value) {
    if (value.isEmpty()) {
      annotations.remove(name);
    } else {
      annotations.put(name, value);
    }
  }

  private static boolean contains(List<Taint> taints, Taint wanted) {
    return taints.stream().anyMatch(t -> sameTaint(t, wanted));
  }

  private static boolean sameTaint(Taint a, Taint b) {
    return AppliedTemplate.sameTaint(a, b);
  }

  private static boolean sameKeyAndEffect(Taint a, Taint b) {
    return Objects.equals(a.getKey(), b.getKey()) && Objects.equals(a.getEffect(), b.getEffect());
  }

  private static Map<String, String> orEmpty(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
