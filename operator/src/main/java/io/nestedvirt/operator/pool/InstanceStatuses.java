package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.InstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.cloud.Tags;
import java.time.Instant;
import java.util.Map;

/** Converts between the cloud's instances and their entries in pool status. */
final class InstanceStatuses {
  private InstanceStatuses() {}

  static InstanceStatus of(
      Instance i, PhaseRules.Verdict verdict, String nodeName, Instant drainStartedAt) {
    InstanceStatus s = new InstanceStatus();
    if (verdict != null) {
      s.phase = verdict.phase().name();
      s.reason = verdict.reason();
    }
    s.node = nodeName;
    s.drainStartedAt = drainStartedAt == null ? null : drainStartedAt.toString();
    s.id = i.id();
    s.instanceType = i.instanceType();
    s.zone = i.zone();
    s.subnetId = i.subnetId();
    s.state = i.state().wireName();
    s.nestedVirtualization = i.nestedVirtualization().wireName();
    s.capacityType = i.capacityType() == CapacityType.SPOT ? "spot" : "on-demand";
    s.launchTime = i.launchTime() == null ? null : i.launchTime().toString();
    return s;
  }

  /** An instance known only from status (launched, but not listed by EC2 yet). */
  static Instance toInstance(InstanceStatus s, NestedVirtPool pool) {
    return new Instance(
        s.id,
        s.instanceType,
        s.zone,
        s.subnetId,
        InstanceState.fromWireName(s.state),
        NestedVirtualization.fromWireName(s.nestedVirtualization),
        s.launchTime == null ? null : Instant.parse(s.launchTime),
        "spot".equals(s.capacityType) ? CapacityType.SPOT : CapacityType.ON_DEMAND,
        null,
        null,
        Map.of(Tags.POOL, pool.name(), Tags.POOL_UID, pool.uid()));
  }

  static Instance withState(Instance i, InstanceState state) {
    return new Instance(
        i.id(),
        i.instanceType(),
        i.zone(),
        i.subnetId(),
        state,
        i.nestedVirtualization(),
        i.launchTime(),
        i.capacityType(),
        i.privateDnsName(),
        i.clientToken(),
        i.tags());
  }
}
