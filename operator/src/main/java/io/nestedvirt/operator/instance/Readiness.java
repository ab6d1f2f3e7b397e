package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.node.NodeConditions;

/**
 * Derives a running machine's Ready condition and phase from the step conditions, as Karpenter
 * derives a NodeClaim's Ready: Failed when liveness says so, otherwise the first step not done (or
 * Healthy=False, for a machine that was verified) says why it is not Ready.
 */
final class Readiness {
  private Readiness() {}

  static InstancePhase derive(Machine m) {
    if (m.failure != null) {
      return notReady(m, InstancePhase.Failed, m.failure.reason(), m.failure.message());
    }
    if (!m.conditions.isTrue(InstanceConditions.LAUNCHED)) {
      Condition launched = m.conditions.get(InstanceConditions.LAUNCHED).orElse(null);
      return launched == null
          ? notReady(m, InstancePhase.Launching, InstanceReason.Launching, "launching")
          : notReady(m, InstancePhase.Launching, launched.reason, launched.message);
    }
    // A registered Node proves the instance runs though the listing may still say pending (it is
    // read once per refresh period): the machine does not wait for the next one to be Ready.
    if (m.instance != null && m.instance.state() == InstanceState.PENDING && m.node == null) {
      return notReady(m, InstancePhase.Launching, InstanceReason.Launching, "EC2 reports pending");
    }
    if (m.node == null) {
      Condition registered = m.conditions.get(InstanceConditions.REGISTERED).orElse(null);
      return registered == null
          ? notReady(m, InstancePhase.Joining, InstanceReason.AwaitingNode, "waiting for the Node")
          : notReady(m, InstancePhase.Joining, registered.reason, registered.message);
    }
    if (m.conditions.isFalse(InstanceConditions.HEALTHY)) {
      // Still counts toward the pool until the pool's repair replaces it.
      Condition healthy = m.conditions.get(InstanceConditions.HEALTHY).orElseThrow();
      return notReady(m, InstancePhase.Verifying, healthy.reason, healthy.message);
    }
    if (!m.conditions.isTrue(InstanceConditions.VERIFIED)) {
      Condition verified = m.conditions.get(InstanceConditions.VERIFIED).orElseThrow();
      return notReady(m, InstancePhase.Verifying, verified.reason, verified.message);
    }
    if (!NodeConditions.isReady(m.node)) {
      return notReady(
          m,
          InstancePhase.Verifying,
          InstanceReason.NodeNotReady,
          "KVM verified; node " + m.node.getMetadata().getName() + " not Ready");
    }
    m.conditions.set(
        InstanceConditions.READY,
        true,
        InstanceReason.Ready,
        "KVM verified; node " + m.node.getMetadata().getName() + " Ready");
    return InstancePhase.Ready;
  }

  private static InstancePhase notReady(
      Machine m, InstancePhase phase, InstanceReason reason, String message) {
    return notReady(m, phase, reason.name(), message);
  }

  /** With a step's reason as stored: Ready carries it over, even one only a newer version knows. */
  private static InstancePhase notReady(
      Machine m, InstancePhase phase, String reason, String message) {
    m.conditions.set(InstanceConditions.READY, false, reason, message);
    return phase;
  }
}
