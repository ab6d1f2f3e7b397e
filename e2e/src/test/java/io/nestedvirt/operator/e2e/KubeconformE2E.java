package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every rendered manifest and example passes kubeconform, strictly, against the schemas of the
 * Kubernetes version this tier runs and our CRD (made offline by {@link KubeconformSchemas}).
 *
 * <p>The KubeVirt CR is checked against KubeVirt's own CRD (kubevirt/crds, generated from
 * KubeVirt's Go module). Kinds whose CRDs this project does not have offline are skipped by name,
 * and only those: KubeVirt's VirtualMachine (kubevirt/generate.sh does not write its CRD), Argo
 * CD's Application and prometheus-operator's ServiceMonitor and PodMonitor. Any other kind without
 * a schema is an error.
 */
class KubeconformE2E {
  private static final String SKIPPED = "VirtualMachine,Application,ServiceMonitor,PodMonitor";
  private static E2EEnvironment env;
  private static String location;

  @TempDir static Path schemas;

  @BeforeAll
  static void writeSchemas() throws IOException {
    env = E2EEnvironment.load();
    assertThat(env.openapi())
        .as("the Kubernetes OpenAPI spec: run e2e/install.sh (it records its path)")
        .exists();
    location =
        KubeconformSchemas.write(
            env.openapi(),
            List.of(
                env.repo().resolve("crds/nestedvirtpools.nestedvirt.io-v1.yml"),
                env.repo().resolve("kubevirt/crds/kubevirts.kubevirt.io.yaml")),
            schemas);
  }

  @Test
  void theRenderedChartAndEveryExampleAreValid() {
    Tool.Result r = kubeconform("deploy/nestedvirt-operator.yaml", "deploy/examples");
    assertThat(r.code()).as(r.output()).isZero();
    // 21 objects in the rendered chart (the CRDs, two namespaces, the operator's and the agent's
    // accounts and RBAC, the kube-system Role and binding for bootstrap tokens, the agent's
    // admission policy and binding, ...), 2 pools, a pod, the KubeVirt CR, and in autoscaling/ a
    // pool, a RuntimeClass and 2 pods; skipped by name: the VirtualMachine and the Argo CD
    // Application. kata/kata-deploy.values.yaml is Helm values, not a manifest.
    assertThat(r.output()).contains("Valid: 29, Invalid: 0, Errors: 0, Skipped: 2");
  }

  @Test
  void theChartWithEveryOptionOnIsValid(@TempDir Path dir) throws IOException {
    Tool.Result rendered =
        new Helm(env)
            .template(
                "--set",
                "clusterName=prod,region=eu-west-1,metrics.serviceMonitor.enabled=true,"
                    + "agent.podMonitor.enabled=true,grafanaDashboard.enabled=true,"
                    + "agent.useKubevirtDevicePlugin=true,replicaCount=3,"
                    + "interruptionQueue=prod-nestedvirt-interruptions,"
                    + "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::1:role/x,"
                    + "eks.clusterEndpoint=https://example.eks.amazonaws.com,"
                    + "eks.certificateAuthority=Q0E=,eks.serviceCidr=10.100.0.0/16");
    assertThat(rendered.code()).as(rendered.output()).isZero();
    Path file = dir.resolve("all-options.yaml");
    Files.writeString(file, rendered.output());
    Tool.Result r = kubeconform(file.toString());
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output())
        .as("only the ServiceMonitor and the PodMonitor are skipped")
        .contains("Invalid: 0, Errors: 0, Skipped: 2");
  }

  @Test
  void aMisspeltFieldABadPoolAndABadKubeVirtCrAreCaught(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file,
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: typo}
        spec:
          replica: 2
          selector: {matchLabels: {app: x}}
          template:
            metadata: {labels: {app: x}}
            spec:
              containers: [{name: x, image: x}]
        ---
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata: {name: bad}
        spec:
          replicas: three
          instanceTypes: [m8i.large]
        ---
        apiVersion: kubevirt.io/v1
        kind: KubeVirt
        metadata: {name: kubevirt, namespace: kubevirt}
        spec:
          configuration:
            migrations: {parallelMigrationPerCluster: 5}
        """);
    Tool.Result r = kubeconform(file.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.output())
        .contains("replica")
        .contains("parallelMigrationPerCluster")
        .contains("Invalid: 3");
  }

  private Tool.Result kubeconform(String... files) {
    List<String> command = new ArrayList<>();
    command.add(env.kubeconform().toString());
    command.addAll(
        List.of(
            "-strict",
            "-summary",
            "-output",
            "text",
            "-kubernetes-version",
            env.kubernetesVersion(),
            "-schema-location",
            location,
            "-skip",
            SKIPPED,
            // Helm values files among the examples (kata-deploy's) are not manifests.
            "-ignore-filename-pattern",
            "\\.values\\.yaml$"));
    command.addAll(List.of(files));
    return Tool.run(env.repo(), command);
  }
}
