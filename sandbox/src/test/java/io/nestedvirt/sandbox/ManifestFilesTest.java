package io.nestedvirt.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox applies every object of its files, the pools apart; a directory's subdirectories
 * (manifests for other tools, like deploy/examples/kubevirt) and files that are not Kubernetes YAML
 * are left out.
 */
class ManifestFilesTest {
  @TempDir Path dir;

  private final KubernetesClient client = new KubernetesClientBuilder().build();

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void readsEveryObjectOfTheTopLevelFilesAndNotesWhatItSkips() throws Exception {
    Files.writeString(
        dir.resolve("a-pool.yaml"),
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: first
        spec:
          replicas: 1
          instanceTypes: [m8i.large]
        ---
        apiVersion: node.k8s.io/v1
        kind: RuntimeClass
        metadata:
          name: kata-qemu
        handler: kata-qemu
        """);
    Files.writeString(
        dir.resolve("b-template.yaml"), "replicas: {{ .Values.replicas }}\nkind: [unclosed\n");
    Files.writeString(dir.resolve("notes.txt"), "not yaml at all");
    Path nested = Files.createDirectories(dir.resolve("kubevirt"));
    Files.writeString(
        nested.resolve("pool.yaml"),
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: nested
        spec:
          replicas: 1
          instanceTypes: [m8i.large]
        """);
    ByteArrayOutputStream notes = new ByteArrayOutputStream();

    ManifestFiles.Manifests read =
        ManifestFiles.read(
            client, List.of(dir), new PrintStream(notes, true, StandardCharsets.UTF_8));

    assertThat(read.pools()).extracting(NestedVirtPool::name).containsExactly("first");
    assertThat(read.others())
        .extracting(m -> m.object().getKind(), m -> m.file().getFileName().toString())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("RuntimeClass", "a-pool.yaml"));
    assertThat(notes.toString(StandardCharsets.UTF_8))
        .contains("b-template.yaml")
        .doesNotContain("nested");
  }

  @Test
  void severalFilesAreReadInTheOrderGiven() throws Exception {
    Path pod = dir.resolve("pod.yaml");
    Files.writeString(
        pod,
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: vm
        spec:
          containers: [{name: compute, image: busybox}]
        """);
    Path pool = dir.resolve("pool.yml");
    Files.writeString(
        pool,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: burst
        spec:
          autoscaling: {maxReplicas: 3}
          instanceTypes: [m8i.large]
        """);

    ManifestFiles.Manifests read = ManifestFiles.read(client, List.of(pod, pool), System.err);

    assertThat(read.pools()).extracting(NestedVirtPool::name).containsExactly("burst");
    assertThat(read.others()).extracting(m -> m.object().getKind()).containsExactly("Pod");
  }

  @Test
  void theShippedExamplesHoldTheTwoPools() {
    ByteArrayOutputStream notes = new ByteArrayOutputStream();
    List<NestedVirtPool> pools =
        ManifestFiles.pools(
            client,
            Path.of("..", "deploy", "examples"),
            new PrintStream(notes, true, StandardCharsets.UTF_8));
    assertThat(pools).extracting(NestedVirtPool::name).contains("kubevirt", "kata");
  }
}
