package io.nestedvirt.operator.autoscaling;

import io.nestedvirt.operator.OperatorSettings;
import java.time.Instant;

/**
 * When to decide on the pending pods gathered so far, as Karpenter batches: once no new one has
 * come for the idle time, or at the latest the maximum time after the first one. Thread-safe; pure
 * apart from the instants it is given.
 */
final class Batch {
  private final OperatorSettings.Batching settings;
  private Instant first;
  private Instant last;

  Batch(OperatorSettings.Batching settings) {
    this.settings = settings;
  }

  /** A pending pod came (or changed so that it counts) at {@code now}. */
  synchronized void arrived(Instant now) {
    if (first == null) {
      first = now;
    }
    last = now;
  }

  /** Whether the batch is complete at {@code now}; if so it is emptied, and due only once. */
  synchronized boolean takeIfDue(Instant now) {
    if (first == null) {
      return false;
    }
    boolean quiet = !now.isBefore(last.plus(settings.idle()));
    boolean full = !now.isBefore(first.plus(settings.max()));
    if (!quiet && !full) {
      return false;
    }
    first = null;
    last = null;
    return true;
  }
}
