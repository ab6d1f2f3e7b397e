package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.node.NodeConditions;
import java.time.Duration;
import java.time.Instant;

/**
 * The liveness step: decides when a machine can no longer serve and must be replaced (the pool
 * deletes Failed machines and launches successors). An instance not running five minutes after its
 * launch, reported by EC2 without nested virtualization, terminated by someone else, not joined
 * within the pool's joinTimeout, or whose KVM verification failed for longer than its
 * verificationGracePeriod (or never came) is Failed. Pure apart from the machine it reads; it asks
 * to be looked at again when the next deadline falls.
 */
final class Liveness {
  /** EC2 usually starts an instance in well under a minute; five is generous. */
  static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(5);

  private final boolean trustUnreportedNestedVirtualization;

  /**
   * @param trustUnreportedNestedVirtualization count an instance whose CpuOptions say nothing about
   *     nested virtualization as running it (only for endpoints that do not report it, like moto)
   */
  Liveness(boolean trustUnreportedNestedVirtualization) {
    this.trustUnreportedNestedVirtualization = trustUnreportedNestedVirtualization;
  }

  void reconcile(Machine m) {
    m.failure = failure(m);
  }

  private Machine.Failure failure(Machine m) {
    if (m.conditions.isFalse(InstanceConditions.LAUNCHED)) {
      String launch = m.conditions.reason(InstanceConditions.LAUNCHED);
      if (InstanceReason.endsLaunch(launch)) {
        return new Machine.Failure(
            InstanceReason.valueOf(launch),
            m.conditions.get(InstanceConditions.LAUNCHED).orElseThrow().message);
      }
    }
    if (m.instanceId() == null || m.instance == null) {
      return null;
    }
    if (!m.instance.state().isActive()) {
      return new Machine.Failure(
          InstanceReason.InstanceTerminated,
          "EC2 reports " + m.instance.state().wireName() + ": terminated outside the operator");
    }
    NestedVirtPoolSpec limits = m.pool != null ? m.pool.getSpec() : new NestedVirtPoolSpec();
    Duration joinTimeout = Durations.parse(limits.joinTimeout);
    Duration grace = Durations.parse(limits.verificationGracePeriod);
    Instant launched = m.launchTime().orElse(m.now);
    if (m.instance.state() == InstanceState.PENDING) {
      if (m.node != null) {
        // A kubelet registered, so the instance runs; the listing only has not said so yet.
        // Nested virtualization is checked once it does.
        return null;
      }
      return after(m, launched.plus(RUNNING_TIMEOUT))
          ? new Machine.Failure(
              InstanceReason.NotRunning,
              "not running " + RUNNING_TIMEOUT.toMinutes() + " minutes after launch")
          : null;
    }
    NestedVirtualization nv = m.instance.nestedVirtualization();
    if (nv == NestedVirtualization.DISABLED
        || nv == NestedVirtualization.UNREPORTED && !trustUnreportedNestedVirtualization) {
      return new Machine.Failure(
          InstanceReason.NestedVirtualizationDisabled,
          "EC2 reports nested virtualization " + nv.wireName() + " for this instance");
    }
    if (m.node == null) {
      // A node that registered and went counts from when it went.
      Instant since =
          m.conditions.isFalse(InstanceConditions.REGISTERED)
                  && InstanceReason.NodeDeleted.name()
                      .equals(m.conditions.reason(InstanceConditions.REGISTERED))
              ? m.conditions.since(InstanceConditions.REGISTERED).orElse(launched)
              : launched;
      return after(m, since.plus(joinTimeout))
          ? new Machine.Failure(
              InstanceReason.JoinTimeout,
              "no Node registered within " + Durations.format(joinTimeout))
          : null;
    }
    if (NodeConditions.kvmVerified(m.node)) {
      return null;
    }
    if (NodeConditions.isFalse(m.node, NodeConditions.NESTED_VIRTUALIZATION_READY)) {
      Instant since = NodeConditions.kvmVerdictSince(m.node).orElse(m.now);
      return after(m, since.plus(grace))
          ? new Machine.Failure(
              InstanceReason.VerificationFailed, NodeConditions.kvmMessage(m.node))
          : null;
    }
    return after(m, launched.plus(joinTimeout).plus(grace))
        ? new Machine.Failure(
            InstanceReason.VerificationTimeout,
            "no NestedVirtualizationReady verdict from the node agent")
        : null;
  }

  /** Whether {@code deadline} has passed; if not, asks to be looked at again then. */
  private static boolean after(Machine m, Instant deadline) {
    if (m.now.isAfter(deadline)) {
      return true;
    }
    m.requeueWithin(Duration.between(m.now, deadline).plusMillis(1));
    return false;
  }
}
