package io.nestedvirt.operator.instance;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-pool back-off for launches that keep failing (EC2 refusing the parameters, the account
 * unauthorized, no capacity anywhere): after the pool's n-th failed launch in a row its next launch
 * waits 1 s doubling up to 5 minutes, however many machines the pool replaces meanwhile, instead of
 * one RunInstances per machine per refresh. A successful launch ends the streak.
 *
 * <p>A launch into an offering (type and zone) that has not failed in the current streak goes at
 * once: falling back to another type or zone is how a pool recovers, and must not wait. Only
 * launches into offerings that already failed wait, so the back-off bites once the pool has tried
 * what it has.
 *
 * <p>In memory: a restarted operator starts every pool again at 1 s.
 */
public final class LaunchBackoff {
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofMinutes(5);

  /** A pool's current streak of failed launches. */
  public record Streak(int failures, Instant notBefore, String lastError, Set<String> offerings) {}

  private final Map<String, Streak> byPool = new ConcurrentHashMap<>();

  /** How long a launch of {@code offering} for the pool must still wait; zero to go now. */
  Duration remaining(String poolUid, String instanceType, String zone, Instant now) {
    Streak s = byPool.get(poolUid);
    if (s == null
        || !s.offerings().contains(offering(instanceType, zone))
        || !now.isBefore(s.notBefore())) {
      return Duration.ZERO;
    }
    return Duration.between(now, s.notBefore());
  }

  /** Records a failed launch; returns the wait before the pool's next one. */
  Duration failed(String poolUid, String instanceType, String zone, String error, Instant now) {
    Streak s =
        byPool.compute(
            poolUid,
            (k, before) -> {
              int failures = before == null ? 1 : before.failures() + 1;
              Set<String> offerings = new HashSet<>(before == null ? Set.of() : before.offerings());
              offerings.add(offering(instanceType, zone));
              return new Streak(failures, now.plus(delay(failures)), error, Set.copyOf(offerings));
            });
    return Duration.between(now, s.notBefore());
  }

  void succeeded(String poolUid) {
    byPool.remove(poolUid);
  }

  /** The pool's streak while its launches are held back; empty when it may launch at once. */
  public Optional<Streak> holding(String poolUid, Instant now) {
    return Optional.ofNullable(byPool.get(poolUid)).filter(s -> now.isBefore(s.notBefore()));
  }

  public void forget(String poolUid) {
    byPool.remove(poolUid);
  }

  static Duration delay(int failures) {
    Duration wait = FIRST.multipliedBy(1L << Math.min(failures - 1, 20));
    return wait.compareTo(MAX) > 0 ? MAX : wait;
  }

  private static String offering(String instanceType, String zone) {
    return instanceType + "@" + zone;
  }
}
