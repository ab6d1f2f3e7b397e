package io.nestedvirt.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.metrics.MetricsServer;
import io.nestedvirt.operator.metrics.Scrape;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's /metrics after a sandbox scenario agrees with what happened, as the EC2 emulator
 * and the API server saw it: requests by operation (throttled ones apart), instances launched and
 * terminated, one DescribeInstances per refresh, Events by reason, and the pools' gauges.
 */
class SandboxMetricsTest {
  private static final Path EXAMPLES = Path.of("..", "deploy", "examples");

  private Sandbox sandbox;
  private MetricsServer http;

  @BeforeEach
  void start() {
    sandbox =
        Sandbox.start(
            new Sandbox.Options("sandbox", Duration.ofSeconds(1), Duration.ofMillis(200)));
    http = sandbox.serveMetrics(0);
  }

  @AfterEach
  void stop() {
    http.close();
    sandbox.close();
  }

  @Test
  void countersAgreeWithWhatEc2AndTheApiServerSaw() throws Exception {
    // One throttled launch: the SDK retries it, and the metrics must tell the two apart.
    sandbox.ec2().throttle("RunInstances", 1);
    sandbox.apply(ManifestFiles.pools(sandbox.client(), EXAMPLES, System.err));
    awaitPools(Map.of("kubevirt", 3, "kata", 2));

    sandbox
        .client()
        .resources(NestedVirtPool.class)
        .withName("kata")
        // A merge patch, as kubectl scale: a get-modify-update could meet a status write (409).
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"spec\":{\"replicas\":1}}");
    awaitPools(Map.of("kubevirt", 3, "kata", 1));

    // Counters move while the operator works; in steady state every pair below must agree.
    await("the scrape agrees with EC2 and the API server")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Scrape m = Scrape.parse(get("/metrics").body());
              var ec2 = sandbox.ec2();

              assertThat(m.sum("nestedvirt_aws_api_calls_total", "operation", "RunInstances"))
                  .as("RunInstances requests, the throttled one included, as EC2 received them")
                  .isEqualTo(ec2.calls("RunInstances"));
              assertThat(
                      m.sum(
                          "nestedvirt_aws_api_calls_total",
                          "operation",
                          "RunInstances",
                          "outcome",
                          "throttled"))
                  .isEqualTo(1);
              assertThat(m.sum("nestedvirt_instances_launched_total")).isEqualTo(5);
              assertThat(m.sum("nestedvirt_instances_launched_total", "pool", "kata")).isEqualTo(2);
              assertThat(ec2.instances()).as("every instance EC2 launched").hasSize(5);
              assertThat(m.sum("nestedvirt_instances_terminated_total", "pool", "kata"))
                  .isEqualTo(1);
              assertThat(m.sum("nestedvirt_aws_api_calls_total", "operation", "TerminateInstances"))
                  .isEqualTo(ec2.calls("TerminateInstances"))
                  .isEqualTo(1);

              double listings = m.sum("nestedvirt_instance_listing_duration_seconds_count");
              assertThat(listings).as("refreshes so far").isGreaterThanOrEqualTo(2);
              assertThat(m.sum("nestedvirt_aws_api_calls_total", "operation", "DescribeInstances"))
                  .as("one DescribeInstances per refresh, for both pools together")
                  .isEqualTo(listings)
                  .isEqualTo(ec2.calls("DescribeInstances"));

              Map<String, Long> events = eventsByReason();
              for (var reason : events.entrySet()) {
                assertThat(m.sum("nestedvirt_events_total", "reason", reason.getKey()))
                    .as("Events %s", reason.getKey())
                    .isEqualTo(reason.getValue().doubleValue());
              }
              assertThat(m.sum("nestedvirt_events_total")).isEqualTo(sum(events));
              assertThat(events)
                  .containsEntry("NodeVerified", 5L)
                  .containsEntry("ScalingUp", 2L)
                  .containsEntry("ScalingDown", 1L)
                  .containsEntry("Terminating", 1L);
              assertThat(events.get("Launched"))
                  .as("one Launched Event per successful RunInstances")
                  .isEqualTo(
                      (long)
                          m.sum(
                              "nestedvirt_aws_api_calls_total",
                              "operation",
                              "RunInstances",
                              "outcome",
                              "success"));

              assertThat(m.sum("nestedvirt_pool_desired_replicas", "pool", "kata")).isEqualTo(1);
              assertThat(m.sum("nestedvirt_pool_ready_replicas", "pool", "kubevirt")).isEqualTo(3);
              assertThat(m.sum("nestedvirt_pool_instances", "pool", "kubevirt", "phase", "Ready"))
                  .isEqualTo(3);
              assertThat(m.labelValues("nestedvirt_pool_instances", "phase"))
                  .as("every phase has a series, zeros too")
                  .containsExactlyInAnyOrder(
                      "Launching",
                      "Joining",
                      "Verifying",
                      "Ready",
                      "Draining",
                      "Terminating",
                      "Failed");
              assertThat(m.sum("nestedvirt_node_registration_seconds_count"))
                  .as("each node registered once")
                  .isEqualTo(5);
              assertThat(m.sum("nestedvirt_node_ready_seconds_count")).isEqualTo(5);
              assertThat(m.sum("nestedvirt_node_verification_seconds_count")).isEqualTo(5);
              assertThat(m.sum("nestedvirt_drain_duration_seconds_count"))
                  .as("the scaled-down node was drained")
                  .isEqualTo(1);
              assertThat(m.sum("nestedvirt_leader")).isEqualTo(1);
              assertThat(m.sum("nestedvirt_reconcile_duration_seconds_count", "pool", "kata"))
                  .isPositive();
              assertThat(
                      m.sum("nestedvirt_reconcile_step_duration_seconds_count", "step", "launch"))
                  .isPositive();
              // JOSDK's own meters share the registry; the dashboard and bin/bench read this one.
              assertThat(m.sum("operator_sdk_reconciliations_started_total")).isPositive();
            });

    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
  }

  /**
   * AWS failing is not a reason to restart the operator: liveness stays 200 while readiness says
   * which event source fails, and both recover with AWS.
   */
  @Test
  void aFailingInstanceListingMakesTheOperatorUnreadyButNotUnhealthy() throws Exception {
    sandbox.apply(ManifestFiles.pools(sandbox.client(), EXAMPLES, System.err));
    awaitPools(Map.of("kubevirt", 3, "kata", 2));
    assertThat(get("/readyz").statusCode()).isEqualTo(200);

    sandbox.ec2().failWithInternalError("DescribeInstances", 1_000_000);
    await("readiness reports the failing listing")
        .atMost(Duration.ofSeconds(30))
        .until(() -> get("/readyz").statusCode() == 503);
    assertThat(get("/readyz").body())
        .isEqualTo("unhealthy event sources: nestedvirtinstance/instances\n");
    assertThat(get("/healthz").statusCode()).as("no restart for an AWS outage").isEqualTo(200);
    assertThat(
            Scrape.parse(get("/metrics").body())
                .sum("nestedvirt_instance_listing_duration_seconds_count", "outcome", "error"))
        .isPositive();

    sandbox.ec2().clearFaults();
    await("ready again once the listing works")
        .atMost(Duration.ofSeconds(30))
        .until(() -> get("/readyz").statusCode() == 200);
  }

  @Test
  void aDeletedPoolsSeriesEnd() throws Exception {
    sandbox.apply(ManifestFiles.pools(sandbox.client(), EXAMPLES, System.err));
    awaitPools(Map.of("kubevirt", 3, "kata", 2));
    assertThat(
            Scrape.parse(get("/metrics").body()).has("nestedvirt_pool_instances", "pool", "kata"))
        .isTrue();

    sandbox.client().resources(NestedVirtPool.class).withName("kata").delete();
    await("the pool is gone")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> sandbox.client().resources(NestedVirtPool.class).withName("kata").get() == null);

    Scrape m = Scrape.parse(get("/metrics").body());
    assertThat(m.labelValues("nestedvirt_pool_instances", "pool")).containsExactly("kubevirt");
    assertThat(m.labelValues("nestedvirt_instances_launched_total", "pool"))
        .containsExactly("kubevirt");
  }

  private void awaitPools(Map<String, Integer> ready) {
    await("pools " + ready + " Ready")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              Map<String, NestedVirtPool> pools =
                  sandbox.pools().stream()
                      .collect(Collectors.toMap(NestedVirtPool::name, Function.identity()));
              return ready.entrySet().stream()
                  .allMatch(
                      e -> {
                        NestedVirtPool p = pools.get(e.getKey());
                        return p != null
                            && PoolProgress.isReady(p)
                            && sandbox.machines().stream()
                                    .filter(m -> e.getKey().equals(m.poolName()))
                                    .count()
                                == e.getValue();
                      });
            });
  }

  private Map<String, Long> eventsByReason() {
    List<Event> events =
        sandbox.client().v1().events().inNamespace("default").list().getItems().stream()
            .filter(e -> "nestedvirt-operator".equals(e.getSource().getComponent()))
            .toList();
    // A repeated decision is one Event with a count (EventRecorder aggregates).
    return events.stream()
        .collect(
            Collectors.groupingBy(
                Event::getReason, Collectors.summingLong(e -> e.getCount().longValue())));
  }

  private static double sum(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  private HttpResponse<String> get(String path) throws Exception {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(
          HttpRequest.newBuilder(URI.create("http://localhost:" + http.port() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }
}
