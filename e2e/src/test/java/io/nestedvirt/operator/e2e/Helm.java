package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the pinned helm binary (e2e/install.sh) on the chart, as a cluster admin would. */
final class Helm {
  static final String CHART = "helm/nestedvirt-operator";

  /** The CRDs as templates, for {@code helm upgrade}: upgraded before {@link #CHART}. */
  static final String CRD_CHART = "helm/nestedvirt-operator-crds";

  /** The rendered objects of a {@code helm template} run; comment-only documents dropped. */
  static List<HasMetadata> objects(Tool.Result rendered) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : rendered.output().split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> !l.isBlank() && !l.startsWith("#"))) {
        objects.add(serialization.unmarshal(doc, HasMetadata.class));
      }
    }
    return objects;
  }

  private final E2EEnvironment env;

  Helm(E2EEnvironment env) {
    this.env = env;
  }

  Path chart() {
    return env.repo().resolve(CHART);
  }

  Tool.Result run(String... args) {
    List<String> command = new ArrayList<>();
    command.add(env.helm().toString());
    command.addAll(List.of(args));
    return Tool.run(env.repo(), command);
  }

  /** {@code helm template} of the chart in nestedvirt-system with the given extra arguments. */
  Tool.Result template(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of("template", "nestedvirt-operator", CHART, "--namespace", "nestedvirt-system"));
    command.addAll(List.of(args));
    return run(command.toArray(String[]::new));
  }
}
