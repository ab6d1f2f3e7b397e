package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.api.model.Node;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.node.NodeConditions;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.time.Duration;
import java.time.Instant;

/**
 * Pure: the phase of one instance from what EC2 and the API server say about it and how long it has
 * been so. Liveness lives here: an instance that does not run, join or stay verified in time is
 * Failed, and the reconciler replaces Failed instances.
 */
public final class PhaseRules {
  /** EC2 usually starts an instance in well under a minute; five is generous. */
  public static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(5);

  /** The pool's time limits. */
  public record Limits(
      Duration joinTimeout,
      Duration verificationGracePeriod,
      boolean trustUnreportedNestedVirtualization) {}

  /** A phase and why. */
  public record Verdict(InstancePhase phase, String reason) {}

  private PhaseRules() {}

  /**
   * @param node the instance's Node, or null when none is registered
   * @param draining whether the instance was chosen for removal
   */
  public static Verdict phase(
      Instance instance, Node node, boolean draining, Instant now, Limits limits) {
    if (!instance.state().isActive()) {
      return new Verdict(InstancePhase.Terminating, "EC2 reports " + instance.state().wireName());
    }
    if (draining) {
      return new Verdict(InstancePhase.Draining, "removing: cordoned, evicting pods");
    }
    Instant launched = instance.launchTime() == null ? now : instance.launchTime();
    if (instance.state() == InstanceState.PENDING) {
      if (now.isAfter(launched.plus(RUNNING_TIMEOUT))) {
        return new Verdict(
            InstancePhase.Failed,
            "NotRunning: not running " + RUNNING_TIMEOUT.toMinutes() + " minutes after launch");
      }
      return new Verdict(InstancePhase.Launching, "EC2 reports pending");
    }
    if (instance.nestedVirtualization() == NestedVirtualization.DISABLED
        || instance.nestedVirtualization() == NestedVirtualization.UNREPORTED
            && !limits.trustUnreportedNestedVirtualization()) {
      return new Verdict(
          InstancePhase.Failed,
          "NestedVirtualizationDisabled: EC2 reports nested virtualization "
              + instance.nestedVirtualization().wireName()
              + " for this instance");
    }
    if (node == null) {
      if (now.isAfter(launched.plus(limits.joinTimeout()))) {
        return new Verdict(
            InstancePhase.Failed,
            "JoinTimeout: no Node registered within " + limits.joinTimeout().toMinutes() + "m");
      }
      return new Verdict(InstancePhase.Joining, "running; waiting for the Node to register");
    }
    if (NodeConditions.kvmVerified(node)) {
      return NodeConditions.isReady(node)
          ? new Verdict(InstancePhase.Ready, "KVM verified; node Ready")
          : new Verdict(InstancePhase.Verifying, "KVM verified; node not Ready");
    }
    boolean wasVerified =
        node.getMetadata().getLabels() != null
            && NodeLabels.KVM_VERIFIED.equals(node.getMetadata().getLabels().get(NodeLabels.KVM));
    if (NodeConditions.isFalse(node, NodeConditions.NESTED_VIRTUALIZATION_READY)) {
      Instant since = NodeConditions.kvmVerdictSince(node).orElse(now);
      if (now.isAfter(since.plus(limits.verificationGracePeriod()))) {
        return new Verdict(
            InstancePhase.Failed, "VerificationFailed: " + NodeConditions.kvmMessage(node));
      }
      return new Verdict(
          InstancePhase.Verifying,
          (wasVerified ? "verification lost: " : "not verified: ")
              + NodeConditions.kvmMessage(node));
    }
    if (now.isAfter(launched.plus(limits.joinTimeout()).plus(limits.verificationGracePeriod()))) {
      return new Verdict(
          InstancePhase.Failed,
          "VerificationTimeout: no NestedVirtualizationReady verdict from the node agent");
    }
    return new Verdict(InstancePhase.Verifying, "waiting for the node agent's KVM probe");
  }
}
