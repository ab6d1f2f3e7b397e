package io.nestedvirt.operator.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceTest {
  @Test
  void anotherStateKeepsEverythingElseTheAmiIncluded() {
    Instance running = instance(InstanceState.RUNNING);

    assertThat(running.withState(InstanceState.SHUTTING_DOWN))
        .isEqualTo(instance(InstanceState.SHUTTING_DOWN));
  }

  private static Instance instance(InstanceState state) {
    return new Instance(
        "i-0abc",
        "m8i.large",
        "us-east-1a",
        "subnet-1",
        state,
        NestedVirtualization.ENABLED,
        Instant.parse("2026-11-30T00:00:00Z"),
        CapacityType.ON_DEMAND,
        "ip-10-0-0-1.ec2.internal",
        "nvi-token",
        Map.of("nestedvirt.io/pool", "p"),
        "ami-0node");
  }
}
