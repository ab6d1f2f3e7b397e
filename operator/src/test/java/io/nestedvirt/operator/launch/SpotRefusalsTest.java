package io.nestedvirt.operator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.PoolCapacityType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpotRefusalsTest {
  private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void spotThenOnDemandLaunchesARefusedTypeOnDemandForAnHourThenTriesSpotAgain() {
    MutableClock clock = new MutableClock(T0);
    SpotRefusals refusals = new SpotRefusals(clock);
    refusals.refused("m8i.large", "EC2 refused nested virtualization on Spot for m8i.large");

    assertThat(refusals.forMachine(PoolCapacityType.SPOT_THEN_ON_DEMAND, "m8i.large"))
        .isEqualTo(CapacityType.ON_DEMAND);
    assertThat(refusals.forMachine(PoolCapacityType.SPOT_THEN_ON_DEMAND, "c8i.large"))
        .as("the refusal is for its type only")
        .isEqualTo(CapacityType.SPOT);
    assertThat(refusals.refusals(List.of("c8i.large", "m8i.large")))
        .singleElement()
        .satisfies(r -> assertThat(r.until()).isEqualTo(T0.plus(Duration.ofHours(1))));

    clock.now = T0.plus(Duration.ofHours(1));

    assertThat(refusals.forMachine(PoolCapacityType.SPOT_THEN_ON_DEMAND, "m8i.large"))
        .isEqualTo(CapacityType.SPOT);
    assertThat(refusals.refusals(List.of("m8i.large"))).isEmpty();
  }

  @Test
  void spotAndOnDemandPoolsGetWhatTheyAskForWhateverWasRefused() {
    SpotRefusals refusals = new SpotRefusals(new MutableClock(T0));
    refusals.refused("m8i.large", "refused");

    assertThat(refusals.forMachine(PoolCapacityType.SPOT, "m8i.large"))
        .isEqualTo(CapacityType.SPOT);
    assertThat(refusals.forMachine(PoolCapacityType.ON_DEMAND, "m8i.large"))
        .isEqualTo(CapacityType.ON_DEMAND);
  }

  private static final class MutableClock extends Clock {
    Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
