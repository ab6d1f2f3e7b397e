package io.nestedvirt.operator.node.drain;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.nestedvirt.operator.kubevirt.LauncherPods;
import io.nestedvirt.operator.kubevirt.Vm;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * Decides, for each pod on a node being drained, whether it must be moved away and how. Pure: no
 * client, no clock (the caller passes {@code now}).
 *
 * <p>Pods that need no eviction are skipped and never block the drain: DaemonSet pods (their
 * controller would put them straight back, and they tolerate the cordon), mirror pods (the kubelet
 * owns static pods; deleting the mirror does nothing) and pods that have finished. A pod already
 * terminating is not evicted again, but it is still on the node until its kubelet has stopped it
 * and the API server has removed it, so it counts as left; unless the node is not Ready and the pod
 * is more than {@link #ABANDONED_AFTER} past its deletion deadline: then its kubelet is gone and
 * nothing will ever finish it (the pod garbage collector removes it once the Node is deleted), so
 * it no longer holds the drain.
 *
 * <p>A forced drain deletes pods instead of evicting them, except the virt-launcher pod of a VM
 * that is moving or could move: deleting it would kill the VM, where its eviction starts (or
 * continues) a live migration. Such pods are always evicted; only a VM that cannot move (not
 * migratable, or an eviction strategy of None) is deleted by a forced drain.
 */
public final class DrainPlanner {
  /** Set by the kubelet on the API-server copy of a static pod. */
  public static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

  /**
   * How long past its deletion deadline a terminating pod may linger before a forced drain deletes
   * it at once (grace period 0). Past the deadline the kubelet should have stopped it; a pod still
   * there well after it has a kubelet that is gone or stuck, and the instance is about to go
   * anyway.
   */
  public static final Duration OVERDUE_AFTER = Duration.ofSeconds(30);

  /**
   * How long past its deletion deadline a terminating pod on a node that is not Ready may linger
   * before it no longer holds the drain. A kubelet that is alive finishes a pod by its deadline; on
   * a node that stopped reporting, nothing does, and waiting would hold the drain until
   * drainTimeout (and then forever, unless forceDrain is set).
   */
  public static final Duration ABANDONED_AFTER = Duration.ofMinutes(1);

  private DrainPlanner() {}

  /** What to do with one pod. */
  public enum Action {
    /** Ask the Eviction API, which honours PodDisruptionBudgets. */
    EVICT,
    /** Delete it with its own grace period, ignoring budgets (forced drain). */
    DELETE,
    /** Delete it with grace period 0: it is terminating and long overdue (forced drain). */
    DELETE_NOW,
    /** Already terminating: wait until it is gone. */
    AWAIT_TERMINATION,
    /** Needs no eviction and does not block the drain. */
    SKIP;

    /** Whether a pod with this action is still to go before the node is drained. */
    public boolean blocksDrain() {
      return this != SKIP;
    }
  }

  /**
   * The decision for one pod.
   *
   * @param reason why, for logs and messages ("owned by DaemonSet kube-proxy", "terminating")
   */
  public record Decision(Pod pod, Action action, String reason) {
    /** {@code namespace/name}. */
    public String podKey() {
      return key(pod);
    }
  }

  /**
   * One decision per pod, in the order given.
   *
   * @param nodeReady whether the node's Ready condition is True (a node that is gone is not)
   */
  public static List<Decision> plan(
      List<Pod> podsOnNode, boolean force, boolean nodeReady, Instant now) {
    return plan(podsOnNode, force, nodeReady, now, Map.of());
  }

  /**
   * One decision per pod, in the order given.
   *
   * @param nodeReady whether the node's Ready condition is True (a node that is gone is not)
   * @param vms the VMIs on the node by {@code namespace/name}
   */
  public static List<Decision> plan(
      List<Pod> podsOnNode, boolean force, boolean nodeReady, Instant now, Map<String, Vm> vms) {
    return podsOnNode.stream().map(pod -> decide(pod, force, nodeReady, now, vms)).toList();
  }

  /** The decision for one pod on a node being drained, with no VMs known on it. */
  public static Decision decide(Pod pod, boolean force, boolean nodeReady, Instant now) {
    return decide(pod, force, nodeReady, now, Map.of());
  }

  /** The decision for one pod on a node being drained. */
  public static Decision decide(
      Pod pod, boolean force, boolean nodeReady, Instant now, Map<String, Vm> vms) {
    String daemonSet = daemonSetOwner(pod);
    if (daemonSet != null) {
      return new Decision(pod, Action.SKIP, "owned by DaemonSet " + daemonSet);
    }
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    if (annotations != null && annotations.containsKey(MIRROR_ANNOTATION)) {
      return new Decision(pod, Action.SKIP, "mirror of a static pod");
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return new Decision(pod, Action.SKIP, "finished (" + phase + ")");
    }
    String deletion = pod.getMetadata().getDeletionTimestamp();
    if (deletion != null) {
      if (!nodeReady && past(deletion, ABANDONED_AFTER, now)) {
        return new Decision(
            pod,
            Action.SKIP,
            "terminating since before "
                + deletion
                + " on a node that is not Ready: its kubelet is gone");
      }
      if (force && past(deletion, OVERDUE_AFTER, now)) {
        return new Decision(
            pod, Action.DELETE_NOW, "terminating since before " + deletion + ", overdue");
      }
      return new Decision(pod, Action.AWAIT_TERMINATION, "terminating");
    }
    if (force) {
      Vm vm = LauncherPods.vmiKey(pod).map(vms::get).orElse(null);
      if (vm != null && vm.mustNotBeKilled()) {
        return new Decision(
            pod,
            Action.EVICT,
            "virt-launcher of VMI " + vm.key() + ", which can migrate: evicted, never deleted");
      }
      return new Decision(pod, Action.DELETE, "forced drain");
    }
    return new Decision(pod, Action.EVICT, "on the node");
  }

  /** The name of the DaemonSet that controls the pod, or null. */
  static String daemonSetOwner(Pod pod) {
    List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
    if (owners == null) {
      return null;
    }
    return owners.stream()
        .filter(o -> Boolean.TRUE.equals(o.getController()))
        .filter(o -> "DaemonSet".equals(o.getKind()) && isApps(o.getApiVersion()))
        .map(OwnerReference::getName)
        .findFirst()
        .orElse(null);
  }

  private static boolean isApps(String apiVersion) {
    return apiVersion != null && apiVersion.startsWith("apps/");
  }

  /**
   * Whether {@code now} is more than {@code by} past the deletion timestamp, which is when the
   * grace period ends. An unreadable one is never past (the pod is then waited for, never deleted
   * at once or left behind by mistake).
   */
  private static boolean past(String deletionTimestamp, Duration by, Instant now) {
    try {
      return Instant.parse(deletionTimestamp).plus(by).isBefore(now);
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }
}
