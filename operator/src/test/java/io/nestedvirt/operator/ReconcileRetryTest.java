package io.nestedvirt.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The delays a status quotes are the ones JOSDK really waits, and they stop at 5 minutes. */
class ReconcileRetryTest {
  @Test
  void quotedDelaysMatchJosdksRetryAndAreCappedAtFiveMinutes() {
    RetryExecution josdk =
        new GenericRetry()
            .setMaxAttempts(ReconcileRetry.MAX_ATTEMPTS)
            .setInitialInterval(ReconcileRetry.INITIAL_MILLIS)
            .setIntervalMultiplier(ReconcileRetry.MULTIPLIER)
            .setMaxInterval(ReconcileRetry.MAX_MILLIS)
            .initExecution();
    for (int failure = 1; failure <= 40; failure++) {
      int attemptsSeenByTheHandler = josdk.getAttemptCount();
      Duration quoted = ReconcileRetry.delayAfter(attemptsSeenByTheHandler);
      long waited = josdk.nextDelay().orElseThrow();
      assertThat(quoted.toMillis()).as("delay after failure %d", failure).isEqualTo(waited);
    }
    assertThat(ReconcileRetry.delayAfter(40)).isEqualTo(Duration.ofMinutes(5));
    assertThat(ReconcileRetry.delayAfter(9)).isEqualTo(Duration.ofSeconds(256));
  }
}
