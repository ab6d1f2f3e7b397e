package io.nestedvirt.operator;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * fabric8's mock Kubernetes API server in CRUD mode, on loopback, with the CRDs this module
 * generates installed: for tests of operator code that talks to an API server. (The sandbox's
 * EmbeddedApiServer adds what kubectl needs on top; these tests need none of it.)
 */
public final class MockApiServer implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private MockApiServer(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  public static MockApiServer start() {
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    MockApiServer api = new MockApiServer(server);
    // The mock treats /status as a subresource only for CRDs it knows.
    for (CustomResourceDefinition crd : crds()) {
      api.client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
    return api;
  }

  /** The CRDs the build generated (surefire passes their directory as crd.generated). */
  public static List<CustomResourceDefinition> crds() {
    Path dir = Path.of(System.getProperty("crd.generated", "target/classes/META-INF/fabric8"));
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".nestedvirt.io-v1.yml"))
          .sorted()
          .map(MockApiServer::read)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the generated CRDs in " + dir, e);
    }
  }

  /** One generated CRD by name, for example nestedvirtpools.nestedvirt.io. */
  public static CustomResourceDefinition crd(String name) {
    return crds().stream()
        .filter(c -> c.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("the build generated no CRD " + name));
  }

  private static CustomResourceDefinition read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * The requests the server received since the last call, as "METHOD path" in order of arrival (for
   * tests that count what a component sends, such as one PATCH and no PUT).
   */
  public List<String> takeRequests() {
    List<String> requests = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(0, TimeUnit.MILLISECONDS);
          r != null;
          r = server.takeRequest(0, TimeUnit.MILLISECONDS)) {
        requests.add(r.getMethod() + " " + r.getPath());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return requests;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
