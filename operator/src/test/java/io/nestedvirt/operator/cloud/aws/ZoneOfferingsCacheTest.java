package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.ThrottledException;
import io.nestedvirt.operator.cloud.ZoneOfferings;
import io.nestedvirt.operator.cloud.aws.AwsInstanceTypeCacheTest.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ZoneOfferingsCacheTest {
  private static final ZoneOfferings M8I_IN_A =
      ZoneOfferings.of(List.of(Map.entry("m8i.large", "us-east-1a")));

  private final ManualClock clock = new ManualClock();
  private final AtomicInteger loads = new AtomicInteger();
  private CloudException failure;

  private final ZoneOfferingsCache cache =
      new ZoneOfferingsCache(
          () -> {
            loads.incrementAndGet();
            if (failure != null) {
              throw failure;
            }
            return M8I_IN_A;
          },
          Duration.ofHours(1),
          clock);

  @Test
  void readsOfferingsOnceWithinTheTtl() {
    for (int i = 0; i < 10; i++) {
      assertThat(cache.offerings().offers("m8i.large", "us-east-1b")).isFalse();
      clock.advance(Duration.ofMinutes(5));
    }
    assertThat(loads).as("offering reads in 50 minutes").hasValue(1);

    clock.advance(Duration.ofMinutes(10));
    cache.offerings();
    assertThat(loads).hasValue(2);
  }

  @Test
  void aFirstReadThatFailsPlacesAnywhereAndIsRetriedAfterAMinuteNotOnEveryCall() {
    failure = new CloudException("UnauthorizedOperation", "not allowed");

    for (int i = 0; i < 5; i++) {
      assertThat(cache.offerings().known()).isFalse();
    }
    assertThat(cache.offerings().offers("m8i.large", "us-east-1b")).isTrue();
    assertThat(loads).hasValue(1);

    failure = null;
    clock.advance(ZoneOfferingsCache.RETRY_AFTER_FAILURE);
    assertThat(cache.offerings()).isSameAs(M8I_IN_A);
    assertThat(loads).hasValue(2);
  }

  @Test
  void aFailedRefreshKeepsTheLastAnswer() {
    cache.offerings();
    clock.advance(Duration.ofHours(1));
    failure = new ThrottledException("RequestLimitExceeded", "slow down", null);

    assertThat(cache.offerings()).isSameAs(M8I_IN_A);
    assertThat(cache.offerings()).isSameAs(M8I_IN_A);
    assertThat(loads).hasValue(2);
  }
}
