package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Does a pod fit a node that does not exist yet: its {@code nodeSelector} and required node
 * affinity against the offer's labels ({@link NodeSelection}), its tolerations against the offer's
 * taints ({@link Tolerations}), and its requests against the room left. Ephemeral storage is not
 * checked: offers do not model it (a node's root volume is the pool's, and the kubelet reports what
 * is left of it only after the join).
 */
public final class PodFit {
  private PodFit() {}

  /** How far a pod got against an offer: a later stage is a nearer miss. */
  enum Stage {
    LABELS,
    TAINTS,
    RESOURCES
  }

  /** Why a pod does not fit, and at which stage. */
  record Miss(Stage stage, String reason) {}

  /**
   * Empty when the pod fits; otherwise the first reason, phrased for a human ("node selector
   * kubevirt.io/schedulable=true: ...", "does not tolerate taint x=y:NoSchedule", "needs 6 cpu, a
   * c8i.large offers 1930m").
   *
   * @param requests the pod's requests ({@link PodRequests#of}), computed once by the caller
   * @param free what is left of the offer's allocatable (the whole of it for an empty node)
   */
  public static Optional<String> whyNot(
      Pod pod, Resources requests, NodeOffer offer, Resources free) {
    return miss(pod.getSpec(), requests, offer, free).map(Miss::reason);
  }

  static Optional<Miss> miss(PodSpec spec, Resources requests, NodeOffer offer, Resources free) {
    PodSpec pod = spec == null ? new PodSpec() : spec;
    Optional<String> labels = NodeSelection.mismatch(pod, offer.labels(), offer.describe());
    if (labels.isPresent()) {
      return Optional.of(new Miss(Stage.LABELS, labels.get()));
    }
    Optional<String> taints = Tolerations.mismatch(pod, offer.taints());
    if (taints.isPresent()) {
      return Optional.of(new Miss(Stage.TAINTS, taints.get()));
    }
    return shortOf(planned(requests), offer, free).map(reason -> new Miss(Stage.RESOURCES, reason));
  }

  /** Whether a pod with this spec would be placed on a node with these labels and taints. */
  static boolean placeable(
      PodSpec spec, Map<String, String> labels, List<Taint> taints, String node) {
    return NodeSelection.mismatch(spec, labels, node).isEmpty()
        && Tolerations.mismatch(spec, taints).isEmpty();
  }

  /** The requests that offers model: all but ephemeral storage. */
  static Resources planned(Resources requests) {
    return requests.get(Resources.EPHEMERAL_STORAGE) == 0
        ? requests
        : requests.without(Resources.EPHEMERAL_STORAGE);
  }

  private static Optional<String> shortOf(Resources requests, NodeOffer offer, Resources free) {
    return requests
        .firstShort(free)
        .map(
            name -> {
              String needs = "needs " + Resources.describe(name, requests.get(name)) + " " + name;
              long offered = offer.allocatable().get(name);
              if (offered == 0) {
                return needs + ", a " + offer.instanceType() + " offers none";
              }
              if (free.get(name) >= offered) {
                return needs
                    + ", a "
                    + offer.instanceType()
                    + " offers "
                    + Resources.describe(name, offered);
              }
              return needs
                  + ", "
                  + Resources.describe(name, free.get(name))
                  + " left of a "
                  + offer.instanceType()
                  + "'s "
                  + Resources.describe(name, offered);
            });
  }
}
