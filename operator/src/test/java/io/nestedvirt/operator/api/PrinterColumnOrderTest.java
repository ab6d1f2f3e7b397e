package io.nestedvirt.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl get nvp} and {@code kubectl get nvi} show their columns in the order the README
 * promises, not in the order of their JSON paths (fabric8's crd-generator sorts them so, which put
 * AGE first and STATUS before the counts): the build reorders them as the model declares them.
 */
class PrinterColumnOrderTest {

  @Test
  void poolColumnsReadLikeADeployment() throws IOException {
    assertThat(columns("nestedvirtpools.nestedvirt.io-v1.yml"))
        .as("kubectl get nvp columns (after NAME), the -o wide ones last")
        .containsExactly(
            "Desired/0",
            "Current/0",
            "Ready/0",
            "Up-to-date/0",
            "Status/0",
            "Age/0",
            "Types/1",
            "Image/1",
            "Capacity/1");
  }

  @Test
  void machineColumnsEndWithAgeBeforeTheWideOnes() throws IOException {
    assertThat(columns("nestedvirtinstances.nestedvirt.io-v1.yml"))
        .as("kubectl get nvi columns (after NAME), the -o wide ones last")
        .containsExactly(
            "Pool/0", "Type/0", "Zone/0", "Instance/0", "Node/0", "Phase/0", "Age/0", "Reason/1");
  }

  private static List<String> columns(String file) throws IOException {
    try (InputStream in =
        Files.newInputStream(Path.of(System.getProperty("crd.generated"), file))) {
      CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
      return crd.getSpec().getVersions().getFirst().getAdditionalPrinterColumns().stream()
          .map(PrinterColumnOrderTest::nameAndPriority)
          .toList();
    }
  }

  private static String nameAndPriority(CustomResourceColumnDefinition column) {
    return column.getName() + "/" + column.getPriority();
  }
}
