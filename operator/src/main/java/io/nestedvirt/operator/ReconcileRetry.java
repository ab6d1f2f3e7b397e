package io.nestedvirt.operator;

import java.time.Duration;

/**
 * How both controllers retry a reconcile that threw: JOSDK's {@code @GradualRetry} reads these
 * numbers, and the pool's status quotes the next attempt computed from them. Never giving up
 * matters more than the numbers: a reconcile that gave up would wait for the next event or for
 * {@code maxReconciliationInterval}, and a pool created while every EC2 call failed would have no
 * status at all. Exponential from 1 s, doubling, at most 5 minutes apart.
 */
public final class ReconcileRetry {
  /** Unlimited: JOSDK's {@code maxAttempts = -1}. */
  public static final int MAX_ATTEMPTS = -1;

  public static final long INITIAL_MILLIS = 1_000;
  public static final double MULTIPLIER = 2;
  public static final long MAX_MILLIS = 5 * 60 * 1_000;

  private ReconcileRetry() {}

  /**
   * The wait JOSDK's GenericRetry schedules after a failure, given the retry's attempt count as the
   * error handler sees it (0 at the first failure): 1 s, 1 s, 2 s, 4 s, ... up to 5 minutes (JOSDK
   * repeats the initial interval once before it starts doubling).
   */
  public static Duration delayAfter(int attemptCount) {
    double millis = INITIAL_MILLIS * Math.pow(MULTIPLIER, Math.max(0, attemptCount - 1));
    return Duration.ofMillis((long) Math.min(millis, MAX_MILLIS));
  }
}
