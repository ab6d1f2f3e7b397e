package io.nestedvirt.operator.cloud;

/**
 * Told about every request a cloud provider sends, retries included: the cloud's rate limits count
 * requests, not the calls our code makes, so metrics count them the same way.
 */
@FunctionalInterface
public interface ApiCallListener {
  ApiCallListener NONE = (service, operation, outcome) -> {};

  /** How one request ended. */
  enum Outcome {
    SUCCESS,
    /** Refused by the cloud's rate limit: counted apart, since it says to slow down. */
    THROTTLED,
    ERROR;

    /** The label value in metrics. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * @param service the API, for example {@code EC2} or {@code SSM}
   * @param operation the action, for example {@code RunInstances}
   */
  void requestSent(String service, String operation, Outcome outcome);
}
