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
 * Pure: the labels and taints a pool's node must carry, applied to a copy of the node. Labels and
 * taints that others own are kept as they are; only the pool's are added, and the operator's own
 * (the startup taint, the verified label) follow the verification verdict.
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
    Map<String, String> labels =
        new LinkedHashMap<>(
            node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels());
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
    List<Taint> taints = new ArrayList<>();
    for (Taint t : current) {
      if (NodeTaints.STARTUP_KEY.equals(t.getKey()) && verified) {
        continue;
      }
      taints.add(t);
    }
    if (!verified && taints.stream().noneMatch(t -> NodeTaints.STARTUP_KEY.equals(t.getKey()))) {
      taints.add(0, NodeTaints.startupTaint());
    }
    for (Taint wanted : templateTaints) {
      if (taints.stream().noneMatch(t -> sameTaint(t, wanted))) {
        taints.add(wanted);
      }
    }

    boolean same =
        labels.equals(
                node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels())
            && taints.equals(current);
    if (same) {
      return Optional.empty();
    }
    return Optional.of(
        new NodeBuilder(node)
            .editMetadata()
            .withLabels(labels)
            .endMetadata()
            .editOrNewSpec()
            .withTaints(taints)
            .endSpec()
            .build());
  }

  private static boolean sameTaint(Taint a, Taint b) {
    return Objects.equals(a.getKey(), b.getKey())
        && Objects.equals(a.getEffect(), b.getEffect())
        && Objects.equals(emptyToNull(a.getValue()), emptyToNull(b.getValue()));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
