package io.nestedvirt.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The embedded API server serves every CRD the operator's build generates, found on its own. */
class EmbeddedApiServerTest {
  @Test
  void installsEveryCrdTheOperatorGenerates() throws IOException {
    List<String> committed;
    try (Stream<Path> files = Files.list(Path.of("..", "crds"))) {
      committed =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.endsWith(EmbeddedApiServer.CRD_SUFFIX))
              .map(n -> n.substring(0, n.length() - "-v1.yml".length()))
              .sorted()
              .toList();
    }
    assertThat(committed).isNotEmpty();
    assertThat(EmbeddedApiServer.crds())
        .extracting(c -> c.getMetadata().getName())
        .as("the CRDs found in the operator's %s", EmbeddedApiServer.CRD_DIRECTORY)
        .containsExactlyElementsOf(committed);
    try (EmbeddedApiServer api = EmbeddedApiServer.start()) {
      assertThat(api.client().apiextensions().v1().customResourceDefinitions().list().getItems())
          .extracting(CustomResourceDefinition::getMetadata)
          .extracting(m -> m.getName())
          .containsExactlyInAnyOrderElementsOf(committed);
    }
  }
}
