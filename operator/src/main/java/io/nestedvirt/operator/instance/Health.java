package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.node.AgentHeartbeat;
import io.nestedvirt.operator.node.NodeConditions;
import java.time.Instant;

/**
 * The health step; owns the condition Healthy, for machines that were verified. Such a machine is
 * unhealthy while its instance is stopping or stopped (the operator never stops one, so someone
 * else did: a retirement, a user), its Node's Ready is False or Unknown, or its agent's verdict is
 * stale. Healthy=False keeps the time it turned False through changes of reason, and survives
 * restarts in status: the pool replaces the machine once that is its spec.repair.notReadyTimeout
 * ago. Pure apart from the machine it reads.
 */
final class Health {
  private final AgentHeartbeat heartbeat;

  Health(AgentHeartbeat heartbeat) {
    this.heartbeat = heartbeat;
  }

  void reconcile(Machine m) {
    if (m.node == null || !wasVerified(m)) {
      // Not (or no longer) a serving node: registration, verification and liveness judge it.
      m.conditions.remove(InstanceConditions.HEALTHY);
      return;
    }
    if (m.instance == null) {
      return; // not in the listing this time (EC2 is eventually consistent): keep the last verdict
    }
    String problem = problem(m, m.node);
    if (problem == null) {
      m.conditions.set(
          InstanceConditions.HEALTHY,
          true,
          InstanceReason.Healthy,
          "node " + m.node.getMetadata().getName() + " Ready, instance running, verdict renewed");
      return;
    }
    Instant since =
        m.conditions.isFalse(InstanceConditions.HEALTHY)
            ? m.conditions.since(InstanceConditions.HEALTHY).orElse(m.now)
            : m.now;
    m.conditions.set(
        InstanceConditions.HEALTHY,
        false,
        reason(m, m.node),
        problem + "; unhealthy since " + since);
  }

  /** Verified now, or verified until its verdict went stale. */
  private static boolean wasVerified(Machine m) {
    return m.conditions.isTrue(InstanceConditions.VERIFIED)
        || InstanceReason.VerificationStale.name()
            .equals(m.conditions.reason(InstanceConditions.VERIFIED));
  }

  private InstanceReason reason(Machine m, Node node) {
    if (stopped(m)) {
      return InstanceReason.InstanceStopped;
    }
    if (NodeConditions.readyLost(node)) {
      return InstanceReason.NodeNotReady;
    }
    return InstanceReason.VerificationStale;
  }

  /** What is wrong, the most basic cause first; null when nothing is. */
  private String problem(Machine m, Node node) {
    String name = node.getMetadata().getName();
    if (stopped(m)) {
      return "EC2 reports the instance "
          + m.instance.state().wireName()
          + " (the operator never stops instances: a retirement or a user did)";
    }
    if (NodeConditions.readyLost(node)) {
      var ready = NodeConditions.find(node, "Ready").orElseThrow();
      return "node "
          + name
          + " Ready="
          + ready.getStatus()
          + (ready.getReason() == null ? "" : " (" + ready.getReason() + ")");
    }
    if (heartbeat.isStale(node, m.now)) {
      return "the node agent has not renewed "
          + NodeConditions.NESTED_VIRTUALIZATION_READY
          + " on node "
          + name
          + " since "
          + NodeConditions.kvmHeartbeat(node).orElseThrow()
          + " (every "
          + Durations.format(heartbeat.agentInterval())
          + " expected)";
    }
    return null;
  }

  private static boolean stopped(Machine m) {
    InstanceState state = m.instance.state();
    return state == InstanceState.STOPPING || state == InstanceState.STOPPED;
  }
}
