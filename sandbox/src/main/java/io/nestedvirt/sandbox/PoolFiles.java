package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads NestedVirtPools from a YAML file or from the *.yaml and *.yml files directly in a directory
 * (multi-document files allowed; subdirectories are not read, so manifests for other tools can live
 * beside the examples). Other kinds (a KubeVirt CR, a RuntimeClass) and files that are not
 * Kubernetes YAML are skipped with a note: the sandbox runs only our operator.
 */
public final class PoolFiles {
  private PoolFiles() {}

  public static List<NestedVirtPool> read(KubernetesClient client, Path path, PrintStream notes) {
    List<NestedVirtPool> pools = new ArrayList<>();
    for (Path file : yamlFiles(path)) {
      List<HasMetadata> items;
      try (InputStream in = Files.newInputStream(file)) {
        items = client.load(in).items();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      } catch (RuntimeException e) {
        notes.printf("sandbox: skipped %s: not Kubernetes YAML (%s)%n", file, e.getMessage());
        continue;
      }
      for (HasMetadata item : items) {
        if (item == null) {
          continue;
        }
        if (item instanceof NestedVirtPool pool) {
          pools.add(pool);
        } else if (isPool(item)) {
          pools.add(client.getKubernetesSerialization().convertValue(item, NestedVirtPool.class));
        } else {
          notes.printf(
              "sandbox: skipped %s %s in %s: the sandbox applies only NestedVirtPools%n",
              item.getKind(), item.getMetadata() == null ? "" : item.getMetadata().getName(), file);
        }
      }
    }
    return pools;
  }

  private static boolean isPool(HasMetadata item) {
    return "NestedVirtPool".equals(item.getKind())
        && item.getApiVersion() != null
        && item.getApiVersion().startsWith(NestedVirtPool.GROUP + "/");
  }

  private static List<Path> yamlFiles(Path path) {
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    try (Stream<Path> files = Files.list(path)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + path, e);
    }
  }
}
