package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the pinned helm binary (e2e/install.sh) on the chart, as a cluster admin would. */
final class Helm {
  static final String CHART = "helm/nestedvirt-operator";

  record Result(int code, String output) {
    /** The rendered objects of a {@code helm template} run; comment-only documents dropped. */
    List<HasMetadata> objects() {
      KubernetesSerialization serialization = new KubernetesSerialization();
      List<HasMetadata> objects = new ArrayList<>();
      for (String doc : output.split("(?m)^---\\s*$")) {
        if (doc.lines().anyMatch(l -> !l.isBlank() && !l.startsWith("#"))) {
          objects.add(serialization.unmarshal(doc, HasMetadata.class));
        }
      }
      return objects;
    }
  }

  private final E2EEnvironment env;

  Helm(E2EEnvironment env) {
    this.env = env;
  }

  Path chart() {
    return env.repo().resolve(CHART);
  }

  Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(env.helm().toString());
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(env.repo().toFile())
              .redirectErrorStream(true)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("helm " + String.join(" ", args) + " hung");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code helm template} of the chart in nestedvirt-system with the given extra arguments. */
  Result template(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of("template", "nestedvirt-operator", CHART, "--namespace", "nestedvirt-system"));
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new));
  }
}
