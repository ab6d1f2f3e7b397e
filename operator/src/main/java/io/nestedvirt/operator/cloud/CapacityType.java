package io.nestedvirt.operator.cloud;

/** How an instance is bought. */
public enum CapacityType {
  ON_DEMAND,
  SPOT
}
