package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Drains a machine's node one step at a time, for a machine chosen to go on a scale-down (before
 * its deletion, so the pool can still take the decision back) and behind the finalizer of a deleted
 * one. Owns the conditions Draining and Drained, and counts the pods evicted in {@code
 * status.evictedPods}, which tells the pool whether a drain can still be taken back.
 */
final class Drain {
  /** How soon a drain step is repeated while pods are still leaving. */
  static final Duration STEP = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(Drain.class);

  private final NodeDrains drains;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Duration retryAfterRefusal;

  /** Machines whose drain a PodDisruptionBudget held, already reported once. */
  private final Set<String> reportedRefusals = ConcurrentHashMap.newKeySet();

  /** When the API server last refused (403/422) to cordon or drain a machine's node. */
  private final Map<String, Instant> drainRefused = new ConcurrentHashMap<>();

  /**
   * @param retryAfterRefusal how long a cordon or drain the API server refused (403, 422) waits
   *     before it is tried again: repeating it changes nothing until someone fixes RBAC or a policy
   */
  Drain(
      NodeDrains drains,
      EventRecorder events,
      OperatorMetrics metrics,
      Duration retryAfterRefusal) {
    this.drains = drains;
    this.events = events;
    this.metrics = metrics;
    this.retryAfterRefusal = retryAfterRefusal;
  }

  /**
   * One drain step of the machine's node ({@code m.node}, not null); true once its pods are gone.
   */
  boolean step(Machine m) {
    NestedVirtPoolSpec spec = m.pool != null ? m.pool.getSpec() : new NestedVirtPoolSpec();
    Duration drainTimeout = Durations.parse(spec.drainTimeout);
    boolean forceAllowed = Boolean.TRUE.equals(spec.forceDrain);
    Instant since =
        m.conditions.isTrue(InstanceConditions.DRAINING)
            ? m.conditions.since(InstanceConditions.DRAINING).orElse(m.now)
            : m.now;
    boolean overdue = m.now.isAfter(since.plus(drainTimeout));
    String nodeName = m.node.getMetadata().getName();
    m.conditions.set(
        InstanceConditions.READY,
        false,
        InstanceReason.Draining,
        "leaving: node " + nodeName + " cordoned, its pods evicted");
    Instant refusedAt = drainRefused.get(m.object.uid());
    if (refusedAt != null && m.now.isBefore(refusedAt.plus(retryAfterRefusal))) {
      m.requeueWithin(Duration.between(m.now, refusedAt.plus(retryAfterRefusal)));
      return false;
    }
    NodeDrains.Step step;
    try {
      step = drains.drain(nodeName, overdue && forceAllowed);
      drainRefused.remove(m.object.uid());
    } catch (KubernetesClientException e) {
      if (!NodeWriteRefusals.isRefusal(e)) {
        throw e;
      }
      refused(m, nodeName, e);
      return false;
    }
    if (step.evicted() > 0) {
      m.status.evictedPods =
          (m.status.evictedPods == null ? 0 : m.status.evictedPods) + step.evicted();
    }
    try (var mdc = MDC.putCloseable(LogFields.INSTANCE, m.instanceId())) {
      if (step.evictionsRefused() > 0) {
        metrics.evictionsRefused(m.object.poolName(), step.evictionsRefused());
        // At the first refusal, not only at drainTimeout: the admin can act on the budget now.
        if (reportedRefusals.add(m.object.uid())) {
          events.warning(
              m.object,
              EventReason.DrainBlocked,
              "draining node "
                  + nodeName
                  + ": "
                  + step.summary()
                  + "; retrying until drainTimeout "
                  + spec.drainTimeout);
        }
      }
      if (step.done()) {
        metrics.drained(Duration.between(since, m.now));
        m.conditions.set(
            InstanceConditions.DRAINING, true, InstanceReason.Draining, "node " + nodeName);
        m.conditions.set(
            InstanceConditions.DRAINED,
            true,
            InstanceReason.Drained,
            "node " + nodeName + " drained");
        return true;
      }
      if (overdue && !forceAllowed) {
        String message =
            "draining node "
                + nodeName
                + " has taken longer than drainTimeout "
                + spec.drainTimeout
                + ": "
                + step.summary()
                + ". Resolve the PodDisruptionBudget or set forceDrain.";
        m.conditions.set(InstanceConditions.DRAINING, true, InstanceReason.DrainStuck, message);
        if (m.conditions.transitioned(InstanceConditions.DRAINING)) {
          events.warning(m.object, EventReason.DrainBlocked, message);
        }
      } else {
        m.conditions.set(
            InstanceConditions.DRAINING,
            true,
            InstanceReason.Draining,
            "node " + nodeName + " cordoned: " + step.summary());
      }
    }
    m.conditions.set(InstanceConditions.DRAINED, false, InstanceReason.Draining, step.summary());
    m.requeueWithin(STEP);
    return false;
  }

  /** Reports a refused cordon or drain once (condition, Event) and tries again after a while. */
  private void refused(Machine m, String nodeName, KubernetesClientException e) {
    drainRefused.put(m.object.uid(), m.now);
    String message =
        "the API server refused to cordon or drain node "
            + nodeName
            + " ("
            + NodeWriteRefusals.describe(e)
            + "); trying again every "
            + Durations.format(retryAfterRefusal);
    log.warn("machine {}: {}", m.name(), message);
    m.conditions.set(InstanceConditions.DRAINING, true, InstanceReason.NodeWriteRefused, message);
    if (m.conditions.transitioned(InstanceConditions.DRAINING)) {
      events.warning(m.object, EventReason.NodeWriteRefused, message);
    }
    m.requeueWithin(retryAfterRefusal);
  }

  /**
   * Takes a drain back: the node is uncordoned and the drain's conditions and count go, so a later
   * drain starts afresh (its drainTimeout counted from then).
   */
  void cancel(Machine m) {
    if (m.node != null) {
      drains.uncordon(m.node.getMetadata().getName());
    }
    m.conditions.remove(InstanceConditions.DRAINING);
    m.conditions.remove(InstanceConditions.DRAINED);
    m.status.evictedPods = null;
    forget(m.object.uid());
  }

  void forget(String uid) {
    reportedRefusals.remove(uid);
    drainRefused.remove(uid);
  }
}
