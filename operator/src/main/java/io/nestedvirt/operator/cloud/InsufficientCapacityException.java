package io.nestedvirt.operator.cloud;

/** The offering (instance type in a zone) has no capacity now; try another offering. */
public class InsufficientCapacityException extends CloudException {
  private final String instanceType;
  private final String zone;

  public InsufficientCapacityException(
      String instanceType, String zone, String message, Throwable cause) {
    super("InsufficientInstanceCapacity", message, cause);
    this.instanceType = instanceType;
    this.zone = zone;
  }

  public String instanceType() {
    return instanceType;
  }

  public String zone() {
    return zone;
  }

  @Override
  public boolean retryable() {
    return true;
  }
}
