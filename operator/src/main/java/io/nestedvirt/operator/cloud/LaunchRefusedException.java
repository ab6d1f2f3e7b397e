package io.nestedvirt.operator.cloud;

/**
 * The provider refused a launch because of what it asked for (a parameter, an image, a subnet, a
 * combination the provider does not allow): nothing was launched, and asking again unchanged would
 * be refused again.
 */
public class LaunchRefusedException extends CloudException {
  public LaunchRefusedException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
