package io.nestedvirt.operator.node;

import io.fabric8.kubernetes.api.model.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When the node agent's verdict is stale. The agent renews NestedVirtualizationReady (its
 * lastHeartbeatTime) every interval; a verdict not renewed for {@link #MISSED_BEATS} intervals says
 * nothing about the node any more (the agent is gone, or cannot reach the API server), as the
 * kubelet's Ready goes Unknown when its heartbeats stop. Pure.
 *
 * @param agentInterval the agents' {@code --interval}
 */
public record AgentHeartbeat(Duration agentInterval) {
  /** Missed renewals after which the verdict is stale; one or two can be a slow API server. */
  public static final int MISSED_BEATS = 3;

  public Duration staleAfter() {
    return agentInterval.multipliedBy(MISSED_BEATS);
  }

  /** When the node's verdict goes stale; empty when it carries no heartbeat to judge by. */
  public Optional<Instant> staleAt(Node node) {
    return NodeConditions.kvmHeartbeat(node).map(t -> t.plus(staleAfter()));
  }

  public boolean isStale(Node node, Instant now) {
    return staleAt(node).filter(now::isAfter).isPresent();
  }
}
