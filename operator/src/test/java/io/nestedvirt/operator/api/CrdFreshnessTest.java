package io.nestedvirt.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRDs in crds/, and the charts' copies of them (the main chart's crds/ and the CRD
 * chart's templates/), must be exactly what the build generates from the Java model.
 */
class CrdFreshnessTest {
  private static final String REGENERATE =
      "run ./mvnw -Pupdate-generated process-classes and commit crds/, helm/ and deploy/";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nestedvirtpools.nestedvirt.io-v1.yml",
        "nestedvirtinstances.nestedvirt.io-v1.yml"
      })
  void committedCrdMatchesTheGeneratedOne(String file) throws IOException {
    assertSameAsGenerated(file, "crd.committed", "crds/");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nestedvirtpools.nestedvirt.io-v1.yml",
        "nestedvirtinstances.nestedvirt.io-v1.yml"
      })
  void theChartShipsTheSameCrd(String file) throws IOException {
    assertSameAsGenerated(file, "crd.chart", "helm/nestedvirt-operator/crds/");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nestedvirtpools.nestedvirt.io-v1.yml",
        "nestedvirtinstances.nestedvirt.io-v1.yml"
      })
  void theCrdChartShipsTheSameCrd(String file) throws IOException {
    assertSameAsGenerated(file, "crd.crdChart", "helm/nestedvirt-operator-crds/templates/");
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

  private static void assertSameAsGenerated(String file, String property, String where)
      throws IOException {
    Path generated = Path.of(System.getProperty("crd.generated"), file);
    Path copy = Path.of(System.getProperty(property), file);
    assertThat(generated).as("the build generates the CRD").exists();
    assertThat(copy).as("%s%s is missing: %s", where, file, REGENERATE).exists();
    assertThat(Files.readString(copy))
        .as("%s%s is stale (the Java model changed): %s", where, file, REGENERATE)
        .isEqualTo(Files.readString(generated));
  }
}
