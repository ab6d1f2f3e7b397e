package io.nestedvirt.operator.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationSettingsTest {
  @Test
  void nodesDrainingAtOnceFollowKubeVirtsLimits() {
    assertThat(MigrationSettings.DEFAULTS.maxDrainingNodes()).as("ceil(5 / 2)").isEqualTo(3);
    assertThat(settings(4, 2).maxDrainingNodes()).isEqualTo(2);
    assertThat(settings(10, 1).maxDrainingNodes()).isEqualTo(10);
    assertThat(settings(1, 5).maxDrainingNodes()).as("at least one").isEqualTo(1);
    assertThat(settings(5, 0).maxDrainingNodes()).as("a zero per node counts as one").isEqualTo(5);
  }

  @Test
  void theDeadlineGrowsWithMemoryPerWaveOfOutboundMigrations() {
    // Waves of 2, largest first: (8, 4) then (2, 1): 150 s x 8 + 150 s x 2, plus 150 s.
    List<Vm> vms =
        List.of(Vms.movable("a", 1), Vms.movable("b", 8), Vms.movable("c", 2), Vms.movable("d", 4));
    assertThat(MigrationSettings.DEFAULTS.drainDeadline(vms)).isEqualTo(Duration.ofSeconds(1650));
    Vm small = new Vm("vms", "tiny", EvictionStrategy.LiveMigrate, true, "", 1, false, null);
    assertThat(MigrationSettings.DEFAULTS.drainDeadline(List.of(small)))
        .as("less than a GiB counts as one")
        .isEqualTo(Duration.ofSeconds(300));
    assertThat(settings(5, 1).drainDeadline(vms))
        .as("one at a time: every VM is its own wave")
        .isEqualTo(Duration.ofSeconds(150 * (8 + 4 + 2 + 1) + 150));
  }

  private static MigrationSettings settings(int cluster, int perNode) {
    return new MigrationSettings(
        cluster, perNode, Duration.ofSeconds(150), Duration.ofSeconds(150), EvictionStrategy.None);
  }
}
