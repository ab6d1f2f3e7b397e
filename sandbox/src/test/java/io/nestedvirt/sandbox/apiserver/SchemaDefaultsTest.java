package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import org.junit.jupiter.api.Test;

/** The CRD's defaults, filled in as a real API server fills them in on write. */
class SchemaDefaultsTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void missingFieldsGetTheirDefaultsButAbsentObjectsStayAbsent() throws Exception {
    JsonNode schema =
        json.valueToTree(
            EmbeddedApiServer.crd("nestedvirtpools.nestedvirt.io")
                .getSpec()
                .getVersions()
                .getFirst()
                .getSchema()
                .getOpenAPIV3Schema());
    JsonNode pool =
        json.readTree(
            """
            {"spec": {"replicas": 1, "instanceTypes": ["m8i.large"], "capacityType": "spot",
                      "rootVolume": {"sizeGiB": 100}}}
            """);

    SchemaDefaults.apply(schema, pool);

    assertThat(pool.at("/spec/capacityType").asText()).as("a given value stays").isEqualTo("spot");
    assertThat(pool.at("/spec/joinTimeout").asText()).isEqualTo("15m");
    assertThat(pool.at("/spec/rootVolume/sizeGiB").asInt()).isEqualTo(100);
    assertThat(pool.at("/spec/rootVolume/type").asText()).isEqualTo("gp3");
    assertThat(pool.at("/spec/rootVolume/encrypted").asBoolean()).isTrue();
    assertThat(pool.at("/spec").has("metadataOptions"))
        .as("an absent object is not created for its defaults")
        .isFalse();
  }
}
