package io.nestedvirt.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD in crds/, and the chart's copy of it, must be exactly what the build generates
 * from the Java model.
 */
class CrdFreshnessTest {
  private static final String FILE = "nestedvirtpools.nestedvirt.io-v1.yml";

  @Test
  void committedCrdMatchesTheGeneratedOne() throws IOException {
    Path generated = Path.of(System.getProperty("crd.generated"), FILE);
    Path committed = Path.of(System.getProperty("crd.committed"), FILE);
    assertThat(generated).as("the build generates the CRD").exists();
    assertThat(committed)
        .as("crds/%s is committed; create it with ./mvnw -Pupdate-generated process-classes", FILE)
        .exists();
    assertThat(Files.readString(committed))
        .as(
            "crds/%s is stale: the Java model changed. Run ./mvnw -Pupdate-generated"
                + " process-classes and commit crds/",
            FILE)
        .isEqualTo(Files.readString(generated));
  }

  @Test
  void theBuildGeneratesCrdsOnlyForOurOwnResources() throws IOException {
    // The module also holds KubeVirt's generated model (io.kubevirt.v1): its CRDs are KubeVirt's
    // to install, and a copy of them in crds/ or the chart would fight virt-operator.
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("crd.generated")))) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .as("CRDs the build generates")
          .isNotEmpty()
          .allMatch(name -> name.endsWith(".nestedvirt.io-v1.yml"));
    }
  }

  @Test
  void theChartShipsTheSameCrd() throws IOException {
    Path generated = Path.of(System.getProperty("crd.generated"), FILE);
    Path chart = Path.of(System.getProperty("crd.chart"), FILE);
    assertThat(chart)
        .as(
            "helm/nestedvirt-operator/crds/%s is missing; create it with ./mvnw"
                + " -Pupdate-generated process-classes",
            FILE)
        .exists();
    assertThat(Files.readString(chart))
        .as(
            "helm/nestedvirt-operator/crds/%s is stale: run ./mvnw -Pupdate-generated"
                + " process-classes and commit helm/ and deploy/",
            FILE)
        .isEqualTo(Files.readString(generated));
  }
}
