package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.ThrottledException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class AwsInstanceTypeCacheTest {

  /** A clock the test moves by hand. */
  static final class ManualClock extends Clock {
    private Instant now = Instant.parse("2026-11-02T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private static final InstanceType C8I =
      new InstanceType("c8i.large", List.of("x86_64"), true, false, 2, 4096, 3, 20);

  private final ManualClock clock = new ManualClock();
  private final AtomicInteger loads = new AtomicInteger();
  private RuntimeException failure;

  private final Supplier<List<InstanceType>> loader =
      () -> {
        loads.incrementAndGet();
        if (failure != null) {
          throw failure;
        }
        return List.of(C8I);
      };

  private final InstanceTypeCache cache = new InstanceTypeCache(loader, Duration.ofHours(1), clock);

  @Test
  void readsTheCatalogOnceWithinTheTtl() {
    for (int i = 0; i < 10; i++) {
      assertThat(cache.catalog()).containsOnlyKeys("c8i.large");
      clock.advance(Duration.ofMinutes(5));
    }

    assertThat(loads).as("catalog reads in 50 minutes").hasValue(1);
  }

  @Test
  void rereadsTheCatalogOnceTheTtlHasPassed() {
    cache.catalog();
    clock.advance(Duration.ofHours(1));
    cache.catalog();

    assertThat(loads).hasValue(2);
  }

  @Test
  void keepsServingTheOldCatalogWhenARefreshFails() {
    cache.catalog();
    clock.advance(Duration.ofHours(2));
    failure = new ThrottledException("RequestLimitExceeded", "slow down", null);

    assertThat(cache.catalog()).containsOnlyKeys("c8i.large");
    failure = null;
    assertThat(cache.catalog()).containsOnlyKeys("c8i.large");
    assertThat(loads).as("a failed refresh is retried on the next call").hasValue(3);
  }

  @Test
  void failsWhenTheFirstReadFails() {
    failure = new ThrottledException("RequestLimitExceeded", "slow down", null);

    assertThatThrownBy(cache::catalog).isInstanceOf(ThrottledException.class);
  }
}
