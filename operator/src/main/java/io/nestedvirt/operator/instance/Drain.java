package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 *
 * <p>A node with KubeVirt VMs to move: the drain starts only when {@link VmDrainGate} lets it (a
 * migration slot across the cluster, room on the pool's other nodes); KubeVirt's 429s while it
 * migrates are progress ({@code Migrating}, an Event per VM moved); a VM whose migration failed
 * {@link #MAX_FAILED_MIGRATIONS} times makes the drain stuck; and without a {@code drainTimeout}
 * the deadline follows the VMs' memory and KubeVirt's migration timeouts.
 */
final class Drain {
  /** How soon a drain step is repeated while pods are still leaving. */
  static final Duration STEP = Duration.ofSeconds(5);

  /** How soon a drain held back by {@link VmDrainGate} looks again. */
  static final Duration HELD_STEP = Duration.ofSeconds(15);

  /** Failed migrations of one VMI after which its node's drain is reported stuck. */
  static final int MAX_FAILED_MIGRATIONS = 3;

  private static final Logger log = LoggerFactory.getLogger(Drain.class);

  private final NodeDrains drains;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Duration retryAfterRefusal;
  private final VmDrainGate gate;
  private final VmInventory vms;

  /** The VMIs seen on each draining machine's node, to tell when one has moved (an Event each). */
  private final Map<String, Set<String>> vmsSeen = new ConcurrentHashMap<>();

  /** How many VMIs have left each draining machine's node. */
  private final Map<String, Integer> vmsMoved = new ConcurrentHashMap<>();

  /** The longest VM deadline each drain has had: it must not shrink as VMs leave. */
  private final Map<String, Duration> vmDeadlines = new ConcurrentHashMap<>();

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
      Duration retryAfterRefusal,
      VmDrainGate gate,
      VmInventory vms) {
    this.drains = drains;
    this.events = events;
    this.metrics = metrics;
    this.retryAfterRefusal = retryAfterRefusal;
    this.gate = gate;
    this.vms = vms;
  }

  /**
   * One drain step of the machine's node ({@code m.node}, not null); true once its pods are gone.
   */
  boolean step(Machine m) {
    NestedVirtPoolSpec spec = m.pool != null ? m.pool.getSpec() : new NestedVirtPoolSpec();
    String nodeName = m.node.getMetadata().getName();
    List<Vm> onNode = vms.onNode(nodeName);
    List<Vm> movers = onNode.stream().filter(Vm::moving).toList();
    boolean started = m.conditions.isTrue(InstanceConditions.DRAINING);
    if (!started) {
      Optional<VmDrainGate.Hold> hold = gate.hold(m, movers);
      if (hold.isPresent()) {
        held(m, nodeName, hold.get());
        return false;
      }
    }
    Duration drainTimeout = drainTimeout(m, spec, movers);
    String timeoutText = Durations.format(drainTimeout);
    boolean forceAllowed = Boolean.TRUE.equals(spec.forceDrain);
    Instant since = started ? m.conditions.since(InstanceConditions.DRAINING).orElse(m.now) : m.now;
    boolean overdue = m.now.isAfter(since.plus(drainTimeout));
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
                  + timeoutText);
        }
      }
      int moved = noteMoves(m, nodeName, onNode);
      if (movers.isEmpty()) {
        gate.moved(m.object.uid());
      }
      Optional<Vm> failing =
          movers.stream().filter(v -> v.migrations().failed() >= MAX_FAILED_MIGRATIONS).findFirst();
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
      if (failing.isPresent()) {
        Vm vm = failing.get();
        stuck(
            m,
            "draining node "
                + nodeName
                + ": the migration of VMI "
                + vm.key()
                + " has failed "
                + vm.migrations().failed()
                + " times (KubeVirt keeps trying; see kubectl get vmim -n "
                + vm.namespace()
                + "). "
                + step.summary());
      } else if (overdue && !forceAllowed) {
        stuck(
            m,
            "draining node "
                + nodeName
                + " has taken longer than drainTimeout "
                + timeoutText
                + ": "
                + step.summary()
                + ". Resolve the PodDisruptionBudget or set forceDrain.");
      } else if (!movers.isEmpty()) {
        m.conditions.set(
            InstanceConditions.DRAINING,
            true,
            InstanceReason.Migrating,
            migrating(nodeName, movers, moved, step));
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

  private void stuck(Machine m, String message) {
    m.conditions.set(InstanceConditions.DRAINING, true, InstanceReason.DrainStuck, message);
    if (m.conditions.transitioned(InstanceConditions.DRAINING)) {
      events.warning(m.object, EventReason.DrainBlocked, message);
    }
  }

  /** The drain waits before its cordon: said in Draining=False, and once in an Event. */
  private void held(Machine m, String nodeName, VmDrainGate.Hold hold) {
    m.conditions.set(
        InstanceConditions.READY,
        false,
        InstanceReason.Draining,
        "leaving: node " + nodeName + " waits to drain: " + hold.message());
    m.conditions.set(InstanceConditions.DRAINING, false, hold.reason(), hold.message());
    if (m.conditions.transitioned(InstanceConditions.DRAINING)) {
      events.normal(m.object, EventReason.DrainWaiting, "node " + nodeName + ": " + hold.message());
    }
    m.requeueWithin(HELD_STEP);
  }

  /**
   * The pool's drainTimeout; unset: the default, or for a node with VMs to move the longer of it
   * and their migration deadline (the longest seen in this drain, as it must not shrink while the
   * VMs leave).
   */
  private Duration drainTimeout(Machine m, NestedVirtPoolSpec spec, List<Vm> movers) {
    if (spec.drainTimeout != null) {
      return Durations.parse(spec.drainTimeout);
    }
    Duration base = Durations.parse(NestedVirtPoolSpec.DEFAULT_DRAIN_TIMEOUT);
    Duration forVms =
        movers.isEmpty()
            ? vmDeadlines.getOrDefault(m.object.uid(), Duration.ZERO)
            : vmDeadlines.merge(
                m.object.uid(),
                vms.settings().drainDeadline(movers),
                (a, b) -> a.compareTo(b) >= 0 ? a : b);
    return forVms.compareTo(base) > 0 ? forVms : base;
  }

  /**
   * Notes the VMIs on the node and reports, once each, those that have left it for another node.
   * Returns how many have left during this drain (as far as this process has seen).
   */
  private int noteMoves(Machine m, String nodeName, List<Vm> onNode) {
    Set<String> seen = vmsSeen.computeIfAbsent(m.object.uid(), k -> ConcurrentHashMap.newKeySet());
    Set<String> here = new HashSet<>();
    onNode.forEach(v -> here.add(v.key()));
    for (String vmi : List.copyOf(seen)) {
      if (here.contains(vmi)) {
        continue;
      }
      seen.remove(vmi);
      vmsMoved.merge(m.object.uid(), 1, Integer::sum);
      Optional<String> now = vms.nodeOf(vmi);
      if (now.isPresent() && !now.get().equals(nodeName)) {
        events.normal(
            m.object,
            EventReason.VmMigrated,
            "VMI " + vmi + " moved from node " + nodeName + " to node " + now.get());
      } else {
        log.info("machine {}: VMI {} left node {} (deleted or stopped)", m.name(), vmi, nodeName);
      }
    }
    seen.addAll(here);
    return vmsMoved.getOrDefault(m.object.uid(), 0);
  }

  /** "node n: 2 VMIs to move (a/x, a/y), 1 moved; migrations 1 running, 0 failed; ...". */
  private static String migrating(
      String nodeName, List<Vm> movers, int moved, NodeDrains.Step step) {
    int running = movers.stream().mapToInt(v -> v.migrations().running()).sum();
    int failed = movers.stream().mapToInt(v -> v.migrations().failed()).sum();
    List<String> names = movers.stream().map(Vm::key).sorted().toList();
    return "node "
        + nodeName
        + " cordoned, KubeVirt migrating its VMs: "
        + movers.size()
        + (movers.size() == 1 ? " VMI" : " VMIs")
        + " to move ("
        + String.join(", ", names.subList(0, Math.min(5, names.size())))
        + (names.size() > 5 ? " and " + (names.size() - 5) + " more" : "")
        + "), "
        + moved
        + " moved; migrations "
        + running
        + " running, "
        + failed
        + " failed; "
        + step.summary();
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
    vmsSeen.remove(uid);
    vmsMoved.remove(uid);
    vmDeadlines.remove(uid);
    gate.moved(uid);
  }
}
