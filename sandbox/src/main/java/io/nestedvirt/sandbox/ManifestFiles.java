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
 * Reads the Kubernetes objects in YAML files, or in the *.yaml and *.yml files directly in a
 * directory (multi-document files allowed; subdirectories are not read, so manifests for other
 * tools can live beside the examples). Files that are not Kubernetes YAML (a chart template) are
 * skipped with a note. NestedVirtPools come apart from the rest, which the sandbox applies after
 * them ({@link ObjectApplier}).
 */
public final class ManifestFiles {
  private ManifestFiles() {}

  /** An object and the file it came from, for messages that name it. */
  public record Manifest(HasMetadata object, Path file) {
    public String describe() {
      String name = object.getMetadata() == null ? "" : object.getMetadata().getName();
      return object.getKind() + " " + name + " (" + file + ")";
    }
  }

  /** The pools and every other object, each in the order of the files and of their documents. */
  public record Manifests(List<NestedVirtPool> pools, List<Manifest> others) {}

  public static Manifests read(KubernetesClient client, List<Path> paths, PrintStream notes) {
    List<NestedVirtPool> pools = new ArrayList<>();
    List<Manifest> others = new ArrayList<>();
    for (Path path : paths) {
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
            others.add(new Manifest(item, file));
          }
        }
      }
    }
    return new Manifests(pools, others);
  }

  /** Only the pools of a file or directory, for callers that apply nothing else. */
  public static List<NestedVirtPool> pools(KubernetesClient client, Path path, PrintStream notes) {
    return read(client, List.of(path), notes).pools();
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
