package io.nestedvirt.operator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class UnavailableOfferingsTest {
  private static final Duration COOLDOWN = Duration.ofMinutes(3);

  private Instant now = Instant.parse("2026-11-30T10:00:00Z");
  private final Clock clock =
      new Clock() {
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
      };
  private final UnavailableOfferings offerings = new UnavailableOfferings(clock, COOLDOWN);

  @Test
  void noCapacityIsSkippedForTheCooldownOnly() {
    offerings.markNoCapacity("m8i.large", "us-east-1b");

    assertThat(offerings.isUnavailable("m8i.large", "us-east-1b")).isTrue();
    assertThat(offerings.isUnavailable("m8i.large", "us-east-1a")).isFalse();
    assertThat(offerings.nextExpiry()).hasValue(COOLDOWN);
    now = now.plus(COOLDOWN);
    assertThat(offerings.isUnavailable("m8i.large", "us-east-1b")).isFalse();
  }

  @Test
  void aZoneThatDoesNotOfferTheTypeIsSkippedForAnHourNotTheCapacityCooldown() {
    offerings.markNotOffered("m8i.large", "us-east-1b");
    now = now.plus(COOLDOWN).plusSeconds(1);
    assertThat(offerings.isUnavailable("m8i.large", "us-east-1b")).isTrue();

    offerings.markNoCapacity("m8i.large", "us-east-1b");
    now = now.plus(COOLDOWN);
    assertThat(offerings.isUnavailable("m8i.large", "us-east-1b"))
        .as("a later capacity mark does not shorten the longer one")
        .isTrue();

    now = Instant.parse("2026-11-30T11:00:00Z");
    assertThat(offerings.isUnavailable("m8i.large", "us-east-1b")).isFalse();
  }
}
