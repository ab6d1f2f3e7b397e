package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code helm upgrade} of the CRD chart (helm/nestedvirt-operator-crds) changes the CRDs on a real
 * API server, which the main chart's crds/ never does. The stack applied the CRDs itself, as the
 * main chart's first install would: they are adopted as the README says, upgraded with a copy of
 * the chart that adds a printer column (as a release adding a field would), and restored by
 * upgrading to the chart as it is.
 */
class CrdChartUpgradeE2E {
  private static final String RELEASE = "nestedvirt-operator-crds";
  private static final String POOLS = "nestedvirtpools.nestedvirt.io";
  private static final String MACHINES = "nestedvirtinstances.nestedvirt.io";

  private final RealCluster cluster = E2E.stack().cluster();
  private final Helm helm = new Helm(cluster.env);

  @Test
  void helmUpgradeOfTheCrdChartUpdatesTheCrds(@TempDir Path dir) throws IOException {
    // Adoption of CRDs that exist already (README, "Upgrades and the CRDs").
    succeeds(
        cluster.kubectl(
            "label", "crd", POOLS, MACHINES, "app.kubernetes.io/managed-by=Helm", "--overwrite"));
    succeeds(
        cluster.kubectl(
            "annotate",
            "crd",
            POOLS,
            MACHINES,
            "meta.helm.sh/release-name=" + RELEASE,
            "meta.helm.sh/release-namespace=default",
            "--overwrite"));
    succeeds(upgrade(helm.chart().resolveSibling("nestedvirt-operator-crds")));
    assertThat(columns()).doesNotContain("Upgraded");

    Path newer = dir.resolve("nestedvirt-operator-crds");
    copy(helm.chart().resolveSibling("nestedvirt-operator-crds"), newer);
    Path template = newer.resolve("templates/" + POOLS + "-v1.yml");
    String crd = Files.readString(template);
    String list = "  - additionalPrinterColumns:\n";
    assertThat(crd).contains(list);
    Files.writeString(
        template,
        crd.replace(
            list,
            list
                + "    - jsonPath: \".spec.capacityType\"\n"
                + "      name: \"Upgraded\"\n"
                + "      priority: 1\n"
                + "      type: \"string\"\n"));
    try {
      succeeds(upgrade(newer));
      assertThat(columns()).as("the API server's CRD after helm upgrade").startsWith("Upgraded");
    } finally {
      succeeds(upgrade(helm.chart().resolveSibling("nestedvirt-operator-crds")));
    }
    assertThat(columns()).as("upgraded back to the chart as it is").doesNotContain("Upgraded");
  }

  private Tool.Result upgrade(Path chart) {
    return helm.run(
        "upgrade",
        "--install",
        RELEASE,
        chart.toString(),
        "--namespace",
        "default",
        "--kubeconfig",
        cluster.adminKubeconfig.toString());
  }

  private List<String> columns() {
    return cluster
        .admin
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(POOLS)
        .get()
        .getSpec()
        .getVersions()
        .getFirst()
        .getAdditionalPrinterColumns()
        .stream()
        .map(CustomResourceColumnDefinition::getName)
        .toList();
  }

  private static void succeeds(Tool.Result r) {
    assertThat(r.code()).as(r.output()).isZero();
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }
}
