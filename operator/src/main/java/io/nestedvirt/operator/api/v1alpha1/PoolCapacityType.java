package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a pool buys its instances; each machine is then bought one way ({@link CapacityType}). */
public enum PoolCapacityType {
  @JsonProperty("on-demand")
  ON_DEMAND,
  @JsonProperty("spot")
  SPOT,
  /**
   * Spot, except for instance types EC2 refused on Spot for nested virtualization in the last hour,
   * which launch on-demand.
   */
  @JsonProperty("spot-then-on-demand")
  SPOT_THEN_ON_DEMAND;

  /** Whether machines may be bought on Spot. */
  public boolean spot() {
    return this != ON_DEMAND;
  }
}
