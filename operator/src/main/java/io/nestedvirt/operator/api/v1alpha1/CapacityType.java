package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the pool's instances are bought. */
public enum CapacityType {
  @JsonProperty("on-demand")
  ON_DEMAND,
  @JsonProperty("spot")
  SPOT,
  /**
   * Spot, except for instance types EC2 refused on Spot for nested virtualization in the last hour,
   * which launch on-demand (a pool's choice only: a machine is spot or on-demand).
   */
  @JsonProperty("spot-then-on-demand")
  SPOT_THEN_ON_DEMAND;

  /** Whether machines may be bought on Spot. */
  public boolean spot() {
    return this != ON_DEMAND;
  }
}
