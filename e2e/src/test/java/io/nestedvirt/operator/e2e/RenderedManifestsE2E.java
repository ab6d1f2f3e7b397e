package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/ holds the chart rendered by helm/render-deploy.sh; nobody edits it. Other files there
 * (iam-policy.json, a dashboard, examples/) are not generated and not compared.
 */
class RenderedManifestsE2E {
  private static final String HEADER = "# GENERATED from helm/nestedvirt-operator";
  private final E2EEnvironment env = E2EEnvironment.load();

  @Test
  void deployMatchesTheChart(@TempDir Path out) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("bash", "helm/render-deploy.sh", out.toString())
            .directory(env.repo().toFile())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0)
        .as("helm/render-deploy.sh failed: %s", log)
        .isTrue();
    List<Path> rendered = yamlFiles(out);
    assertThat(rendered).isNotEmpty();
    for (Path file : rendered) {
      Path committed = env.repo().resolve("deploy").resolve(file.getFileName());
      assertThat(committed).as("deploy/%s is missing", file.getFileName()).exists();
      assertThat(Files.readString(committed))
          .as(
              "deploy/%s is stale: the chart changed. Run ./mvnw -Pupdate-generated"
                  + " process-classes (or helm/render-deploy.sh) and commit deploy/",
              file.getFileName())
          .isEqualTo(Files.readString(file));
    }
    // A generated file that the chart no longer renders would be applied by users all the same.
    for (Path file : yamlFiles(env.repo().resolve("deploy"))) {
      if (Files.readString(file).startsWith(HEADER)) {
        assertThat(out.resolve(file.getFileName()))
            .as("deploy/%s is generated but no longer rendered: delete it", file.getFileName())
            .exists();
      }
    }
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
  }
}
