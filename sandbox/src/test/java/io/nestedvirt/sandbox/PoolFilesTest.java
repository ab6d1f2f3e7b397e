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
 * The examples directory may gain manifests for other tools (a KubeVirt CR, a chart's values, a
 * subdirectory of Kata manifests); the sandbox must still find exactly the pools.
 */
class PoolFilesTest {
  @TempDir Path dir;

  private final KubernetesClient client = new KubernetesClientBuilder().build();

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void readsOnlyTopLevelPoolsAndNotesWhatItSkips() throws Exception {
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

    List<NestedVirtPool> pools =
        PoolFiles.read(client, dir, new PrintStream(notes, true, StandardCharsets.UTF_8));

    assertThat(pools).extracting(NestedVirtPool::name).containsExactly("first");
    assertThat(notes.toString(StandardCharsets.UTF_8))
        .contains("skipped RuntimeClass kata-qemu")
        .contains("b-template.yaml")
        .doesNotContain("nested");
  }

  @Test
  void theShippedExamplesAreAllPools() {
    ByteArrayOutputStream notes = new ByteArrayOutputStream();
    List<NestedVirtPool> pools =
        PoolFiles.read(
            client,
            Path.of("..", "deploy", "examples"),
            new PrintStream(notes, true, StandardCharsets.UTF_8));
    assertThat(pools).extracting(NestedVirtPool::name).contains("kubevirt", "kata");
  }
}
