package io.nestedvirt.operator.launch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Offerings (instance type in a zone) that recently refused a launch: for lack of capacity (for a
 * few minutes) or because the zone does not offer the type (for much longer). They are skipped
 * until then so the next launch goes to the next type or zone instead of failing again. Shared by
 * all pools: offerings are a property of the account and zone, not of a pool.
 */
public final class UnavailableOfferings {
  /**
   * How long a zone that refused a type as not offered there is avoided. Offerings change a few
   * times a year; an hour (the offerings cache's TTL too) costs one refused launch per hour at
   * most.
   */
  public static final Duration NOT_OFFERED = Duration.ofHours(1);

  private final Map<String, Instant> until = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration capacityCooldown;

  /**
   * @param capacityCooldown how long an offering without capacity is skipped (EC2 often has
   *     capacity again within minutes)
   */
  public UnavailableOfferings(Clock clock, Duration capacityCooldown) {
    this.clock = clock;
    this.capacityCooldown = capacityCooldown;
  }

  /** The offering had no capacity (or refused the type outright): skip it for the cooldown. */
  public void markNoCapacity(String instanceType, String zone) {
    mark(instanceType, zone, capacityCooldown);
  }

  /** The zone does not offer the type: skip it for {@link #NOT_OFFERED}. */
  public void markNotOffered(String instanceType, String zone) {
    mark(instanceType, zone, NOT_OFFERED);
  }

  /** Skips the offering for {@code duration}; a mark that lasts longer is kept. */
  private void mark(String instanceType, String zone, Duration duration) {
    Instant end = clock.instant().plus(duration);
    until.merge(key(instanceType, zone), end, (a, b) -> a.isAfter(b) ? a : b);
  }

  public boolean isUnavailable(String instanceType, String zone) {
    Instant end = until.get(key(instanceType, zone));
    if (end == null) {
      return false;
    }
    if (!clock.instant().isBefore(end)) {
      until.remove(key(instanceType, zone), end);
      return false;
    }
    return true;
  }

  /** How long until the first skipped offering becomes available again, if any is skipped. */
  public Optional<Duration> nextExpiry() {
    Instant now = clock.instant();
    return until.values().stream()
        .filter(now::isBefore)
        .min(Instant::compareTo)
        .map(end -> Duration.between(now, end));
  }

  private static String key(String instanceType, String zone) {
    return instanceType + "@" + zone;
  }
}
