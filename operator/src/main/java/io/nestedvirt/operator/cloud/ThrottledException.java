package io.nestedvirt.operator.cloud;

/** The provider is rate-limiting us beyond what the client's own retries absorbed. */
public class ThrottledException extends CloudException {
  public ThrottledException(String code, String message, Throwable cause) {
    super(code, message, cause);
  }

  @Override
  public boolean retryable() {
    return true;
  }
}
