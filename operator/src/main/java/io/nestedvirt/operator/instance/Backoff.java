package io.nestedvirt.operator.instance;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-machine exponential back-off for repeated launch attempts (throttling, an outcome EC2 left
 * uncertain, an account problem), so that a thousand machines retrying do not hammer EC2. Doubling
 * from {@code first} up to {@code max}; in memory, reset on success.
 */
final class Backoff {
  private record State(int failures, Instant notBefore) {}

  private final Duration first;
  private final Duration max;
  private final Map<String, State> states = new ConcurrentHashMap<>();

  Backoff(Duration first, Duration max) {
    this.first = first;
    this.max = max;
  }

  /** How long to wait before the next attempt for this machine; zero when it may go now. */
  Duration remaining(String uid, Instant now) {
    State s = states.get(uid);
    if (s == null || !now.isBefore(s.notBefore())) {
      return Duration.ZERO;
    }
    return Duration.between(now, s.notBefore());
  }

  /** Records a failed attempt; returns the wait before the next one. */
  Duration failed(String uid, Instant now) {
    State s =
        states.compute(
            uid,
            (k, before) -> {
              int failures = before == null ? 1 : before.failures() + 1;
              Duration wait = first.multipliedBy(1L << Math.min(failures - 1, 20));
              if (wait.compareTo(max) > 0) {
                wait = max;
              }
              return new State(failures, now.plus(wait));
            });
    return Duration.between(now, s.notBefore());
  }

  void reset(String uid) {
    states.remove(uid);
  }
}
