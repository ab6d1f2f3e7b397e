package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LogFields;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What happens behind a machine's finalizer once it is deleted (a scale-down, a replacement, its
 * pool's deletion, or {@code kubectl delete nvi}): cordon and drain its node through the Eviction
 * API (unless a scale-down drained it already), terminate the instance, wait until EC2 reports it
 * shutting down, wait (at most {@link #VOLUME_DETACH_TIMEOUT}) until no VolumeAttachment names the
 * node, delete the Node; only then may the finalizer go. Owns the condition VolumesDetached. A
 * machine whose launch may have landed without being recorded is not let go until its instance
 * would have been listed.
 */
final class Termination {
  private static final Logger log = LoggerFactory.getLogger(Termination.class);

  /**
   * How long a terminated instance's Node is kept while VolumeAttachments still name it. Deleting
   * the Node first leaves the attach/detach controller to force the detach after its own 6 minutes
   * (maxWaitForUnmountDuration), and the volume's next node waits as long; so past this, nothing is
   * gained by waiting, and the Node goes anyway.
   */
  static final Duration VOLUME_DETACH_TIMEOUT = Duration.ofMinutes(6);

  /**
   * How soon the attachments are looked at again while the Node waits for them. The
   * VolumeAttachment informer wakes the machine when one goes; this only bounds a missed event.
   * Reading the cache costs no request.
   */
  static final Duration VOLUME_CHECK = Duration.ofSeconds(5);

  /** Volumes named in a condition message or Event, at most, before "and n more". */
  private static final int VOLUMES_SHOWN = 5;

  private final CloudProvider cloud;
  private final InstanceListing listing;
  private final Drain drain;
  private final AttachedVolumes volumes;
  private final KubernetesClient client;
  private final LaunchLedger ledger;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Duration launchGrace;
  private final Duration refreshPeriod;
  private final BootstrapTokens tokens;

  Termination(
      CloudProvider cloud,
      InstanceListing listing,
      Drain drain,
      AttachedVolumes volumes,
      KubernetesClient client,
      LaunchLedger ledger,
      EventRecorder events,
      OperatorMetrics metrics,
      Duration launchGrace,
      Duration refreshPeriod,
      BootstrapTokens tokens) {
    this.tokens = tokens;
    this.cloud = cloud;
    this.listing = listing;
    this.drain = drain;
    this.volumes = volumes;
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
      if (m.node != null && !m.conditions.isTrue(InstanceConditions.DRAINED) && !drain.step(m)) {
        return false;
      }
      if (!terminate(m, id)) {
        return false;
      }
    }
    if (m.node != null) {
      if (!volumesDetached(m, id)) {
        return false;
      }
      client.nodes().withName(m.node.getMetadata().getName()).delete();
    }
    forget(m);
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
      forget(m);
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
      forget(m);
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
        && InstanceReason.endsLaunch(m.conditions.reason(InstanceConditions.LAUNCHED))) {
      return false;
    }
    return !ledger.createdHere(m.object.uid());
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

  /**
   * Whether the terminated instance's Node may go: no VolumeAttachment names it any more, so its
   * volumes are free for their next node; or they have had {@link #VOLUME_DETACH_TIMEOUT} since the
   * wait began (then a log line and an Event name what is left).
   */
  private boolean volumesDetached(Machine m, String id) {
    String nodeName = m.node.getMetadata().getName();
    List<String> attached = volumes.on(nodeName);
    if (attached.isEmpty()) {
      return true;
    }
    Instant since =
        m.conditions.isFalse(InstanceConditions.VOLUMES_DETACHED)
            ? m.conditions.since(InstanceConditions.VOLUMES_DETACHED).orElse(m.now)
            : m.now;
    Instant deadline = since.plus(VOLUME_DETACH_TIMEOUT);
    if (!m.now.isBefore(deadline)) {
      String message =
          "deleting node "
              + nodeName
              + " although "
              + volumesNamed(attached)
              + " still attached "
              + Durations.format(VOLUME_DETACH_TIMEOUT)
              + " after its instance "
              + id
              + " was terminated";
      log.warn("machine {}: {}", m.name(), message);
      try (var mdc = MDC.putCloseable(LogFields.INSTANCE, id)) {
        events.warning(m.object, EventReason.VolumesNotDetached, message);
      }
      return true;
    }
    String message =
        "instance "
            + id
            + " terminated; waiting for "
            + volumesNamed(attached)
            + " to detach from node "
            + nodeName
            + " (at most until "
            + deadline
            + ")";
    m.conditions.set(
        InstanceConditions.VOLUMES_DETACHED, false, InstanceReason.AwaitingVolumeDetach, message);
    setPhaseConditions(m, message);
    Duration left = Duration.between(m.now, deadline);
    m.requeueWithin(left.compareTo(VOLUME_CHECK) < 0 ? left : VOLUME_CHECK);
    return false;
  }

  /** "volume pv-a" or "volumes pv-a, pv-b and 4 more". */
  static String volumesNamed(List<String> volumes) {
    String shown = String.join(", ", volumes.subList(0, Math.min(VOLUMES_SHOWN, volumes.size())));
    return (volumes.size() == 1 ? "volume " : "volumes ")
        + shown
        + (volumes.size() > VOLUMES_SHOWN
            ? " and " + (volumes.size() - VOLUMES_SHOWN) + " more"
            : "");
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

  /** The machine is done; its bootstrap token, if it still has one, goes with it. */
  private void forget(Machine m) {
    if (tokens.mayHold(m.pool, m.object.uid())) {
      tokens.revoke(m.object.uid(), "machine " + m.name() + " is gone");
    }
    String uid = m.object.uid();
    ledger.forget(uid);
    drain.forget(uid);
  }
}
