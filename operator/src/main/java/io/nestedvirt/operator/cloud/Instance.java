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
    /** Nested virtualization as the provider reports it for this instance. */
    NestedVirtualization nestedVirtualization,
    Instant launchTime,
    CapacityType capacityType,
    String privateDnsName,
    /** The launch's client token; finds a launch's instances without launching again. */
    String clientToken,
    Map<String, String> tags,
    /** The AMI it was launched with; null when the provider does not say. */
    String imageId) {

  public Instance {
    tags = Map.copyOf(tags);
  }

  /** The same instance in another state, as a state change the operator caused is recorded. */
  public Instance withState(InstanceState newState) {
    return new Instance(
        id,
        instanceType,
        zone,
        subnetId,
        newState,
        nestedVirtualization,
        launchTime,
        capacityType,
        privateDnsName,
        clientToken,
        tags,
        imageId);
  }

  public String tag(String key) {
    return tags.get(key);
  }
}
