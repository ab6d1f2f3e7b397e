package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.PoolCapacityType;
import io.nestedvirt.operator.cloud.ClientTokenReusedException;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceTypeNotOfferedException;
import io.nestedvirt.operator.cloud.InsufficientCapacityException;
import io.nestedvirt.operator.cloud.LaunchRefusedException;
import io.nestedvirt.operator.cloud.SpotRefusedException;
import io.nestedvirt.operator.cloud.ThrottledException;
import io.nestedvirt.operator.cloud.UnsupportedInstanceTypeException;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.launch.ClientTokens;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import io.nestedvirt.operator.launch.LaunchRequestFactory;
import io.nestedvirt.operator.launch.LaunchSettingsHash;
import io.nestedvirt.operator.launch.SpotRefusals;
import io.nestedvirt.operator.launch.UnavailableOfferings;
import io.nestedvirt.operator.launch.UserData;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.bootstrap.BootstrapToken;
import io.nestedvirt.operator.node.bootstrap.BootstrapTokenSecret;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.MDC;

/**
 * The launch step; owns the condition Launched. A machine is launched once, under a client token
 * derived from its uid: a failure whose outcome is uncertain (a time-out, a lost response, a 5xx or
 * throttling after the SDK's own retries) keeps the machine and repeats the same call later, and
 * EC2 answers a repeat with the instance the first call created, so one decision can never become
 * two instances. Before any call the listing is searched for that token, so an endpoint that
 * ignores tokens (moto) is not relied on either. Only a definite refusal ends the machine as
 * Failed, and the pool decides again.
 *
 * <p>A kubeadm machine's instance joins with a bootstrap token of its own ({@link
 * BootstrapTokens}), whose Secret is created before the RunInstances that carries it.
 */
final class Launch {
  private final CloudProvider cloud;
  private final InstanceListing listing;
  private final LaunchConfigResolver resolver;
  private final LaunchRequestFactory requests;
  private final UnavailableOfferings offerings;
  private final LaunchLedger ledger;
  private final Backoff backoff;
  private final LaunchBackoff poolBackoff;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final BootstrapTokens tokens;
  private final SpotRefusals spotRefusals;

  Launch(
      CloudProvider cloud,
      InstanceListing listing,
      LaunchConfigResolver resolver,
      LaunchRequestFactory requests,
      UnavailableOfferings offerings,
      LaunchLedger ledger,
      Backoff backoff,
      LaunchBackoff poolBackoff,
      EventRecorder events,
      OperatorMetrics metrics,
      BootstrapTokens tokens,
      SpotRefusals spotRefusals) {
    this.tokens = tokens;
    this.spotRefusals = spotRefusals;
    this.cloud = cloud;
    this.listing = listing;
    this.resolver = resolver;
    this.requests = requests;
    this.offerings = offerings;
    this.ledger = ledger;
    this.backoff = backoff;
    this.poolBackoff = poolBackoff;
    this.events = events;
    this.metrics = metrics;
  }

  void reconcile(Machine m) {
    if (m.instanceId() != null) {
      listing.byId(m.instanceId()).ifPresent(m::observed);
      if (!m.conditions.isTrue(InstanceConditions.LAUNCHED)) {
        m.conditions.set(
            InstanceConditions.LAUNCHED,
            true,
            InstanceReason.Launched,
            m.object.getSpec().instanceId != null
                ? "adopted " + m.instanceId() + ", which ran before this object existed"
                : "launched " + m.instanceId());
      }
      return;
    }
    if (endedBefore(m)) {
      return;
    }
    String token = ClientTokens.forInstance(m.object.uid());
    Optional<Instance> found = listing.byClientToken(token);
    if (found.isPresent()) {
      recorded(m, found.get(), "found by its client token in the listing");
      return;
    }
    if (m.pool == null) {
      m.conditions.set(
          InstanceConditions.LAUNCHED,
          false,
          InstanceReason.PoolNotFound,
          "pool " + m.object.poolName() + " is gone; the garbage collector removes this machine");
      return;
    }
    if (m.pool.getMetadata().getDeletionTimestamp() != null) {
      return; // the pool is removing its machines
    }
    NestedVirtInstanceSpec spec = m.object.getSpec();
    if (!spec.launchSettingsHash.equals(LaunchSettingsHash.of(m.pool.getSpec()))
        && !mayHaveLaunched(m)) {
      m.conditions.set(
          InstanceConditions.LAUNCHED,
          false,
          InstanceReason.LaunchSettingsChanged,
          "the pool's launch settings changed before this machine launched; the pool decides"
              + " again");
      return;
    }
    Duration wait = backoff.remaining(m.object.uid(), m.now);
    if (wait.isZero()) {
      wait = poolBackoff.remaining(m.pool.uid(), spec.instanceType, spec.zone, m.now);
    }
    if (!wait.isZero()) {
      m.requeueWithin(wait);
      return;
    }
    var resolved = resolver.resolve(m.pool);
    if (resolved instanceof LaunchConfigResolver.Invalid invalid) {
      m.conditions.set(
          InstanceConditions.LAUNCHED,
          false,
          InstanceReason.LaunchConfigInvalid,
          "cannot launch yet: " + invalid.message());
      m.requeueWithin(backoff.failed(m.object.uid(), m.now));
      return;
    }
    var config = ((LaunchConfigResolver.Resolved) resolved).config();
    Optional<String> userData = userData(m, config.userData());
    if (userData.isEmpty()) {
      return;
    }
    ledger.sending(m.object.uid(), m.now);
    try {
      List<Instance> launched =
          cloud.launch(
              requests.build(
                  m.pool,
                  config,
                  userData.get(),
                  token,
                  spec.instanceType,
                  spec.subnetId,
                  spec.capacityType));
      Instance instance = launched.getFirst();
      poolBackoff.succeeded(m.pool.uid());
      ledger.launched(m.object.uid(), instance.id());
      listing.recordLaunched(instance);
      metrics.launched(m.object.poolName(), spec.instanceType, 1);
      recorded(m, instance, spec.instanceType + " in " + spec.zone + " (" + spec.subnetId + ")");
      // What we asked for, whether or not the answer (or an emulator) echoes it.
      m.status.imageId = config.imageId();
    } catch (InsufficientCapacityException e) {
      poolFailed(m, e);
      ledger.refused(m.object.uid());
      offerings.markNoCapacity(spec.instanceType, spec.zone);
      ended(m, InstanceReason.InsufficientCapacity, e.getMessage(), EventReason.CapacityFallback);
    } catch (InstanceTypeNotOfferedException e) {
      // Not the spec's fault: the type is fine elsewhere. The zone is avoided for long, and the
      // pool places the successor in another zone or on the next type; it does not stall.
      ledger.refused(m.object.uid());
      offerings.markNotOffered(spec.instanceType, spec.zone);
      ended(m, InstanceReason.NotOffered, e.getMessage(), EventReason.OfferingFallback);
    } catch (UnsupportedInstanceTypeException e) {
      poolFailed(m, e);
      ledger.refused(m.object.uid());
      offerings.markNoCapacity(spec.instanceType, spec.zone);
      ended(m, InstanceReason.LaunchRefused, e.getMessage(), EventReason.LaunchFailed);
    } catch (SpotRefusedException e) {
      // EC2's answer for the type on Spot, not for this machine: remembered for every pool, and
      // a pool that may fall back launches the successor on-demand.
      spotRefusals.refused(spec.instanceType, e.getMessage());
      ledger.refused(m.object.uid());
      boolean fallsBack = m.pool.getSpec().capacityType == PoolCapacityType.SPOT_THEN_ON_DEMAND;
      if (!fallsBack) {
        poolFailed(m, e);
      }
      ended(
          m,
          InstanceReason.SpotRefused,
          e.getMessage()
              + (fallsBack
                  ? "; spec.capacityType is spot-then-on-demand: "
                      + spec.instanceType
                      + " launches on-demand for "
                      + Durations.format(SpotRefusals.REMEMBERED)
                  : "; spec.capacityType is spot: set spot-then-on-demand or on-demand"),
          fallsBack ? EventReason.SpotFallback : EventReason.LaunchFailed);
    } catch (LaunchRefusedException e) {
      poolFailed(m, e);
      ledger.refused(m.object.uid());
      ended(m, InstanceReason.LaunchRefused, e.getMessage(), EventReason.LaunchFailed);
    } catch (ClientTokenReusedException e) {
      findAfterReuse(m, token, e);
    } catch (ThrottledException e) {
      retry(m, InstanceReason.Throttled, e);
    } catch (CloudException e) {
      if (!e.retryable()) {
        poolFailed(m, e);
      }
      retry(m, e.retryable() ? InstanceReason.LaunchUncertain : InstanceReason.CloudError, e);
    }
  }

  /**
   * The instance's user data; for kubeadm with the machine's bootstrap token, whose Secret exists
   * once this returns. Empty when the token cannot be made: the machine says why and tries again.
   */
  private Optional<String> userData(Machine m, UserData userData) {
    if (!userData.needsToken()) {
      return Optional.of(userData.text(null));
    }
    BootstrapToken token;
    try {
      token = tokens.forLaunch(m.object, Durations.parse(m.pool.getSpec().joinTimeout), m.now);
    } catch (KubernetesClientException e) {
      String message =
          "cannot create the instance's bootstrap token Secret in "
              + BootstrapTokenSecret.NAMESPACE
              + " ("
              + (e.getCode() == 0 ? e.getMessage() : "HTTP " + e.getCode() + ": " + e.getMessage())
              + "); the operator needs create, list and delete on secrets there (the chart's Role"
              + " in "
              + BootstrapTokenSecret.NAMESPACE
              + ")";
      if (!InstanceReason.BootstrapTokenFailed.name()
          .equals(m.conditions.reason(InstanceConditions.LAUNCHED))) {
        events.warning(m.object, EventReason.BootstrapTokenFailed, message);
      }
      if (m.conditions.isUnknown(InstanceConditions.LAUNCHED)) {
        // An earlier attempt's outcome is still unknown: keep saying so.
        m.conditions.unknown(
            InstanceConditions.LAUNCHED, InstanceReason.BootstrapTokenFailed, message);
      } else {
        m.conditions.set(
            InstanceConditions.LAUNCHED, false, InstanceReason.BootstrapTokenFailed, message);
      }
      m.requeueWithin(backoff.failed(m.object.uid(), m.now));
      return Optional.empty();
    }
    return Optional.of(userData.text(token));
  }

  /**
   * A definite failure counts against the pool (see {@link LaunchBackoff}); one whose outcome is
   * uncertain does not, since it may have launched and is repeated with the same token anyway.
   */
  private void poolFailed(Machine m, CloudException e) {
    NestedVirtInstanceSpec spec = m.object.getSpec();
    poolBackoff.failed(m.pool.uid(), spec.instanceType, spec.zone, e.getMessage(), m.now);
  }

  /** A launch EC2 refused outright ends with the machine Failed (the pool replaces it). */
  private static boolean endedBefore(Machine m) {
    return m.conditions.isFalse(InstanceConditions.LAUNCHED)
        && InstanceReason.endsLaunch(m.conditions.reason(InstanceConditions.LAUNCHED));
  }

  /**
   * Whether a RunInstances for this machine may have reached EC2 without its answer being recorded:
   * status says an attempt's outcome is unknown, or this process sent one.
   */
  private boolean mayHaveLaunched(Machine m) {
    return m.conditions.isUnknown(InstanceConditions.LAUNCHED)
        || ledger.attempt(m.object.uid()).isPresent();
  }

  private void recorded(Machine m, Instance instance, String how) {
    backoff.reset(m.object.uid());
    m.observed(instance);
    m.conditions.set(
        InstanceConditions.LAUNCHED, true, InstanceReason.Launched, "launched " + instance.id());
    try (var mdc = MDC.putCloseable(LogFields.INSTANCE, instance.id())) {
      events.normal(m.object, EventReason.Launched, "launched " + instance.id() + ": " + how);
    }
  }

  private void ended(Machine m, InstanceReason reason, String message, EventReason event) {
    backoff.reset(m.object.uid());
    m.conditions.set(InstanceConditions.LAUNCHED, false, reason, message);
    events.warning(m.object, event, message + "; the pool launches a replacement elsewhere");
  }

  /** EC2 says the token launched before: find that launch rather than launching again. */
  private void findAfterReuse(Machine m, String token, ClientTokenReusedException e) {
    try {
      Optional<Instance> earlier = cloud.findByClientToken(token).stream().findFirst();
      if (earlier.isPresent()) {
        listing.recordLaunched(earlier.get());
        recorded(m, earlier.get(), "an earlier attempt launched it (" + e.code() + ")");
        return;
      }
    } catch (CloudException lookup) {
      e.addSuppressed(lookup);
    }
    retry(m, InstanceReason.LaunchUncertain, e);
  }

  /** Keeps the machine and repeats the same call (same token) after a back-off. */
  private void retry(Machine m, InstanceReason reason, CloudException e) {
    Duration wait = backoff.failed(m.object.uid(), m.now);
    String message =
        switch (reason) {
          case CloudError -> "EC2 refused the launch; retrying: " + e.getMessage();
          case Throttled -> "RunInstances throttled; repeating with the same client token";
          default ->
              "RunInstances outcome unknown; repeating with the same client token: "
                  + e.getMessage();
        };
    if (reason == InstanceReason.CloudError) {
      m.conditions.set(InstanceConditions.LAUNCHED, false, reason, message);
    } else {
      m.conditions.unknown(InstanceConditions.LAUNCHED, reason, message);
    }
    m.requeueWithin(wait);
  }
}
