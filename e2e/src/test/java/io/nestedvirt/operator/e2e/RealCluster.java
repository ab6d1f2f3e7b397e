package io.nestedvirt.operator.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real etcd and kube-apiserver on loopback (RBAC on, bootstrap tokens accepted), with everything
 * the chart renders into deploy/nestedvirt-operator.yaml applied server-side (the CRD, the
 * operator's and the agent's RBAC, the Deployment and DaemonSet, which no controller here runs, the
 * two namespaces with their Pod Security levels and the agent's ValidatingAdmissionPolicy), so that
 * tests meet the same schema, CEL rules, server-side apply, admission and authorization that users'
 * clusters have.
 *
 * <p>A real kube-controller-manager runs next to them with only its disruption controller, which
 * computes PodDisruptionBudget status (the allowed disruptions that the eviction API reads). Other
 * controllers (ReplicaSet, garbage collector, namespace, ...) are off: tests that need their effect
 * play their part explicitly. No scheduler runs, so pods stay where tests put them; a cluster made
 * with {@link Components#SCHEDULING} (a stack of its own) adds the DaemonSet and node lifecycle
 * controllers and the real kube-scheduler.
 *
 * <p>KubeVirt's CRDs and a {@code KubeVirt} CR are installed too ({@link KubeVirtObjects}); no
 * KubeVirt component runs (the VM tests start their stand-ins).
 */
final class RealCluster implements AutoCloseable {
  static final String OPERATOR_NAMESPACE = "nestedvirt-system";
  static final String OPERATOR_ACCOUNT = "nestedvirt-operator";

  /** The node agent's own namespace and ServiceAccount (the chart's defaults). */
  static final String AGENT_NAMESPACE = "nestedvirt-agent";

  static final String AGENT_ACCOUNT = "nestedvirt-agent";
  static final String AGENT_USER = "system:serviceaccount:" + AGENT_NAMESPACE + ":" + AGENT_ACCOUNT;

  /** The chart rendered by helm/render-deploy.sh; RenderedManifestsE2E keeps it fresh. */
  static final String DEPLOY_MANIFESTS = "deploy/nestedvirt-operator.yaml";

  final E2EEnvironment env;
  final KubernetesClient admin;
  final Path adminKubeconfig;
  private final KubeAPIServer server;
  private final Config adminConfig;
  private final List<KubeComponent> components = new ArrayList<>();

  /**
   * Which of Kubernetes' own components run next to the API server: kube-controller-manager with
   * {@code controllers} and {@code controllerFlags}, and kube-scheduler if {@code scheduler}.
   */
  record Components(List<String> controllers, List<String> controllerFlags, boolean scheduler) {
    /** The shared stack's: budgets computed, and no pod placed or created by anyone but tests. */
    static final Components DISRUPTION =
        new Components(List.of("disruption-controller"), List.of(), false);

    /**
     * Pods placed by the real scheduler, and DaemonSets' pods created by the real DaemonSet
     * controller (and bound by the scheduler, through the node affinity the controller sets). The
     * node lifecycle controller lifts the {@code node.kubernetes.io/not-ready} taint that the API
     * server's TaintNodesByCondition admission puts on every new Node, once the Node reports Ready;
     * its grace periods are an hour because the simulated kubelets post status only when it changes
     * (no heartbeats), which must not make it taint their nodes unreachable.
     */
    static final Components SCHEDULING =
        new Components(
            List.of("disruption-controller", "daemonset-controller", "node-lifecycle-controller"),
            List.of("--node-monitor-grace-period=1h", "--node-startup-grace-period=1h"),
            true);
  }

  RealCluster(E2EEnvironment env) throws IOException {
    this(env, Components.DISRUPTION);
  }

  RealCluster(E2EEnvironment env, Components wanted) throws IOException {
    this.env = env;
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(env.cache().toString())
                .withApiServerVersion(env.kubernetesVersion())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                // As kubeadm's API server: kubeadm pools join with bootstrap tokens.
                .withApiServerFlag("--enable-bootstrap-token-auth")
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
    try {
      components.add(
          KubeComponent.controllerManager(
              env, adminKubeconfig, wanted.controllers(), wanted.controllerFlags()));
      if (wanted.scheduler()) {
        components.add(KubeComponent.scheduler(env, adminKubeconfig));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
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

  /** A client that authenticates with a ServiceAccount token, as that account's pod would. */
  KubernetesClient clientWithToken(String token) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder()
                .withMasterUrl(adminConfig.getMasterUrl())
                .withCaCertData(caData())
                .withOauthToken(token)
                .build())
        .build();
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
    components.forEach(KubeComponent::close);
    admin.close();
    server.stop();
  }
}
