package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registration step; owns the condition Registered. A Node belongs to a machine only if its
 * providerID names the machine's instance. The first such Node is bound and its name pinned in
 * status: a Node that later claims the same instance under another name is never trusted. Two Nodes
 * that claim an unbound instance at once are both refused, with an Event, until one of them goes;
 * the operator cannot tell which one the instance's kubelet created.
 *
 * <p>Once a Node is bound, the machine's bootstrap token has served: the kubelet authenticates with
 * its own certificate from then on, so the token is deleted at once rather than left to expire.
 */
final class Registration {
  private final EventRecorder events;
  private final BootstrapTokens tokens;

  /** Claims already reported, so each earns one Event rather than one per reconcile. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  Registration(EventRecorder events, BootstrapTokens tokens) {
    this.events = events;
    this.tokens = tokens;
  }

  void reconcile(Machine m) {
    if (m.instanceId() == null || m.instance != null && !m.instance.state().isActive()) {
      return;
    }
    String pinned = m.status.nodeName;
    if (pinned != null) {
      m.node = m.claimants.stream().filter(n -> named(n, pinned)).findFirst().orElse(null);
      m.claimants.stream().filter(n -> !named(n, pinned)).forEach(n -> impostor(m, n, pinned));
      if (m.node == null) {
        m.conditions.set(
            InstanceConditions.REGISTERED,
            false,
            InstanceReason.NodeDeleted,
            "node " + pinned + " is gone; waiting for it to register again");
      } else {
        m.conditions.set(
            InstanceConditions.REGISTERED, true, InstanceReason.Registered, "node " + pinned);
      }
      return;
    }
    List<Node> claimants = m.claimants;
    if (claimants.isEmpty()) {
      m.conditions.set(
          InstanceConditions.REGISTERED,
          false,
          InstanceReason.AwaitingNode,
          m.instance == null || m.instance.state() == InstanceState.RUNNING
              ? "waiting for the Node to register"
              : "EC2 reports " + m.instance.state().wireName());
      return;
    }
    if (claimants.size() > 1) {
      List<String> names = claimants.stream().map(n -> n.getMetadata().getName()).sorted().toList();
      String message =
          "nodes "
              + String.join(", ", names)
              + " all claim instance "
              + m.instanceId()
              + "; none is trusted until only one is left";
      m.conditions.set(
          InstanceConditions.REGISTERED, false, InstanceReason.DuplicateNodes, message);
      if (reported.add(m.object.uid() + "/" + String.join(",", names))) {
        events.warning(m.object, EventReason.DuplicateNode, message);
      }
      return;
    }
    m.node = claimants.getFirst();
    m.status.nodeName = m.node.getMetadata().getName();
    if (tokens.mayHold(m.pool, m.object.uid())) {
      tokens.revoke(m.object.uid(), "node " + m.status.nodeName + " registered");
    }
    m.conditions.set(
        InstanceConditions.REGISTERED,
        true,
        InstanceReason.Registered,
        "node " + m.status.nodeName);
  }

  private void impostor(Machine m, Node node, String pinned) {
    if (reported.add(m.object.uid() + "/" + node.getMetadata().getUid())) {
      events.warning(
          m.object,
          EventReason.DuplicateNode,
          "node "
              + node.getMetadata().getName()
              + " claims instance "
              + m.instanceId()
              + ", which is bound to node "
              + pinned
              + "; it is ignored");
    }
  }

  /** Forgets what was reported about a machine that is gone. */
  void forget(String uid) {
    reported.removeIf(k -> k.startsWith(uid + "/"));
  }

  private static boolean named(Node n, String name) {
    return name.equals(n.getMetadata().getName());
  }
}
