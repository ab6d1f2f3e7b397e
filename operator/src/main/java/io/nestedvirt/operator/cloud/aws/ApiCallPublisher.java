package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.ApiCallListener;
import io.nestedvirt.operator.cloud.ApiCallListener.Outcome;
import java.util.List;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;
import software.amazon.awssdk.metrics.SdkMetric;

/**
 * Reports each attempt of each SDK call to an {@link ApiCallListener}. The SDK publishes one
 * collection per call after it ends, with a child per attempt (retries included) that names the
 * attempt's error type when it failed; throttling is one of those types ("Throttling", which the
 * SDK derives from EC2's {@code RequestLimitExceeded} and HTTP 429).
 */
final class ApiCallPublisher implements MetricPublisher {
  private static final String ATTEMPT = "ApiCallAttempt";
  private static final String THROTTLING = "Throttling";

  private final ApiCallListener listener;

  ApiCallPublisher(ApiCallListener listener) {
    this.listener = listener;
  }

  @Override
  public void publish(MetricCollection call) {
    String service = first(call, CoreMetric.SERVICE_ID, "unknown");
    String operation = first(call, CoreMetric.OPERATION_NAME, "unknown");
    for (MetricCollection child : call.children()) {
      if (ATTEMPT.equals(child.name())) {
        listener.requestSent(service, operation, outcome(child));
      }
    }
  }

  private static Outcome outcome(MetricCollection attempt) {
    List<String> errors = attempt.metricValues(CoreMetric.ERROR_TYPE);
    if (errors.isEmpty()) {
      return Outcome.SUCCESS;
    }
    return THROTTLING.equals(errors.get(0)) ? Outcome.THROTTLED : Outcome.ERROR;
  }

  private static String first(MetricCollection c, SdkMetric<String> metric, String otherwise) {
    List<String> values = c.metricValues(metric);
    return values.isEmpty() ? otherwise : values.get(0);
  }

  @Override
  public void close() {}
}
