package io.nestedvirt.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.operator.cloud.ApiCallListener.Outcome;
import io.nestedvirt.operator.events.EventReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The meters as Prometheus sees them, and the two documents built on their names: the README's
 * table and the Grafana dashboard. Every meter is exercised once, so every family is in the scrape.
 */
class OperatorMetricsTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path DASHBOARD = Path.of("..", "deploy", "grafana-dashboard.json");
  private static final Pattern README_ROW = Pattern.compile("^\\| `(nestedvirt_[a-z_]+)` \\|");
  private static final Pattern QUERY_NAME =
      Pattern.compile("\\b((?:nestedvirt|operator_sdk|jvm|process|system)_[a-zA-Z0-9_]+)");
  private static final List<String> SERIES_SUFFIXES = List.of("_bucket", "_count", "_sum", "_max");

  private final OperatorMetrics metrics = OperatorMetrics.prometheus();

  private Scrape everyMeterOnce() {
    metrics.leading(true);
    metrics.reconciled("p", 1_000_000);
    metrics.stepTook("observe", 1_000);
    metrics.stepFailed("p", "launch");
    metrics.requestSent("EC2", "RunInstances", Outcome.THROTTLED);
    metrics.requestSent("EC2", "RunInstances", Outcome.SUCCESS);
    metrics.instancesListed(1_000, true);
    metrics.launched("p", "m8i.large", 2);
    metrics.terminated("p", 1);
    metrics.leakedInstancesCollected(1);
    metrics.orphanNodeDeleted();
    metrics.nodeRegistered(Duration.ofSeconds(40));
    metrics.nodeVerified(Duration.ofSeconds(50));
    metrics.nodeReady(Duration.ofSeconds(55));
    metrics.drained(Duration.ofSeconds(12));
    metrics.evictionsRefused("p", 3);
    metrics.eventRecorded("Launched", "Normal");
    metrics.poolObserved("p", 3, 1, 2, Map.of("Ready", 1, "Joining", 2));
    metrics.replaced("p", "drifted");
    metrics.unreadableObjects("NestedVirtPool", 1);
    metrics.autoscalerDecided(2_000_000, 7, 2);
    metrics.interruptionNotice("SpotInterruption", "NOTED");
    metrics.interruptionQueueFailed();
    return Scrape.parse(metrics.scrape());
  }

  @Test
  void metersCarryTheirLabelsAndValues() {
    Scrape m = everyMeterOnce();
    assertThat(m.sum("nestedvirt_aws_api_calls_total", "service", "EC2", "outcome", "throttled"))
        .isEqualTo(1);
    assertThat(m.sum("nestedvirt_instances_launched_total", "instance_type", "m8i.large"))
        .isEqualTo(2);
    assertThat(m.sum("nestedvirt_eviction_retries_total", "pool", "p")).isEqualTo(3);
    assertThat(m.sum("nestedvirt_pool_instances", "pool", "p", "phase", "Joining")).isEqualTo(2);
    assertThat(m.sum("nestedvirt_node_ready_seconds_bucket", "le", "60.0"))
        .as("55 s falls in the 1 minute bucket")
        .isEqualTo(1);
    assertThat(m.sum("nestedvirt_node_ready_seconds_bucket", "le", "45.0")).isZero();
    assertThat(m.sum("nestedvirt_leader")).isEqualTo(1);
    assertThat(m.sum("nestedvirt_autoscaler_pending_pods")).isEqualTo(7);
    assertThat(m.sum("nestedvirt_autoscaler_nodes_planned_total")).isEqualTo(2);
  }

  @Test
  void negativeDurationsFromSkewedClocksCountAsZero() {
    metrics.nodeRegistered(Duration.ofSeconds(-3));
    Scrape m = Scrape.parse(metrics.scrape());
    assertThat(m.sum("nestedvirt_node_registration_seconds_count")).isEqualTo(1);
    assertThat(m.sum("nestedvirt_node_registration_seconds_sum")).isZero();
  }

  @Test
  void aDeletedPoolLeavesNoSeries() {
    everyMeterOnce();
    metrics.poolDeleted("p");
    Scrape m = Scrape.parse(metrics.scrape());
    for (String name : m.names()) {
      assertThat(m.labelValues(name, OperatorMetrics.POOL)).as(name).doesNotContain("p");
    }
    metrics.poolObserved("p", 1, 0, 0, Map.of("Ready", 0));
    assertThat(Scrape.parse(metrics.scrape()).sum("nestedvirt_pool_desired_replicas", "pool", "p"))
        .as("a pool created again under the same name gets fresh series")
        .isEqualTo(1);
  }

  @Test
  void theReadmeTableListsEveryOperatorMetricAndNoOther() throws Exception {
    Set<String> families = new TreeSet<>();
    for (String name : everyMeterOnce().names()) {
      if (name.startsWith("nestedvirt_")) {
        families.add(family(name, new HashSet<>(readmeMetrics())));
      }
    }
    assertThat(new TreeSet<>(readmeMetrics())).isEqualTo(families);
  }

  @Test
  void theReadmeListsEveryEventReason() throws Exception {
    String readme = Files.readString(README);
    for (EventReason reason : EventReason.values()) {
      assertThat(readme).contains("| `" + reason.name() + "` |");
    }
  }

  @Test
  void theDashboardQueriesOnlyMetricsTheOperatorServes() throws Exception {
    Scrape m = everyMeterOnce();
    Set<String> served = new HashSet<>(m.names());
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> queried = new ArrayList<>();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
      for (JsonNode target : panel.path("targets")) {
        Matcher names = QUERY_NAME.matcher(target.path("expr").asText());
        while (names.find()) {
          queried.add(names.group(1));
        }
      }
    }
    // JOSDK's meters appear once a controller runs; SandboxMetricsTest checks this one there.
    served.add("operator_sdk_reconciliations_started_total");
    assertThat(queried).isNotEmpty().allSatisfy(name -> assertThat(served).contains(name));
    assertThat(queried.stream().filter(n -> n.startsWith("nestedvirt_")).map(this::familyOf))
        .as("every operator metric family is on the dashboard")
        .containsAll(readmeMetrics());
  }

  @Test
  void theChartShipsTheSameDashboard() throws Exception {
    Path chartCopy =
        Path.of("..", "helm", "nestedvirt-operator", "dashboards", "grafana-dashboard.json");
    assertThat(Files.readString(chartCopy))
        .as(
            "helm/nestedvirt-operator/dashboards/grafana-dashboard.json is stale: run ./mvnw"
                + " -Pupdate-generated process-classes and commit helm/")
        .isEqualTo(Files.readString(DASHBOARD));
  }

  private String familyOf(String series) {
    try {
      return family(series, new HashSet<>(readmeMetrics()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The README's name for a series: itself, or without _bucket/_count/_sum/_max. */
  private static String family(String series, Set<String> documented) {
    if (documented.contains(series)) {
      return series;
    }
    for (String suffix : SERIES_SUFFIXES) {
      if (series.endsWith(suffix)) {
        return series.substring(0, series.length() - suffix.length());
      }
    }
    return series;
  }

  private static List<String> readmeMetrics() throws Exception {
    List<String> names = new ArrayList<>();
    for (String line : Files.readAllLines(README)) {
      Matcher m = README_ROW.matcher(line);
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Test
  void theOperatorProcessServesTheJvmsGcMetersTheMemoryLimitIsSizedBy() {
    OperatorMetrics metrics = OperatorMetrics.prometheus().withGcMetrics();

    assertThat(metrics.scrape())
        .contains("jvm_gc_live_data_size_bytes")
        .contains("jvm_gc_max_data_size_bytes");
    assertThat(OperatorMetrics.prometheus().scrape())
        .as("only the process's own registry listens to the collectors")
        .doesNotContain("jvm_gc_live_data_size_bytes");
  }
}
