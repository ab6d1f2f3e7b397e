package io.nestedvirt.operator.events;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;

/** Event recorders for tests of steps that record Events nobody reads. */
public final class Recorders {
  private Recorders() {}

  /**
   * Events go nowhere: nothing listens on port 1, and an Event that cannot be written is only
   * logged.
   */
  public static EventRecorder nowhere() {
    return new EventRecorder(
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build(),
        Clock.systemUTC(),
        OperatorMetrics.prometheus());
  }
}
