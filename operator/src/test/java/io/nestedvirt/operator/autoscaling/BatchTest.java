package io.nestedvirt.operator.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.OperatorSettings;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BatchTest {
  private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
  private final Batch batch =
      new Batch(new OperatorSettings.Batching(Duration.ofSeconds(1), Duration.ofSeconds(10)));

  @Test
  void anEmptyBatchIsNeverDue() {
    assertThat(batch.takeIfDue(T0.plusSeconds(60))).isFalse();
  }

  @Test
  void aBatchIsDueOnceNoPodCameForTheIdleTimeAndOnlyOnce() {
    batch.arrived(T0);
    batch.arrived(T0.plusMillis(800));

    assertThat(batch.takeIfDue(T0.plusMillis(1500))).as("800 ms + 1 s not over").isFalse();
    assertThat(batch.takeIfDue(T0.plusMillis(1800))).isTrue();
    assertThat(batch.takeIfDue(T0.plusMillis(1900))).as("taken").isFalse();
  }

  @Test
  void aSteadyStreamOfPodsIsDecidedOnAtTheMaximumAfterTheFirst() {
    for (int ms = 0; ms < 9_900; ms += 500) {
      batch.arrived(T0.plusMillis(ms));
      assertThat(batch.takeIfDue(T0.plusMillis(ms))).as("at %d ms", ms).isFalse();
    }
    batch.arrived(T0.plusMillis(9_900));

    assertThat(batch.takeIfDue(T0.plusSeconds(10))).isTrue();
  }

  @Test
  void anIdleTimeLongerThanTheMaximumIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new OperatorSettings.Batching(Duration.ofSeconds(11), Duration.ofSeconds(10)))
        .hasMessageContaining("must not be longer than the batch maximum");
  }
}
