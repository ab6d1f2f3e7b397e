package io.nestedvirt.operator.cloud;

/**
 * The zone does not offer the instance type at all (EC2's {@code Unsupported}: "not supported in
 * your requested Availability Zone"). Nothing is wrong with the type or the request: the same type
 * elsewhere, or another type here, may launch. Unlike a lack of capacity, this lasts.
 */
public class InstanceTypeNotOfferedException extends CloudException {
  private final String instanceType;
  private final String zone;

  public InstanceTypeNotOfferedException(
      String code, String instanceType, String zone, String message, Throwable cause) {
    super(code, message, cause);
    this.instanceType = instanceType;
    this.zone = zone;
  }

  public String instanceType() {
    return instanceType;
  }

  public String zone() {
    return zone;
  }
}
