package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** kubectl get's columns for pools come from the CRD's printer columns, as on a real server. */
class TablesTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aPoolRowCarriesTheCrdColumnsWithTheAgeAsADuration() throws Exception {
    var crd = EmbeddedApiServer.crd("nestedvirtpools.nestedvirt.io");
    var version = crd.getSpec().getVersions().getFirst();
    Tables tables =
        new Tables(
            json,
            Clock.fixed(Instant.parse("2026-11-26T10:05:00Z"), ZoneOffset.UTC),
            java.util.Map.of("nestedvirtpools", version.getAdditionalPrinterColumns()));
    JsonNode pool =
        json.readTree(
            """
            {"metadata": {"name": "kubevirt", "creationTimestamp": "2026-11-26T10:00:00Z"},
             "spec": {"replicas": 3, "instanceTypes": ["m8i.2xlarge"]},
             "status": {"desiredReplicas": 3, "replicas": 3, "readyReplicas": 1,
                        "conditions": [{"type": "Reconciling", "reason": "Launching"},
                                       {"type": "Ready", "reason": "InstancesStarting"}]}}
            """);

    JsonNode table = tables.render(tables.columnsFor("nestedvirtpools").orElseThrow(), pool, false);

    assertThat(table.path("kind").asText()).isEqualTo("Table");
    java.util.Map<String, String> row = firstRow(table);
    assertThat(row)
        .containsEntry("Name", "kubevirt")
        .containsEntry("Age", "5m")
        .containsEntry("Desired", "3")
        .containsEntry("Current", "3")
        .containsEntry("Ready", "1")
        .containsEntry("Status", "InstancesStarting")
        .containsEntry("Types", "[\"m8i.2xlarge\"]");
    assertThat(table.at("/rows/0/object/kind").asText()).isEqualTo("PartialObjectMetadata");
  }

  @Test
  void aMachineRowReadsItsPoolFromALabelWhoseKeyHasDots() throws Exception {
    var version =
        EmbeddedApiServer.crd("nestedvirtinstances.nestedvirt.io")
            .getSpec()
            .getVersions()
            .getFirst();
    Tables tables =
        new Tables(
            json,
            Clock.fixed(Instant.parse("2026-11-26T10:05:00Z"), ZoneOffset.UTC),
            java.util.Map.of("nestedvirtinstances", version.getAdditionalPrinterColumns()));
    JsonNode machine =
        json.readTree(
            """
            {"metadata": {"name": "kubevirt-x7k2p", "creationTimestamp": "2026-11-26T10:04:00Z",
                          "labels": {"nestedvirt.io/pool": "kubevirt"}},
             "spec": {"instanceType": "m8i.2xlarge", "zone": "us-east-1b"},
             "status": {"instanceId": "i-0abc", "nodeName": "ip-10-0-32-4", "phase": "Ready"}}
            """);

    JsonNode table =
        tables.render(tables.columnsFor("nestedvirtinstances").orElseThrow(), machine, false);

    java.util.Map<String, String> row = firstRow(table);
    assertThat(row)
        .containsEntry("Pool", "kubevirt")
        .containsEntry("Type", "m8i.2xlarge")
        .containsEntry("Zone", "us-east-1b")
        .containsEntry("Instance", "i-0abc")
        .containsEntry("Node", "ip-10-0-32-4")
        .containsEntry("Phase", "Ready")
        .containsEntry("Age", "60s");
  }

  /** The first row of a server-side table, by column name. */
  private static java.util.Map<String, String> firstRow(JsonNode table) {
    java.util.List<String> names = new java.util.ArrayList<>();
    table.path("columnDefinitions").forEach(c -> names.add(c.path("name").asText()));
    java.util.List<String> cells = new java.util.ArrayList<>();
    table.at("/rows/0/cells").forEach(c -> cells.add(c.asText()));
    java.util.Map<String, String> row = new java.util.HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      row.put(names.get(i), cells.get(i));
    }
    return row;
  }
}
