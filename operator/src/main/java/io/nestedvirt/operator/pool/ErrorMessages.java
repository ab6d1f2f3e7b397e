package io.nestedvirt.operator.pool;

import io.javaoperatorsdk.operator.OperatorException;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.ReconcileRetry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** What a pool's status says about a failed reconcile. */
final class ErrorMessages {
  private static final int MAX_LENGTH = 400;

  private ErrorMessages() {}

  /**
   * The {@code Reconciling} message while a failed reconcile waits for its retry: the step, the
   * error, how many times in a row, and when the next attempt is ({@link ReconcileRetry}).
   *
   * @param attemptCount the retry's attempt count as JOSDK hands it to the error handler
   */
  static String retrying(String step, Exception e, int attemptCount, Instant now) {
    int failures = attemptCount + 1;
    Duration next = ReconcileRetry.delayAfter(attemptCount);
    return "reconcile failed"
        + (step == null ? "" : " in step " + step)
        + ": "
        + of(e)
        + "; failed "
        + failures
        + (failures == 1 ? " time" : " times in a row")
        + ", next in "
        + Durations.format(next)
        + " (at "
        + now.plus(next).truncatedTo(ChronoUnit.SECONDS)
        + ")";
  }

  /** An exception as a status names it: its type and message, and its cause's. */
  static String of(Throwable thrown) {
    Throwable e = thrown;
    // JOSDK wraps what the reconciler threw; the wrapper adds nothing a user needs.
    while (e instanceof OperatorException && e.getCause() != null) {
      e = e.getCause();
    }
    StringBuilder text = new StringBuilder(describe(e));
    Throwable cause = e.getCause();
    if (cause != null
        && cause != e
        && cause.getMessage() != null
        && (e.getMessage() == null || !e.getMessage().contains(cause.getMessage()))) {
      text.append(" (caused by ").append(describe(cause)).append(')');
    }
    return text.length() <= MAX_LENGTH ? text.toString() : text.substring(0, MAX_LENGTH) + "...";
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
  }
}
