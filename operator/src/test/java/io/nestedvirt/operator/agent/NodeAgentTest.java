package io.nestedvirt.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.agent.kvm.KvmProbe;
import io.nestedvirt.operator.metrics.MetricsServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent end to end on one node: the real probe, the condition, health and metrics. */
class NodeAgentTest {
  private final MockApiServer api = MockApiServer.start();
  private final PrometheusMeterRegistry metrics =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @AfterEach
  void close() {
    api.close();
  }

  @Test
  void theRealProbeOnThisHostsKvmMarksTheNodeVerified() throws Exception {
    node("kvm-node");
    try (NodeAgent agent = agent("kvm-node", KvmProbe.DEFAULT_DEVICE);
        MetricsServer http =
            new MetricsServer(0, metrics::scrape, MetricsServer.Check.ALWAYS, agent::readiness)) {
      assertThat(get(http, "/readyz").statusCode()).isEqualTo(503);
      agent.start();

      await().atMost(Duration.ofSeconds(30)).until(agent::ready);

      NodeCondition kvm = condition("kvm-node");
      assertThat(kvm.getStatus()).isEqualTo("True");
      assertThat(kvm.getReason()).isEqualTo("KvmVerified");
      assertThat(kvm.getMessage())
          .startsWith("guest wrote 0x2a to port 0x10 and halted in ")
          .contains("KVM API 12");
      assertThat(get(http, "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(http, "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(http, "/metrics").body())
          .contains("nestedvirt_agent_probes_total{result=\"verified\"} 1.0")
          .contains("nestedvirt_agent_probe_duration_seconds_count 1");
    }
  }

  @Test
  void aDeviceThatIsNotKvmMarksTheNodeUnverifiedWithTheReason() {
    node("null-node");
    try (NodeAgent agent = agent("null-node", Path.of("/dev/null"))) {
      agent.probeAndReport();
    }
    NodeCondition kvm = condition("null-node");
    assertThat(kvm.getStatus()).isEqualTo("False");
    assertThat(kvm.getReason()).isEqualTo("NotAKvmDevice");
    assertThat(kvm.getMessage()).contains("/dev/null is not a KVM device").contains("ENOTTY");
  }

  private NodeAgent agent(String node, Path device) {
    return new NodeAgent(
        () -> ProbeVerdicts.of(KvmProbe.run(device)),
        new NodeConditionWriter(api.client()),
        node,
        Duration.ofMinutes(5),
        Clock.systemUTC(),
        metrics);
  }

  private void node(String name) {
    api.client()
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private NodeCondition condition(String node) {
    return api.client().nodes().withName(node).get().getStatus().getConditions().stream()
        .filter(c -> c.getType().equals("NestedVirtualizationReady"))
        .findFirst()
        .orElseThrow();
  }

  private static HttpResponse<String> get(MetricsServer http, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
