package io.nestedvirt.operator.cloud;

/** An instance id the provider does not know. */
public class InstanceNotFoundException extends CloudException {
  public InstanceNotFoundException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }
}
