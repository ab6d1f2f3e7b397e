package io.nestedvirt.operator.kubevirt;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** KubeVirt's complete CRDs as committed in kubevirt/crds (written by kubevirt/generate.sh). */
final class KubeVirtCrdFiles {
  private KubeVirtCrdFiles() {}

  static CustomResourceDefinition complete(String plural) {
    Path file =
        Path.of(System.getProperty("repo.root"), "kubevirt", "crds", plural + ".kubevirt.io.yaml");
    try (InputStream in = Files.newInputStream(file)) {
      return new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
