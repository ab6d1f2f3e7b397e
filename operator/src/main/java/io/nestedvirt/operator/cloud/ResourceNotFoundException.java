package io.nestedvirt.operator.cloud;

/** A subnet, security group, image or parameter that the spec names does not exist. */
public class ResourceNotFoundException extends CloudException {
  private final String resourceId;

  public ResourceNotFoundException(
      String code, String resourceId, String message, Throwable cause) {
    super(code, message, cause);
    this.resourceId = resourceId;
  }

  public String resourceId() {
    return resourceId;
  }
}
