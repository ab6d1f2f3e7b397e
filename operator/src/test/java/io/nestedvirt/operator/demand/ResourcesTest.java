package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.mi;
import static io.nestedvirt.operator.demand.Demand.quantities;
import static io.nestedvirt.operator.demand.Demand.resources;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResourcesTest {

  @Test
  void quantitiesBecomeBaseUnitsRoundedUp() {
    Resources r =
        Resources.of(
            quantities(
                "cpu", "1.5",
                "memory", "1Gi",
                "ephemeral-storage", "1G",
                "devices.kubevirt.io/kvm", "1",
                "example.com/odd", "0.2"));

    assertThat(r.get("cpu")).isEqualTo(1500);
    assertThat(r.get("memory")).isEqualTo(1L << 30);
    assertThat(r.get("ephemeral-storage")).isEqualTo(1_000_000_000L);
    assertThat(r.get("devices.kubevirt.io/kvm")).isEqualTo(1);
    assertThat(r.get("example.com/odd")).as("a fraction of a unit is a whole one").isEqualTo(1);
    assertThat(Resources.of(quantities("cpu", "0.0001")).get("cpu"))
        .as("cpu below a millicore rounds up to 1m, as the scheduler counts it")
        .isEqualTo(1);
    assertThat(Resources.of(null)).isEqualTo(Resources.NONE);
  }

  @Test
  void arithmeticKeepsNoZeroesAndNeverGoesNegative() {
    Resources a = resources("cpu", 1000, "memory", mi(512));
    Resources b = resources("cpu", 1500, "pods", 1);

    assertThat(a.plus(b)).isEqualTo(resources("cpu", 2500, "memory", mi(512), "pods", 1));
    assertThat(a.minus(b)).isEqualTo(resources("memory", mi(512)));
    assertThat(a.minus(a)).isEqualTo(Resources.NONE);
    assertThat(a.max(b)).isEqualTo(resources("cpu", 1500, "memory", mi(512), "pods", 1));
  }

  @Test
  void fitsWhenEveryAmountIsAvailableAMissingOneCountingAsNone() {
    Resources free = resources("cpu", 1930, "memory", mi(2784), "pods", 59);

    assertThat(resources("cpu", 1930, "pods", 1).fitsIn(free)).isTrue();
    assertThat(resources("cpu", 2500).shortOf(free)).contains("cpu: needs 2500m, 1930m free");
    assertThat(resources("nvidia.com/gpu", 1).shortOf(free))
        .contains("nvidia.com/gpu: needs 1, 0 free");
    assertThat(resources("memory", mi(4096)).shortOf(free))
        .contains("memory: needs 4Gi, 2784Mi free");
    assertThat(Resources.NONE.fitsIn(Resources.NONE)).isTrue();
  }
}
