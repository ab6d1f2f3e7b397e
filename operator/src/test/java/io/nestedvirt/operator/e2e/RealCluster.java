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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd and kube-apiserver on loopback (RBAC on), with our CRDs from crds/ and the operator's
 * RBAC from deploy/ applied, so that tests meet the same schema, CEL rules, server-side apply and
 * authorization that users' clusters have.
 */
final class RealCluster implements AutoCloseable {
  static final String OPERATOR_NAMESPACE = "nestedvirt-system";
  static final String OPERATOR_ACCOUNT = "nestedvirt-operator";

  final E2EEnvironment env;
  final KubernetesClient admin;
  final Path adminKubeconfig;
  private final KubeAPIServer server;
  private final Config adminConfig;

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
    applyCrds();
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(OPERATOR_NAMESPACE)
                .endMetadata()
                .build())
        .serverSideApply();
    applyAll(env.repo().resolve("deploy/rbac.yaml"));
  }

  private void applyCrds() throws IOException {
    try (Stream<Path> files = Files.list(env.repo().resolve("crds"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          CustomResourceDefinition crd =
              admin.apiextensions().v1().customResourceDefinitions().load(in).item();
          admin.resource(crd).serverSideApply();
          admin
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(crd.getMetadata().getName())
              .waitUntilCondition(
                  c ->
                      c.getStatus() != null
                          && c.getStatus().getConditions().stream()
                              .anyMatch(
                                  x ->
                                      x.getType().equals("Established")
                                          && x.getStatus().equals("True")),
                  30,
                  TimeUnit.SECONDS);
        }
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
  Kubectl.Result kubectl(String... args) {
    return Kubectl.run(env.kubectl(), adminKubeconfig, args);
  }

  @Override
  public void close() {
    admin.close();
    server.stop();
  }
}
