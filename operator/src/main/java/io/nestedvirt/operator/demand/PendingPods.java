package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;

/**
 * Which pods are demand for new nodes: those the scheduler tried and could place nowhere.
 *
 * <p>A pod counts when its {@code PodScheduled} condition is False with reason {@code
 * Unschedulable} (not {@code SchedulingGated}: a gated pod has not been tried), it has no {@code
 * spec.nodeName} (not bound) and no {@code status.nominatedNodeName} (the scheduler is preempting
 * pods to make room for it on an existing node), it is not being deleted, its phase is Pending (or
 * not yet reported), and neither a DaemonSet nor a Node owns it: a DaemonSet pod is made for one
 * particular node, and a mirror pod (a kubelet's static pod) is never scheduled.
 */
public final class PendingPods {
  private PendingPods() {}

  static final String POD_SCHEDULED = "PodScheduled";
  static final String UNSCHEDULABLE = "Unschedulable";
  private static final String PENDING = "Pending";

  public static boolean counts(Pod pod) {
    if (pod == null || pod.getMetadata() == null) {
      return false;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null || ownedByNodeOrDaemonSet(pod)) {
      return false;
    }
    if (pod.getSpec() != null && !blank(pod.getSpec().getNodeName())) {
      return false;
    }
    var status = pod.getStatus();
    if (status == null
        || !blank(status.getNominatedNodeName())
        || !(status.getPhase() == null || PENDING.equals(status.getPhase()))) {
      return false;
    }
    return list(status.getConditions()).stream().anyMatch(PendingPods::unschedulable);
  }

  private static boolean unschedulable(PodCondition condition) {
    return POD_SCHEDULED.equals(condition.getType())
        && "False".equals(condition.getStatus())
        && UNSCHEDULABLE.equals(condition.getReason());
  }

  private static boolean ownedByNodeOrDaemonSet(Pod pod) {
    for (OwnerReference owner : list(pod.getMetadata().getOwnerReferences())) {
      if ("DaemonSet".equals(owner.getKind()) || "Node".equals(owner.getKind())) {
        return true;
      }
    }
    return false;
  }

  private static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  private static <T> List<T> list(List<T> items) {
    return items == null ? List.of() : items;
  }
}
