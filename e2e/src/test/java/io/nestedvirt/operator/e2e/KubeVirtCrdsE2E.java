package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubevirt.v1.KubeVirt;
import io.kubevirt.v1.VirtualMachineInstance;
import io.kubevirt.v1.VirtualMachineInstanceMigration;
import io.nestedvirt.operator.kubevirt.KubeVirtSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KubeVirt's CRDs and the operator's model of them come from KubeVirt's own Go module
 * (kubevirt/generate.sh): the committed files are exactly what the generator writes today, the
 * KubeVirt CRD is the one KubeVirt publishes, and the complete CRDs install on a real API server,
 * which then serves complete objects that the operator's model reads.
 */
class KubeVirtCrdsE2E {
  private static final String REGENERATE =
      "run kubevirt/generate.sh and commit kubevirt/crds and operator/src/main/kubevirt";
  private static final List<String> FILES =
      List.of(
          "virtualmachineinstances.kubevirt.io.yaml",
          "virtualmachineinstancemigrations.kubevirt.io.yaml",
          "kubevirts.kubevirt.io.yaml");

  private static Path repo;
  private static Path generated;

  @BeforeAll
  static void generate() throws IOException {
    repo = Path.of(System.getProperty("e2e.repo", "..")).toAbsolutePath().normalize();
    generated = repo.resolve("e2e/target/kubevirt-generated");
    Tool.Result r =
        Tool.run(
            repo,
            List.of(
                "bash",
                "kubevirt/generate.sh",
                generated.resolve("crds").toString(),
                generated.resolve("model").toString()));
    assertThat(r.code())
        .as("kubevirt/generate.sh (needs go and the Go module proxy): %s", r.output())
        .isZero();
  }

  @Test
  void theCommittedCrdsAreWhatKubeVirtsModuleGenerates() throws IOException {
    for (String file : FILES) {
      assertThat(Files.readString(repo.resolve("kubevirt/crds").resolve(file)))
          .as("kubevirt/crds/%s is stale: %s", file, REGENERATE)
          .isEqualTo(Files.readString(generated.resolve("crds").resolve(file)));
      assertThat(Files.readString(repo.resolve("operator/src/main/kubevirt").resolve(file)))
          .as("operator/src/main/kubevirt/%s is stale: %s", file, REGENERATE)
          .isEqualTo(Files.readString(generated.resolve("model").resolve(file)));
    }
    try (Stream<Path> committed = Files.list(repo.resolve("kubevirt/crds"))) {
      assertThat(committed.map(p -> p.getFileName().toString()))
          .as("kubevirt/crds holds only generated files")
          .containsExactlyInAnyOrderElementsOf(FILES);
    }
  }

  @Test
  void theGeneratorsOwnTestsPass() {
    Tool.Result r = Tool.run(repo.resolve("kubevirt/tools"), List.of("go", "test", "./..."));
    assertThat(r.code()).as("go test in kubevirt/tools: %s", r.output()).isZero();
  }

  @Test
  void theKubeVirtCrdIsTheOneKubeVirtPublishes() throws IOException {
    // KubeVirt's release manifests carry its own CRD only for the KubeVirt kind (virt-operator
    // creates the others at run time); ours must be the same object, written differently.
    Tool.Result module =
        Tool.run(repo, List.of("bash", "kubevirt/generate.sh", "--kubevirt-module-dir"));
    assertThat(module.code()).as(module.output()).isZero();
    Path published = Path.of(module.output().strip(), "manifests/generated/kv-resource.yaml");
    YAMLMapper yaml = new YAMLMapper();
    JsonNode theirs = yaml.readTree(published.toFile());
    JsonNode ours =
        yaml.readTree(repo.resolve("kubevirt/crds/kubevirts.kubevirt.io.yaml").toFile());

    assertThat(ours)
        .as("kubevirt/crds/kubevirts.kubevirt.io.yaml vs %s", published)
        .isEqualTo(theirs);
  }

  @Test
  void theCompleteCrdsInstallAndServeObjectsTheModelReads() {
    KubernetesClient admin = E2E.stack().cluster().admin;
    List<CustomResourceDefinition> crds = FILES.stream().map(KubeVirtCrdsE2E::crd).toList();
    List<CustomResourceDefinition> installedHere =
        crds.stream().filter(crd -> admin.resource(crd).get() == null).toList();
    String namespace = "kubevirt-crds-e2e";
    List<HasMetadata> created = new ArrayList<>();
    try {
      for (CustomResourceDefinition crd : crds) {
        admin.resource(crd).forceConflicts().serverSideApply();
        admin
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(crd.getMetadata().getName())
            .waitUntilCondition(Crds::established, 30, TimeUnit.SECONDS);
      }
      admin
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .serverSideApply();
      KubernetesSerialization serialization = KubeVirtSerialization.create();
      try (KubernetesClient reader =
          new KubernetesClientBuilder()
              .withConfig(admin.getConfiguration())
              .withKubernetesSerialization(serialization)
              .build()) {
        for (String fixture :
            List.of("virtualmachineinstance", "virtualmachineinstancemigration", "kubevirt")) {
          created.add(admin.resource(fixture(fixture, namespace)).create());
        }

        // The VMI has no status subresource: its status is stored as created.
        VirtualMachineInstance vmi =
            reader
                .resources(VirtualMachineInstance.class)
                .inNamespace(namespace)
                .withName("fedora-web")
                .get();
        assertThat(vmi.getSpec().getEvictionStrategy()).isEqualTo("LiveMigrate");
        assertThat(vmi.getStatus().getNodeName()).isEqualTo("ip-10-0-2-17.ec2.internal");
        assertThat(vmi.getStatus().getMigrationState().getSourceNode())
            .isEqualTo("ip-10-0-1-42.ec2.internal");
        assertThat(vmi.getStatus().getConditions()).hasSize(3);

        VirtualMachineInstanceMigration migration =
            reader
                .resources(VirtualMachineInstanceMigration.class)
                .inNamespace(namespace)
                .withName("kubevirt-evacuation-2v8xq")
                .get();
        assertThat(migration.getSpec().getVmiName()).isEqualTo("fedora-web");
        assertThat(migration.getStatus()).as("status is a subresource: create drops it").isNull();

        KubeVirt kubeVirt =
            reader.resources(KubeVirt.class).inNamespace(namespace).withName("kubevirt").get();
        assertThat(
                kubeVirt
                    .getSpec()
                    .getConfiguration()
                    .getMigrations()
                    .getParallelMigrationsPerCluster())
            .isEqualTo(6);
      }
    } finally {
      // The tests that follow get the cluster as it was: without KubeVirt's CRDs unless something
      // else installed them, and then without these objects.
      created.forEach(object -> admin.resource(object).delete());
      for (CustomResourceDefinition crd : installedHere) {
        admin.resource(crd).delete();
      }
      for (CustomResourceDefinition crd : installedHere) {
        admin
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(crd.getMetadata().getName())
            .waitUntilCondition(c -> c == null, 60, TimeUnit.SECONDS);
      }
    }
  }

  private static CustomResourceDefinition crd(String file) {
    try (InputStream in = Files.newInputStream(repo.resolve("kubevirt/crds").resolve(file))) {
      return new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A complete object of the operator's test fixtures (operator test-jar), as a generic one. */
  private static HasMetadata fixture(String name, String namespace) {
    try (InputStream in =
        KubeVirtCrdsE2E.class.getResourceAsStream("/kubevirt/" + name + ".json")) {
      assertThat(in).as("operator test fixture kubevirt/%s.json", name).isNotNull();
      HasMetadata object =
          new KubernetesSerialization()
              .unmarshal(in, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
      object.getMetadata().setNamespace(namespace);
      object.getMetadata().setResourceVersion(null);
      object.getMetadata().setUid(null);
      object.getMetadata().setCreationTimestamp(null);
      object.getMetadata().setGeneration(null);
      // No owner (nothing owns them here) and no finalizer (no KubeVirt controller removes it).
      object.getMetadata().setOwnerReferences(null);
      object.getMetadata().setFinalizers(null);
      return object;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
