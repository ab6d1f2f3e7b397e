package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.launch.ClientTokens;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What happens behind a machine's finalizer once it is deleted (a scale-down, a replacement, its
 * pool's deletion, or {@code kubectl delete nvi}): cordon and drain its node through the Eviction
 * API, terminate the instance, wait until EC2 reports it shutting down, delete the Node; only then
 * may the finalizer go. Owns the conditions Draining and Drained. A machine whose launch may have
 * landed without being recorded is not let go until its instance would have been listed.
 */
final class Termination {
  private static final Logger log = LoggerFactory.getLogger(Termination.class);

  /** How soon a drain step is repeated while pods are still leaving. */
  static final Duration DRAIN_STEP = Duration.ofSeconds(5);

  private final CloudProvider cloud;
  private final InstanceListing listing;
  private final NodeDrains drains;
  private final KubernetesClient client;
  private final LaunchLedger ledger;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Duration launchGrace;
  private final Duration refreshPeriod;

  /** Machines whose drain a PodDisruptionBudget held, already reported once. */
  private final Set<String> reportedRefusals = ConcurrentHashMap.newKeySet();

  /** When the API server last refused (403/422) to cordon or drain a machine's node. */
  private final Map<String, Instant> drainRefused = new ConcurrentHashMap<>();

  Termination(
      CloudProvider cloud,
      InstanceListing listing,
      NodeDrains drains,
      KubernetesClient client,
      LaunchLedger ledger,
      EventRecorder events,
      OperatorMetrics metrics,
      Duration launchGrace,
      Duration refreshPeriod) {
    this.cloud = cloud;
    this.listing = listing;
    this.drains = drains;
    this.client = client;
    this.ledger = ledger;
    this.events = events;
    this.metrics = metrics;
    this.launchGrace = launchGrace;
    this.refreshPeriod = refreshPeriod;
  }

  /**
   * One step toward the machine's end; true once nothing of it is left and its finalizer may go.
   * Sets the machine's phase conditions and asks for a requeue while it is not done.
   */
  boolean reconcile(Machine m) {
    String id = instanceId(m);
    if (id == null) {
      return nothingLaunched(m);
    }
    Instance instance = listing.byId(id).orElse(null);
    if (instance != null) {
      m.observed(instance);
    }
    // Not listed is not proof of gone (a listing can lag); terminating an id EC2 no longer knows
    // costs one call and cannot leak an instance.
    boolean running = instance == null || instance.state().isActive();
    if (running) {
      if (m.node != null && !m.conditions.isTrue(InstanceConditions.DRAINED) && !drain(m)) {
        return false;
      }
      if (!terminate(m, id)) {
        return false;
      }
    }
    if (m.node != null) {
      client.nodes().withName(m.node.getMetadata().getName()).delete();
    }
    forget(m.object.uid());
    return true;
  }

  /** The instance: recorded, listed under the machine's token, or answered to this process. */
  private String instanceId(Machine m) {
    if (m.instanceId() != null) {
      return m.instanceId();
    }
    Optional<Instance> listed = listing.byClientToken(ClientTokens.forInstance(m.object.uid()));
    if (listed.isPresent()) {
      m.observed(listed.get());
      return listed.get().id();
    }
    return ledger.attempt(m.object.uid()).map(LaunchLedger.Attempt::instanceId).orElse(null);
  }

  /**
   * No instance is known. If a launch may have landed without being recorded, wait until a listing
   * would show it (EC2 listings lag launches); past that, anything that still appears belongs to no
   * machine and the garbage collector terminates it.
   */
  private boolean nothingLaunched(Machine m) {
    if (!mayHaveLaunched(m)) {
      forget(m.object.uid());
      return true;
    }
    Instant since = Instant.parse(m.object.getMetadata().getCreationTimestamp());
    since = later(since, m.conditions.since(InstanceConditions.LAUNCHED).orElse(since));
    since =
        later(
            since, ledger.attempt(m.object.uid()).map(LaunchLedger.Attempt::sentAt).orElse(since));
    Instant deadline = since.plus(launchGrace);
    if (!m.now.isBefore(deadline)) {
      log.info(
          "machine {}: no instance appeared within {} of its last launch attempt; letting it go",
          m.name(),
          Durations.format(launchGrace));
      forget(m.object.uid());
      return true;
    }
    setPhaseConditions(m, "waiting to see whether a launch that may have landed shows up");
    Duration left = Duration.between(m.now, deadline);
    m.requeueWithin(left.compareTo(refreshPeriod) < 0 ? left : refreshPeriod);
    return false;
  }

  /**
   * Whether a RunInstances for the machine may have reached EC2 without its instance being known:
   * this process sent one, status says an attempt's outcome is unknown, or the machine was created
   * before this process started and its history is not known (unless EC2 refused its launch).
   */
  private boolean mayHaveLaunched(Machine m) {
    if (ledger.attempt(m.object.uid()).isPresent()
        || m.conditions.isUnknown(InstanceConditions.LAUNCHED)) {
      return true;
    }
    if (m.conditions.isFalse(InstanceConditions.LAUNCHED)
        && InstanceReason.valueOf(m.conditions.reason(InstanceConditions.LAUNCHED)).endsLaunch()) {
      return false;
    }
    return !ledger.createdHere(m.object.uid());
  }

  /** One drain step; true once the node's pods are gone. */
  private boolean drain(Machine m) {
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
    if (refusedAt != null && m.now.isBefore(refusedAt.plus(refreshPeriod))) {
      m.requeueWithin(Duration.between(m.now, refusedAt.plus(refreshPeriod)));
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
      drainRefused.put(m.object.uid(), m.now);
      String message =
          "the API server refused to cordon or drain node "
              + nodeName
              + " ("
              + NodeWriteRefusals.describe(e)
              + "); trying again every "
              + Durations.format(refreshPeriod);
      log.warn("machine {}: {}", m.name(), message);
      m.conditions.set(InstanceConditions.DRAINING, true, InstanceReason.NodeWriteRefused, message);
      if (m.conditions.transitioned(InstanceConditions.DRAINING)) {
        events.warning(m.object, EventReason.NodeWriteRefused, message);
      }
      m.requeueWithin(refreshPeriod);
      return false;
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
    m.requeueWithin(DRAIN_STEP);
    return false;
  }

  /** Terminates the instance; true once EC2 reports it shutting down or gone. */
  private boolean terminate(Machine m, String id) {
    Map<String, InstanceState> states;
    try {
      states = cloud.terminate(List.of(id));
    } catch (CloudException e) {
      log.warn("machine {}: terminating {} failed: {}", m.name(), id, e.getMessage());
      setPhaseConditions(m, "terminating " + id + " failed, retrying: " + e.getMessage());
      m.requeueWithin(Duration.ofSeconds(10));
      return false;
    }
    InstanceState state = states.get(id);
    if (state != null) {
      listing.recordState(id, state);
      listing.byId(id).ifPresent(m::observed);
    }
    metrics.terminated(m.object.poolName(), 1);
    try (var mdc = MDC.putCloseable(LogFields.INSTANCE, id)) {
      events.normal(
          m.object,
          EventReason.Terminating,
          "terminating " + id + (state == null ? "" : ": EC2 reports " + state.wireName()));
    }
    if (state != null && state.isActive()) {
      setPhaseConditions(m, "EC2 reports " + state.wireName() + "; waiting for shutting-down");
      m.requeueWithin(refreshPeriod);
      return false;
    }
    setPhaseConditions(m, "terminated " + id);
    return true;
  }

  /** Ready=False while the machine leaves: Draining while its node drains, else Terminating. */
  static InstancePhase phase(Machine m) {
    boolean draining =
        m.node != null
            && m.conditions.isTrue(InstanceConditions.DRAINING)
            && !m.conditions.isTrue(InstanceConditions.DRAINED);
    return draining ? InstancePhase.Draining : InstancePhase.Terminating;
  }

  private static void setPhaseConditions(Machine m, String message) {
    m.conditions.set(InstanceConditions.READY, false, InstanceReason.Terminating, message);
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private void forget(String uid) {
    ledger.forget(uid);
    reportedRefusals.remove(uid);
    drainRefused.remove(uid);
  }
}
