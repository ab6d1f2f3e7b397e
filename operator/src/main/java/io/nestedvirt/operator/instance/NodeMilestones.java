package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.nestedvirt.operator.node.NodeConditions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Pure: how long after its launch an instance reached each milestone (Node registered, KVM
 * verified, Ready), told once per instance. A milestone counts in the reconcile where the
 * instance's phase first shows it: the phase before is the one in the last status written, which
 * survives restarts, so a restarted operator does not count a node twice.
 */
final class NodeMilestones {
  private NodeMilestones() {}

  /** The durations from launch of the milestones reached just now; empty where none. */
  record Reached(
      Optional<Duration> registered, Optional<Duration> verified, Optional<Duration> ready) {}

  /**
   * @param phaseBefore the instance's phase in the last status, null if it had none
   * @param phaseNow the phase this reconcile gives it
   * @param node its Node, which exists from registration on
   */
  static Reached of(
      String phaseBefore, String phaseNow, Instant launchTime, Node node, Instant now) {
    Optional<Duration> registered = Optional.empty();
    Optional<Duration> verified = Optional.empty();
    Optional<Duration> ready = Optional.empty();
    boolean hadNode =
        phaseBefore != null
            && !InstancePhase.Launching.name().equals(phaseBefore)
            && !InstancePhase.Joining.name().equals(phaseBefore);
    String created = node.getMetadata().getCreationTimestamp();
    if (!hadNode && created != null) {
      registered = Optional.of(since(launchTime, Instant.parse(created)));
    }
    if (InstancePhase.Ready.name().equals(phaseNow)
        && !InstancePhase.Ready.name().equals(phaseBefore)) {
      verified = NodeConditions.kvmVerdictSince(node).map(t -> since(launchTime, t));
      ready = Optional.of(since(launchTime, now));
    }
    return new Reached(registered, verified, ready);
  }

  private static Duration since(Instant launch, Instant t) {
    return Duration.between(launch, t);
  }
}
