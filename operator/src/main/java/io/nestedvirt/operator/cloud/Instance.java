package io.nestedvirt.operator.cloud;

import java.time.Instant;
import java.util.Map;

/** A cloud instance as the provider reports it. */
public record Instance(
    String id,
    String instanceType,
    String zone,
    String subnetId,
    InstanceState state,
    /** Whether the provider reports nested virtualization enabled on this instance. */
    boolean nestedVirtualization,
    Instant launchTime,
    CapacityType capacityType,
    String privateDnsName,
    Map<String, String> tags) {

  public Instance {
    tags = Map.copyOf(tags);
  }

  public String tag(String key) {
    return tags.get(key);
  }
}
