package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.nestedvirt.sandbox.apiserver.IndexedCrudDispatcher;
import io.nestedvirt.sandbox.apiserver.KubectlDispatcher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An in-process Kubernetes API server (fabric8's mock server in CRUD mode) with our CRD installed,
 * behind a dispatcher that adds what kubectl needs (discovery, OpenAPI, tables, /scale, merge
 * patch). It has no server-side apply, strategic merge patch, eviction or CEL; what needs those is
 * tested against a real kube-apiserver.
 */
public final class EmbeddedApiServer implements AutoCloseable {
  /** Where the build puts the generated CRD on the classpath. */
  public static final String CRD_RESOURCE =
      "/META-INF/fabric8/nestedvirtpools.nestedvirt.io-v1.yml";

  /** What /version reports; kubectl warns when its own minor version is far from it. */
  public static final String KUBERNETES_VERSION = "1.34";

  /** The mock server logs every request through java.util.logging; keep only its warnings. */
  private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  private EmbeddedApiServer(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient();
  }

  public static EmbeddedApiServer start() {
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubectlDispatcher(new IndexedCrudDispatcher(), crd(), KUBERNETES_VERSION),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    EmbeddedApiServer api = new EmbeddedApiServer(server);
    // The mock treats /status as a subresource only for CRDs it knows.
    api.client.apiextensions().v1().customResourceDefinitions().resource(crd()).create();
    return api;
  }

  public static CustomResourceDefinition crd() {
    try (InputStream in = EmbeddedApiServer.class.getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(CRD_RESOURCE + " is missing: the build generates it");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.WARNING);
    return logger;
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * The requests received since the last call, oldest first, as {@code METHOD path?query}; for
   * tests that count what the operator asks of the API server.
   */
  public List<String> takeRequests() {
    List<String> taken = new ArrayList<>();
    try {
      RecordedRequest r;
      while ((r = server.takeRequest(0, TimeUnit.MILLISECONDS)) != null) {
        taken.add(r.getMethod() + " " + r.getPath());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return taken;
  }

  public String url() {
    return client.getMasterUrl().toString();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
