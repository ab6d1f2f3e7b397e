package io.nestedvirt.operator.cloud;

/** The instance type cannot be launched as asked (for example without nested virtualization). */
public class UnsupportedInstanceTypeException extends CloudException {
  private final String instanceType;

  public UnsupportedInstanceTypeException(
      String code, String instanceType, String message, Throwable cause) {
    super(code, message, cause);
    this.instanceType = instanceType;
  }

  public String instanceType() {
    return instanceType;
  }
}
