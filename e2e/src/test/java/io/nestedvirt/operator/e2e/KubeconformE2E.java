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
 * <p>Kinds whose CRDs this project does not have offline are skipped by name, and only those:
 * KubeVirt and VirtualMachine (kubevirt.io publishes types, not CRD files, on the registries we
 * reach), Argo CD's Application and prometheus-operator's ServiceMonitor. Any other kind without a
 * schema is an error.
 */
class KubeconformE2E {
  private static final String SKIPPED =
      "KubeVirt,VirtualMachine,Application,ServiceMonitor,PodMonitor";
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
            env.repo().resolve("crds/nestedvirtpools.nestedvirt.io-v1.yml"),
            schemas);
  }

  @Test
  void theRenderedChartAndEveryExampleAreValid() {
    Tool.Result r = kubeconform("deploy/nestedvirt-operator.yaml", "deploy/examples");
    assertThat(r.code()).as(r.output()).isZero();
    // 14 objects in the rendered chart, 2 pools, a RuntimeClass, a pod; skipped by name: the
    // KubeVirt CR, the VirtualMachine and the Argo CD Application.
    assertThat(r.output()).contains("Valid: 19, Invalid: 0, Errors: 0, Skipped: 3");
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
  void aMisspeltFieldAndABadPoolAreCaught(@TempDir Path dir) throws IOException {
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
        """);
    Tool.Result r = kubeconform(file.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.output()).contains("replica").contains("Invalid: 2");
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
            SKIPPED));
    command.addAll(List.of(files));
    return Tool.run(env.repo(), command);
  }
}
