package io.nestedvirt.operator.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd and kube-apiserver on loopback (RBAC on), with everything the chart renders into
 * deploy/nestedvirt-operator.yaml applied server-side (the CRD, the operator's and the agent's
 * RBAC, the Deployment and DaemonSet, which no controller here runs), so that tests meet the same
 * schema, CEL rules, server-side apply and authorization that users' clusters have.
 *
 * <p>A real kube-controller-manager runs next to them with only its disruption controller, which
 * computes PodDisruptionBudget status (the allowed disruptions that the eviction API reads). Other
 * controllers (ReplicaSet, garbage collector, namespace, ...) are off: tests that need their effect
 * play their part explicitly.
 *
 * <p>KubeVirt's CRDs and a {@code KubeVirt} CR are installed too ({@link KubeVirtObjects}); no
 * KubeVirt component runs (the VM tests start their stand-ins).
 */
final class RealCluster implements AutoCloseable {
  static final String OPERATOR_NAMESPACE = "nestedvirt-system";
  static final String OPERATOR_ACCOUNT = "nestedvirt-operator";

  /** The chart rendered by helm/render-deploy.sh; RenderedManifestsE2E keeps it fresh. */
  static final String DEPLOY_MANIFESTS = "deploy/nestedvirt-operator.yaml";

  final E2EEnvironment env;
  final KubernetesClient admin;
  final Path adminKubeconfig;
  private final KubeAPIServer server;
  private final Config adminConfig;
  private final Process controllerManager;

  RealCluster(E2EEnvironment env) throws IOException {
    this.env = env;
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(env.cache().toString())
                .withApiServerVersion(env.kubernetesVersion())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .build());
    server.start();
    String yaml = server.getKubeConfigYaml();
    adminKubeconfig = env.logs().resolve("admin.kubeconfig");
    Files.writeString(adminKubeconfig, yaml);
    adminConfig = Config.fromKubeconfig(yaml);
    admin = new KubernetesClientBuilder().withConfig(adminConfig).build();
    List<HasMetadata> manifests = load(env.repo().resolve(DEPLOY_MANIFESTS));
    applyCrds(manifests);
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(OPERATOR_NAMESPACE)
                .endMetadata()
                .build())
        .serverSideApply();
    for (HasMetadata item : manifests) {
      if (!(item instanceof CustomResourceDefinition)) {
        admin.resource(item).forceConflicts().serverSideApply();
      }
    }
    KubeVirtObjects.install(admin, env.repo());
    controllerManager = startControllerManager();
  }

  /** Built by e2e/install.sh next to kubectl. */
  static Path controllerManagerBinary(E2EEnvironment env) {
    Path binary = env.kubectl().resolveSibling("kube-controller-manager");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(binary + " is missing: run e2e/install.sh");
    }
    return binary;
  }

  /** What {@code kube-controller-manager --version} prints, e.g. {@code Kubernetes v1.34.4}. */
  static String controllerManagerVersion(E2EEnvironment env) throws IOException {
    Process p =
        new ProcessBuilder(controllerManagerBinary(env).toString(), "--version")
            .redirectErrorStream(true)
            .start();
    try (InputStream out = p.getInputStream()) {
      return new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }

  /**
   * Starts kube-controller-manager as the admin with only the disruption controller, and waits
   * until it says the controller started. No leader election (one instance), no serving port (no
   * one scrapes it), the admin's own credentials (no per-controller ServiceAccounts, whose token
   * controller is not running).
   */
  private Process startControllerManager() throws IOException {
    Path log = env.logs().resolve("kube-controller-manager.log");
    Process process =
        new ProcessBuilder(
                controllerManagerBinary(env).toString(),
                "--kubeconfig=" + adminKubeconfig,
                "--controllers=disruption-controller",
                "--leader-elect=false",
                "--secure-port=0",
                "--use-service-account-credentials=false",
                "--v=2")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "kube-controller-manager exited with " + process.exitValue() + "; see " + log);
      }
      if (Files.readString(log)
          .contains("\"Started controller\" controller=\"disruption-controller\"")) {
        return process;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroy();
        throw new IllegalStateException(e);
      }
    }
    process.destroy();
    throw new IllegalStateException(
        "kube-controller-manager did not start its disruption controller within 60 s; see " + log);
  }

  private List<HasMetadata> load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return admin.load(in).items();
    }
  }

  /** The CRDs first, each Established before anything uses it. */
  private void applyCrds(List<HasMetadata> manifests) {
    for (HasMetadata item : manifests) {
      if (item instanceof CustomResourceDefinition crd) {
        Crds.apply(admin, crd);
      }
    }
  }

  /** Applies every object of a multi-document YAML file (server-side, as the admin). */
  void applyAll(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<HasMetadata> items = admin.load(in).items();
      for (HasMetadata item : items) {
        admin.resource(item).forceConflicts().serverSideApply();
      }
    }
  }

  /**
   * A kubeconfig that authenticates as the operator's ServiceAccount with a short-lived token, as
   * the operator's pod would.
   */
  Path operatorKubeconfig() throws IOException {
    String token =
        admin
            .serviceAccounts()
            .inNamespace(OPERATOR_NAMESPACE)
            .withName(OPERATOR_ACCOUNT)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(Duration.ofHours(2).toSeconds())
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    String ca = caData();
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: e2e
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: operator
          user:
            token: %s
        contexts:
        - name: operator
          context:
            cluster: e2e
            user: operator
        current-context: operator
        """
            .formatted(adminConfig.getMasterUrl(), ca, token);
    Path file = env.logs().resolve("operator.kubeconfig");
    Files.writeString(file, yaml);
    return file;
  }

  private String caData() {
    if (adminConfig.getCaCertData() != null) {
      return adminConfig.getCaCertData();
    }
    try {
      return java.util.Base64.getEncoder()
          .encodeToString(Files.readAllBytes(Path.of(adminConfig.getCaCertFile())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs the real kubectl (built by e2e/install.sh) as the admin; returns exit code and output. */
  Tool.Result kubectl(String... args) {
    return Kubectl.run(env.kubectl(), adminKubeconfig, args);
  }

  @Override
  public void close() {
    controllerManager.destroy();
    try {
      if (!controllerManager.waitFor(10, TimeUnit.SECONDS)) {
        controllerManager.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      controllerManager.destroyForcibly();
    }
    admin.close();
    server.stop();
  }
}
