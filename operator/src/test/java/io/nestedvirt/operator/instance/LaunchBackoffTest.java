package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LaunchBackoffTest {
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");
  private final LaunchBackoff backoff = new LaunchBackoff();

  @Test
  void aPoolsFailedLaunchesWaitOneSecondDoublingUpToFiveMinutes() {
    Instant now = T0;
    for (int failure = 1; failure <= 12; failure++) {
      Duration wait = backoff.failed("pool", "m8i.large", "us-east-1a", "refused", now);
      Duration expected = Duration.ofSeconds(Math.min(1L << (failure - 1), 300));
      assertThat(wait).as("after failure %d", failure).isEqualTo(expected);
      assertThat(backoff.remaining("pool", "m8i.large", "us-east-1a", now)).isEqualTo(expected);
      now = now.plus(wait);
      assertThat(backoff.remaining("pool", "m8i.large", "us-east-1a", now)).isZero();
    }
  }

  @Test
  void aFallbackToAnOfferingNotTriedInTheStreakGoesAtOnce() {
    backoff.failed("pool", "m8i.large", "us-east-1a", "no capacity", T0);
    backoff.failed("pool", "m8i.large", "us-east-1a", "no capacity", T0);

    assertThat(backoff.remaining("pool", "m8i.large", "us-east-1b", T0)).isZero();
    assertThat(backoff.remaining("pool", "c8i.large", "us-east-1a", T0)).isZero();
    assertThat(backoff.remaining("pool", "m8i.large", "us-east-1a", T0)).isPositive();
    assertThat(backoff.remaining("other-pool", "m8i.large", "us-east-1a", T0))
        .as("per pool")
        .isZero();
  }

  @Test
  void aSuccessfulLaunchEndsTheStreak() {
    backoff.failed("pool", "m8i.large", "us-east-1a", "refused", T0);
    backoff.failed("pool", "m8i.large", "us-east-1a", "refused", T0);
    backoff.succeeded("pool");

    assertThat(backoff.remaining("pool", "m8i.large", "us-east-1a", T0)).isZero();
    assertThat(backoff.holding("pool", T0)).isEmpty();
    assertThat(backoff.failed("pool", "m8i.large", "us-east-1a", "refused", T0))
        .as("starts again at 1 s")
        .isEqualTo(Duration.ofSeconds(1));
  }
}
