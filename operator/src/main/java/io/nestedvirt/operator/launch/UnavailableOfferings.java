package io.nestedvirt.operator.launch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Offerings (instance type in a zone) that recently answered "insufficient capacity". They are
 * skipped for a while so the next launch goes to the next type or zone instead of failing again.
 * Shared by all pools: capacity is a property of the account and zone, not of a pool.
 */
public final class UnavailableOfferings {
  private final Map<String, Instant> until = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration ttl;

  public UnavailableOfferings(Clock clock, Duration ttl) {
    this.clock = clock;
    this.ttl = ttl;
  }

  public void markUnavailable(String instanceType, String zone) {
    until.put(key(instanceType, zone), clock.instant().plus(ttl));
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
