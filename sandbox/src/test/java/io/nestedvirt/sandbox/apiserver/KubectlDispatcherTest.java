package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.nestedvirt.sandbox.EmbeddedApiServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What kubectl needs is served for every CRD, not just the pool's: here the pool's CRD and a second
 * kind in the same group version, without a scale subresource and with its own columns and defaults
 * (as the per-machine kind will be).
 */
class KubectlDispatcherTest {
  private static final CustomResourceDefinition WIDGETS =
      Serialization.unmarshal(
          """
          apiVersion: apiextensions.k8s.io/v1
          kind: CustomResourceDefinition
          metadata: {name: widgets.nestedvirt.io}
          spec:
            group: nestedvirt.io
            scope: Cluster
            names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
            versions:
            - name: v1alpha1
              served: true
              storage: true
              subresources: {status: {}}
              additionalPrinterColumns:
              - {name: Pool, type: string, jsonPath: .spec.pool}
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec:
                      type: object
                      properties:
                        pool: {type: string}
                        size: {type: integer, default: 1}
          """,
          CustomResourceDefinition.class);

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final KubernetesMockServer server =
      new KubernetesMockServer(
          new Context(),
          new MockWebServer(),
          new HashMap<>(),
          new KubectlDispatcher(
              new IndexedCrudDispatcher(),
              List.of(EmbeddedApiServer.crd("nestedvirtpools.nestedvirt.io"), WIDGETS),
              "1.34"),
          false);

  {
    server.init(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterEach
  void close() {
    server.destroy();
  }

  @Test
  void discoveryAnnouncesEveryCustomResourceWithItsOwnSubresources() throws Exception {
    JsonNode aggregated =
        get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    List<String> ours = new ArrayList<>();
    for (JsonNode group : aggregated.path("items")) {
      if (group.at("/metadata/name").asText().equals("nestedvirt.io")) {
        group.at("/versions/0/resources").forEach(r -> ours.add(r.path("resource").asText()));
      }
    }
    assertThat(ours).containsExactly("nestedvirtpools", "widgets");

    List<String> legacy = new ArrayList<>();
    get("/apis/nestedvirt.io/v1alpha1", "application/json")
        .path("resources")
        .forEach(r -> legacy.add(r.path("name").asText()));
    assertThat(legacy)
        .containsExactly(
            "nestedvirtpools",
            "nestedvirtpools/status",
            "nestedvirtpools/scale",
            "widgets",
            "widgets/status");
  }

  @Test
  void oneOpenApiDocumentPerGroupVersionDescribesEveryKind() throws Exception {
    JsonNode index = get("/openapi/v3", "application/json");
    assertThat(index.path("paths").has("apis/nestedvirt.io/v1alpha1")).isTrue();
    JsonNode doc = get("/openapi/v3/apis/nestedvirt.io/v1alpha1", "application/json");
    JsonNode schemas = doc.at("/components/schemas");
    assertThat(schemas.has("io.nestedvirt.v1alpha1.NestedVirtPool")).isTrue();
    assertThat(schemas.at("/io.nestedvirt.v1alpha1.Widget/properties/spec/properties/pool/type"))
        .hasToString("\"string\"");
    assertThat(doc.path("paths").has("/apis/nestedvirt.io/v1alpha1/widgets/{name}")).isTrue();
    assertThat(doc.path("paths").has("/apis/nestedvirt.io/v1alpha1/nestedvirtpools")).isTrue();
  }

  @Test
  void aSecondKindGetsItsDefaultsItsColumnsAndNoScale() throws Exception {
    HttpResponse<String> created =
        send(
            HttpRequest.newBuilder(uri("/apis/nestedvirt.io/v1alpha1/widgets"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        {"apiVersion": "nestedvirt.io/v1alpha1", "kind": "Widget",
                         "metadata": {"name": "w1"}, "spec": {"pool": "kata"}}
                        """)));
    assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
    assertThat(json.readTree(created.body()).at("/spec/size").asInt()).isEqualTo(1);

    JsonNode table =
        get(
            "/apis/nestedvirt.io/v1alpha1/widgets",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
    List<String> columns = new ArrayList<>();
    table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
    assertThat(columns).containsExactly("Name", "Pool");
    assertThat(table.at("/rows/0/cells/1").asText()).isEqualTo("kata");

    HttpResponse<String> scale =
        send(HttpRequest.newBuilder(uri("/apis/nestedvirt.io/v1alpha1/widgets/w1/scale")));
    assertThat(scale.statusCode()).isEqualTo(404);
    assertThat(scale.body()).contains("widgets.nestedvirt.io has no scale subresource");
  }

  private URI uri(String path) {
    return URI.create(server.url(path));
  }

  private JsonNode get(String path, String accept) throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).header("Accept", accept));
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
