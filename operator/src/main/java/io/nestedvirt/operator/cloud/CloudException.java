package io.nestedvirt.operator.cloud;

/**
 * Base of the typed errors that cross the {@link CloudProvider} door. {@code code} is the
 * provider's error code, kept for messages and metrics.
 */
public class CloudException extends RuntimeException {
  private final String code;

  public CloudException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public CloudException(String code, String message) {
    this(code, message, null);
  }

  public String code() {
    return code;
  }

  /** Whether retrying the same call later may succeed. */
  public boolean retryable() {
    return false;
  }
}
