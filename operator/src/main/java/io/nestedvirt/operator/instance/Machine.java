package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.nestedvirt.operator.Json;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.conditions.Conditions;
import io.nestedvirt.operator.node.ProviderIds;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One reconcile's view of one machine: its NestedVirtInstance, its pool, its EC2 instance as last
 * listed, the Nodes that claim that instance, and the status being built. The lifecycle steps read
 * and amend it in turn, each setting its own condition; the controller writes the status once at
 * the end and requeues after the shortest wait any step asked for.
 */
final class Machine {
  final NestedVirtInstance object;
  final Instant now;
  final NestedVirtInstanceStatus status;
  final Conditions conditions;

  /** Null when the pool is gone (or is another pool of the same name). */
  final NestedVirtPool pool;

  /** The instance as EC2 last reported it, or null when none is known. */
  Instance instance;

  /** Nodes whose providerID names the instance. */
  List<Node> claimants = List.of();

  /** The Node bound to the machine and trusted, once registration found it. */
  Node node;

  /** Why the machine can no longer serve, once liveness decided it cannot. */
  Failure failure;

  private Duration requeue;

  /** The status as read, as JSON: what a reconcile's result is compared with before a write. */
  private final String asRead;

  /** A reason the machine is Failed, and what happened. */
  record Failure(InstanceReason reason, String message) {}

  Machine(NestedVirtInstance object, NestedVirtPool pool, Instant now) {
    this.object = object;
    this.pool = pool;
    this.now = now;
    NestedVirtInstanceStatus current =
        object.getStatus() == null ? new NestedVirtInstanceStatus() : object.getStatus();
    this.status = copy(current);
    this.asRead = Json.of(status);
    this.conditions = new Conditions(current.conditions, InstanceConditions.ORDER, null, now);
  }

  /**
   * Whether the finished status differs from the one read, observations included: what EC2 reports
   * (an instance that turned running) is written even when nothing else changed.
   */
  boolean changed(NestedVirtInstanceStatus finished) {
    return !Json.of(finished).equals(asRead);
  }

  String name() {
    return object.name();
  }

  /** The instance id, recorded or adopted; null before the launch is known. */
  String instanceId() {
    return status.instanceId != null ? status.instanceId : object.getSpec().instanceId;
  }

  Optional<Instant> launchTime() {
    return Optional.ofNullable(status.launchTime).map(Instant::parse);
  }

  /** Asks to be reconciled again within {@code d}; the shortest request wins. */
  void requeueWithin(Duration d) {
    Duration bounded = d.isNegative() ? Duration.ZERO : d;
    if (requeue == null || bounded.compareTo(requeue) < 0) {
      requeue = bounded;
    }
  }

  Optional<Duration> requeue() {
    return Optional.ofNullable(requeue);
  }

  /** Records what EC2 reports about the instance. */
  void observed(Instance i) {
    instance = i;
    status.instanceId = i.id();
    status.providerID = ProviderIds.of(i.zone(), i.id());
    status.state = i.state().wireName();
    status.nestedVirtualization = i.nestedVirtualization().wireName();
    status.launchTime = i.launchTime() == null ? status.launchTime : i.launchTime().toString();
    status.imageId = i.imageId() == null ? status.imageId : i.imageId();
  }

  /** The status as built, conditions included. */
  NestedVirtInstanceStatus finish(InstancePhase phase) {
    status.phase = phase.name();
    status.conditions = conditions.list();
    return status;
  }

  private static NestedVirtInstanceStatus copy(NestedVirtInstanceStatus s) {
    NestedVirtInstanceStatus c = new NestedVirtInstanceStatus();
    c.instanceId = s.instanceId;
    c.providerID = s.providerID;
    c.nodeName = s.nodeName;
    c.state = s.state;
    c.nestedVirtualization = s.nestedVirtualization;
    c.launchTime = s.launchTime;
    c.imageId = s.imageId;
    c.evictedPods = s.evictedPods;
    c.phase = s.phase;
    c.conditions = s.conditions == null ? List.of() : List.copyOf(s.conditions);
    return c;
  }
}
