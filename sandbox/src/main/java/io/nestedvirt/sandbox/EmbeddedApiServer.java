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
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * An in-process Kubernetes API server (fabric8's mock server in CRUD mode) with our CRDs installed,
 * behind a dispatcher that adds what kubectl needs (discovery, OpenAPI, tables, /scale, merge
 * patch, schema and CEL validation of our kinds). It has no server-side apply, strategic merge
 * patch or disruption controller (evictions honour a PodDisruptionBudget's status as written); what
 * needs those is tested against a real kube-apiserver.
 */
public final class EmbeddedApiServer implements AutoCloseable {
  /**
   * Where the operator's build puts the CRDs it generates, on the class path (in the operator's jar
   * or classes directory): one file per CRD, named {@code <plural>.nestedvirt.io-v1.yml}.
   */
  static final String CRD_DIRECTORY = "META-INF/fabric8/";

  static final String CRD_SUFFIX = ".nestedvirt.io-v1.yml";

  /** What /version reports; kubectl warns when its own minor version is far from it. */
  public static final String KUBERNETES_VERSION = "1.34";

  /** The mock server logs every request through java.util.logging; keep only its warnings. */
  private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final KubectlDispatcher dispatcher;
  private final KubernetesClient client;

  private EmbeddedApiServer(KubernetesMockServer server, KubectlDispatcher dispatcher) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.client = server.createClient();
  }

  public static EmbeddedApiServer start() {
    List<CustomResourceDefinition> crds = crds();
    KubectlDispatcher dispatcher =
        new KubectlDispatcher(new IndexedCrudDispatcher(), crds, KUBERNETES_VERSION);
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    EmbeddedApiServer api = new EmbeddedApiServer(server, dispatcher);
    // The mock treats /status as a subresource only for CRDs it knows.
    for (CustomResourceDefinition crd : crds) {
      api.client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
    return api;
  }

  /** Every CRD the operator's build generated, in the order of their file names. */
  public static List<CustomResourceDefinition> crds() {
    ClassLoader loader = EmbeddedApiServer.class.getClassLoader();
    List<CustomResourceDefinition> crds = new ArrayList<>();
    for (String name : crdFileNames(loader)) {
      try (InputStream in = loader.getResourceAsStream(CRD_DIRECTORY + name)) {
        crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (crds.isEmpty()) {
      throw new IllegalStateException(
          "no *"
              + CRD_SUFFIX
              + " in "
              + CRD_DIRECTORY
              + " on the class path: the operator's build"
              + " generates them (is the operator module's jar on the class path?)");
    }
    return crds;
  }

  /** One of them by name, for example {@code nestedvirtpools.nestedvirt.io}. */
  public static CustomResourceDefinition crd(String name) {
    return crds().stream()
        .filter(c -> c.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("the operator's build generated no " + name));
  }

  /**
   * The CRD files in {@link #CRD_DIRECTORY} of every jar and directory on the class path. A
   * directory has no listing through the class loader, so each is listed where it lives.
   */
  private static SortedSet<String> crdFileNames(ClassLoader loader) {
    SortedSet<String> names = new TreeSet<>();
    try {
      for (URL dir : Collections.list(loader.getResources(CRD_DIRECTORY))) {
        switch (dir.getProtocol()) {
          case "file" -> {
            try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
              files.map(f -> f.getFileName().toString()).forEach(names::add);
            }
          }
          case "jar" -> {
            JarURLConnection connection = (JarURLConnection) dir.openConnection();
            // Our own JarFile, not the class loader's cached one, so that closing it is safe.
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
              jar.stream()
                  .map(JarEntry::getName)
                  .filter(n -> n.startsWith(CRD_DIRECTORY))
                  .map(n -> n.substring(CRD_DIRECTORY.length()))
                  .forEach(names::add);
            }
          }
          default -> throw new IllegalStateException("cannot list the class path entry " + dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    names.removeIf(n -> n.contains("/") || !n.endsWith(CRD_SUFFIX));
    return names;
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.WARNING);
    return logger;
  }

  /**
   * Validates writes of {@code crd}'s kind against it from now on, as if the CRD had been upgraded
   * under a running operator: for tests of objects that the operator's own CRD would refuse.
   */
  public void upgradeCrd(CustomResourceDefinition crd) {
    dispatcher.upgrade(crd);
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
