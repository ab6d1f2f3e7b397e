package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.launch.LaunchConfig;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The pool's LaunchConfigValid condition. Launch settings are resolved only when machines are to be
 * created, so a steady pool costs no Describe call; a verdict of "invalid" is rechecked until it
 * clears, and a spec change at once. A pool none of whose zones offers any of its types is invalid
 * too (one zone without the type is not: placement avoids it). When EC2 refused a machine's launch
 * for its parameters, the pool stays Stalled until its spec changes or a machine launches, and
 * tries again only once per offering cooldown.
 */
final class LaunchConfigCheck {
  private final LaunchConfigResolver resolver;
  private final CloudProvider cloud;
  private final EventRecorder events;
  private final Duration retryAfterRefusal;

  LaunchConfigCheck(
      LaunchConfigResolver resolver,
      CloudProvider cloud,
      EventRecorder events,
      Duration retryAfterRefusal) {
    this.resolver = resolver;
    this.cloud = cloud;
    this.events = events;
    this.retryAfterRefusal = retryAfterRefusal;
  }

  /** Whether the condition must be checked again though nothing is to be launched. */
  static boolean needsRecheck(NestedVirtPool pool, PoolConditions conditions, Long observed) {
    return !conditions.isTrue(ConditionType.LAUNCH_CONFIG_VALID)
        || !pool.getMetadata().getGeneration().equals(observed);
  }

  /** Records a refusal a machine's launch met, so the pool stalls with EC2's reason. */
  static void refused(PoolConditions conditions, NestedVirtInstance machine, String message) {
    conditions.set(
        ConditionType.LAUNCH_CONFIG_VALID,
        false,
        ConditionReason.LaunchRefused,
        "EC2 refused to launch " + machine.getSpec().instanceType + ": " + message);
  }

  /** The pool's launch config, or empty with LaunchConfigValid=False saying why. */
  Optional<LaunchConfig> resolve(
      NestedVirtPool pool, PoolConditions conditions, List<NestedVirtInstance> machines) {
    LaunchConfigResolver.Result result = resolver.resolve(pool);
    if (result instanceof LaunchConfigResolver.Invalid invalid) {
      return invalid(
          pool, conditions, ConditionReason.valueOf(invalid.problem().name()), invalid.message());
    }
    LaunchConfig config = ((LaunchConfigResolver.Resolved) result).config();
    Optional<String> noOffering =
        OfferingCheck.problem(
            pool.getSpec().instanceTypes,
            config.subnets(),
            cloud.zoneOfferings(),
            cloud.capableInstanceTypes());
    if (noOffering.isPresent()) {
      return invalid(pool, conditions, ConditionReason.NoOffering, noOffering.get());
    }
    if (standingRefusal(pool, conditions).filter(r -> !launchedSince(machines, r)).isEmpty()) {
      conditions.set(
          ConditionType.LAUNCH_CONFIG_VALID,
          true,
          ConditionReason.Resolved,
          "subnets, security groups, image and bootstrap resolved");
    }
    return Optional.of(config);
  }

  private Optional<LaunchConfig> invalid(
      NestedVirtPool pool, PoolConditions conditions, ConditionReason reason, String message) {
    conditions.set(ConditionType.LAUNCH_CONFIG_VALID, false, reason, message);
    if (conditions.transitioned(ConditionType.LAUNCH_CONFIG_VALID)) {
      events.warning(pool, EventReason.LaunchConfigInvalid, message);
    }
    return Optional.empty();
  }

  /** How long to wait before launching again after a refusal; empty when not waiting. */
  Optional<Duration> holdAfterRefusal(NestedVirtPool pool, PoolConditions conditions, Instant now) {
    return standingRefusal(pool, conditions)
        .map(r -> Instant.parse(r.lastTransitionTime).plus(retryAfterRefusal))
        .filter(now::isBefore)
        .map(retry -> Duration.between(now, retry));
  }

  /** LaunchConfigValid=False for a refusal, for the spec as it is now. */
  private static Optional<Condition> standingRefusal(
      NestedVirtPool pool, PoolConditions conditions) {
    return conditions
        .get(ConditionType.LAUNCH_CONFIG_VALID)
        .filter(c -> "False".equals(c.status))
        .filter(c -> ConditionReason.LaunchRefused.name().equals(c.reason))
        .filter(c -> pool.getMetadata().getGeneration().equals(c.observedGeneration));
  }

  /** Whether a machine of the pool launched after the refusal. */
  private static boolean launchedSince(List<NestedVirtInstance> machines, Condition refusal) {
    Instant since = Instant.parse(refusal.lastTransitionTime);
    return machines.stream()
        .map(m -> m.getStatus() == null ? null : m.getStatus().launchTime)
        .filter(t -> t != null)
        .anyMatch(t -> Instant.parse(t).isAfter(since));
  }
}
