package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the pool's instances are bought. */
public enum CapacityType {
  @JsonProperty("on-demand")
  ON_DEMAND,
  @JsonProperty("spot")
  SPOT
}
