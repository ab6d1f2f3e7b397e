package io.nestedvirt.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ProbeDeadlineTest {
  @Test
  void aProbeThatNeverReturnsBecomesATimedOutVerdict() {
    CountDownLatch never = new CountDownLatch(1);
    KvmVerdict verdict =
        ProbeVerdicts.withDeadline(
            () -> {
              try {
                never.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return new KvmVerdict(true, "KvmVerified", "unreachable");
            },
            Duration.ofMillis(200));

    assertThat(verdict.verified()).isFalse();
    assertThat(verdict.reason()).isEqualTo("ProbeTimedOut");
    never.countDown();
  }

  @Test
  void aProbeWithinTheDeadlineGivesItsOwnVerdict() {
    KvmVerdict verdict =
        ProbeVerdicts.withDeadline(
            () -> new KvmVerdict(true, "KvmVerified", "ok"), Duration.ofSeconds(5));
    assertThat(verdict).isEqualTo(new KvmVerdict(true, "KvmVerified", "ok"));
  }
}
