package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image tarball that the build makes (Jib, profiles image and image-local-base; bin/test-e2e
 * turns them on) is a runnable image: its layers unpacked into a root directory, the entrypoint and
 * command of its config, run with that root's Java, start the operator.
 */
class ContainerImageE2E {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path unpacked;
  private static Path root;
  private static JsonNode config;

  @BeforeAll
  static void unpack() throws IOException, InterruptedException {
    Path tar =
        Path.of(
            System.getProperty("e2e.image", "../operator/target/nestedvirt-operator-image.tar"));
    assertThat(tar)
        .as(
            "the image tarball: build it with ./mvnw -Pe2e,image,image-local-base verify (bin/test-e2e does)")
        .exists();
    Path layout = Files.createDirectories(unpacked.resolve("layout"));
    root = Files.createDirectories(unpacked.resolve("root"));
    run(List.of("tar", "-xf", tar.toString(), "-C", layout.toString()));
    // OCI image layout: index.json -> manifest -> config and layers, by digest.
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode manifest = blob(layout, index.at("/manifests/0/digest").asText());
    config = blob(layout, manifest.at("/config/digest").asText()).get("config");
    for (JsonNode layer : manifest.get("layers")) {
      assertThat(layer.get("mediaType").asText()).endsWith("tar+gzip");
      Path file = blobPath(layout, layer.get("digest").asText());
      run(List.of("tar", "-xzf", file.toString(), "-C", root.toString()));
    }
  }

  @Test
  void theEntrypointStartsTheOperatorAndItsDefaultCommandPrintsHelp() throws Exception {
    List<String> command = new ArrayList<>();
    config.get("Entrypoint").forEach(a -> command.add(a.asText()));
    config.get("Cmd").forEach(a -> command.add(a.asText()));
    assertThat(command.getFirst()).isEqualTo("/opt/java/openjdk/bin/java");
    assertThat(root.resolve("opt/java/openjdk/bin/java")).isExecutable();

    String out = run(inRoot(command));
    assertThat(out)
        .contains("Usage: nestedvirt-operator")
        .contains("run", "agent", "kvm-check")
        .as("the sandbox is its own jar, not in the image")
        .doesNotContain("sandbox");
  }

  @Test
  void theImageCarriesNoSandboxAndNoMockApiServerLibraries() throws IOException {
    Path libs = root.resolve("app/libs");
    assertThat(libs).isDirectory();
    List<String> jars;
    try (var files = Files.list(libs)) {
      jars = files.map(f -> f.getFileName().toString()).sorted().toList();
    }
    assertThat(jars)
        .as("the image's /app/libs")
        .isNotEmpty()
        .noneMatch(
            j ->
                j.startsWith("nestedvirt-sandbox")
                    || j.startsWith("kubernetes-server-mock")
                    || j.startsWith("mockwebserver")
                    || j.startsWith("vertx-")
                    || j.startsWith("netty-")
                    || j.startsWith("bc"));
  }

  @Test
  void theRunCommandIsThere() throws Exception {
    List<String> command = new ArrayList<>();
    config.get("Entrypoint").forEach(a -> command.add(a.asText()));
    command.addAll(List.of("run", "--help"));
    assertThat(run(inRoot(command))).contains("--cluster-name", "--region");
  }

  @Test
  void itRunsAsANonRootUser() {
    assertThat(config.get("User").asText()).isEqualTo("65532:65532");
  }

  /** Absolute paths of the image (also inside a class path) resolved in the unpacked root. */
  private static List<String> inRoot(List<String> command) {
    return command.stream()
        .map(
            arg ->
                arg.startsWith("/")
                    ? Arrays.stream(arg.split(":"))
                        .map(p -> root + p)
                        .collect(Collectors.joining(":"))
                    : arg)
        .toList();
  }

  private static JsonNode blob(Path layout, String digest) throws IOException {
    return JSON.readTree(blobPath(layout, digest).toFile());
  }

  private static Path blobPath(Path layout, String digest) {
    return layout.resolve("blobs").resolve(digest.replace(':', '/'));
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s hung", command).isTrue();
    assertThat(p.exitValue()).as("%s:%n%s", command, out).isZero();
    return out;
  }
}
