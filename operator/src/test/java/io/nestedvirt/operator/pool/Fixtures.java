package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.cloud.Subnet;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small builders for the pure planning tests. */
final class Fixtures {
  static final Subnet A = new Subnet("subnet-aaaaaaaa", "us-east-1a", 100);
  static final Subnet B = new Subnet("subnet-bbbbbbbb", "us-east-1b", 100);
  static final Subnet C = new Subnet("subnet-cccccccc", "us-east-1c", 100);

  private Fixtures() {}

  static Instance instance(String id, InstanceState state, Subnet subnet, int launchedSecond) {
    return new Instance(
        id,
        "m8i.large",
        subnet.zone(),
        subnet.id(),
        state,
        NestedVirtualization.ENABLED,
        Instant.ofEpochSecond(1_800_000_000L + launchedSecond),
        CapacityType.ON_DEMAND,
        "ip-10-0-0-1.ec2.internal",
        null,
        Map.of(),
        null);
  }

  static InstanceType type(String name, String arch, boolean nested) {
    return new InstanceType(name, List.of(arch), nested, false, 2, 8192, 3, 20);
  }
}
