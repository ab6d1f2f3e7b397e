package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A repeated decision is one Event with a count on the real API server, written with the operator's
 * own RBAC (create, then a merge patch: no read of Events needed).
 */
class EventAggregationE2E {
  @Test
  void aRepeatedDecisionIsOneEventWithACount() throws Exception {
    RealCluster cluster = E2E.stack().cluster();
    String uid = UUID.randomUUID().toString();
    NestedVirtPool pool = new NestedVirtPool();
    pool.getMetadata().setName("aggregated");
    pool.getMetadata().setUid(uid);
    try (KubernetesClient operator =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(cluster.operatorKubeconfig())))
            .build()) {
      EventRecorder events =
          new EventRecorder(operator, Clock.systemUTC(), OperatorMetrics.prometheus());
      for (int i = 0; i < 3; i++) {
        events.warning(pool, EventReason.LaunchFailed, "EC2 refused m8i.large: test");
      }
    }
    List<Event> recorded =
        cluster.admin.v1().events().inNamespace("default").list().getItems().stream()
            .filter(e -> uid.equals(e.getInvolvedObject().getUid()))
            .toList();
    assertThat(recorded).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(3));
  }
}
