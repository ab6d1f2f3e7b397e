package io.nestedvirt.operator.sandbox;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads NestedVirtPools from a YAML file or a directory of them (multi-document files allowed).
 * Other kinds in the same files (a KubeVirt CR, a RuntimeClass) are skipped: the sandbox runs only
 * our operator.
 */
final class PoolFiles {
  private PoolFiles() {}

  static List<NestedVirtPool> read(KubernetesClient client, Path path) {
    List<NestedVirtPool> pools = new ArrayList<>();
    for (Path file : yamlFiles(path)) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata item : client.load(in).items()) {
          if (item instanceof NestedVirtPool pool) {
            pools.add(pool);
          } else if ("NestedVirtPool".equals(item.getKind())
              && item.getApiVersion() != null
              && item.getApiVersion().startsWith(NestedVirtPool.GROUP + "/")) {
            pools.add(client.getKubernetesSerialization().convertValue(item, NestedVirtPool.class));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return pools;
  }

  private static List<Path> yamlFiles(Path path) {
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    try (Stream<Path> files = Files.list(path)) {
      return files
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + path, e);
    }
  }
}
