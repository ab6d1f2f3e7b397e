package io.nestedvirt.operator.autoscaling;

import io.nestedvirt.operator.demand.ScaleUpPlanner.NewNode;
import java.util.List;
import java.util.Set;

/**
 * What the autoscaler decided for one pool, for the pool controller to act on once: the nodes to
 * add (each with the instance types and zones that hold its pods), the machines whose nodes have
 * been idle for {@code scaleDownAfter}, and the pending pods that fit the pool but find it at
 * {@code maxReplicas}.
 *
 * @param launches new nodes, in the order they were opened
 * @param idle names of serving machines whose nodes may go
 * @param waitingAtMax pods ("namespace/name") that would grow the pool beyond maxReplicas
 */
public record ScaleDecision(List<NewNode> launches, Set<String> idle, List<String> waitingAtMax) {
  public ScaleDecision {
    launches = List.copyOf(launches);
    idle = Set.copyOf(idle);
    waitingAtMax = List.copyOf(waitingAtMax);
  }

  /** Neither adds nor removes a node. */
  boolean changesNothing() {
    return launches.isEmpty() && idle.isEmpty();
  }
}
