package io.nestedvirt.operator.cloud;

/**
 * The provider refused a Spot launch because of nested virtualization: EC2 does not document
 * whether its Spot capacity accepts the option, so such a refusal is a property of the purchase
 * option and the instance type, not of the request's other parameters. The same type may launch
 * on-demand.
 */
public final class SpotRefusedException extends LaunchRefusedException {
  private final String instanceType;

  public SpotRefusedException(String code, String instanceType, String message, Throwable cause) {
    super(code, message, cause);
    this.instanceType = instanceType;
  }

  public String instanceType() {
    return instanceType;
  }
}
