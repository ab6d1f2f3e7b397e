package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image tarball that the build makes (Jib, profiles image and image-local-base; bin/test-e2e
 * turns them on) is a runnable image: its layers unpacked into a root directory, the entrypoint and
 * command of its config, run with that root's Java, start the operator; it holds no shell and no
 * package manager, and its jlink'ed Java has every module its libraries need.
 */
class ContainerImageE2E {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path unpacked;
  private static Path root;
  private static JsonNode config;
  private static long compressedBytes;
  private static int layers;

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
    compressedBytes = manifest.at("/config/size").asLong();
    for (JsonNode layer : manifest.get("layers")) {
      assertThat(layer.get("mediaType").asText()).endsWith("tar+gzip");
      compressedBytes += layer.get("size").asLong();
      layers++;
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
  void theImageCarriesNoSandboxNoMockApiServerAndNoHttpClient4Libraries() throws IOException {
    List<String> jars = libraries();
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
                    || j.startsWith("bc"))
        .as("the AWS SDK talks through Apache HttpClient 5 only")
        .anyMatch(j -> j.startsWith("apache5-client-"))
        .anyMatch(j -> j.startsWith("httpclient5-"))
        .noneMatch(j -> j.startsWith("apache-client-") || j.startsWith("httpclient-4"));
  }

  @Test
  void theImagesJavaRuntimeHasEveryModuleItsLibrariesNeed() throws Exception {
    // jdeps reads the image's classes and jars and names the JDK modules they reference; the
    // jlink'ed runtime (src/image/java-runtime.sh) must have each, or a class of a library fails
    // to load in production only, at the first call that reaches it.
    Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
    List<String> command = new ArrayList<>(List.of(jdeps.toString(), "--print-module-deps"));
    command.addAll(List.of("--ignore-missing-deps", "--multi-release", "25", "-q"));
    command.addAll(List.of("--class-path", root.resolve("app/libs") + "/*"));
    libraries().forEach(j -> command.add(root.resolve("app/libs").resolve(j).toString()));
    command.add(root.resolve("app/classes").toString());
    Set<String> needed = Set.of(lastLine(run(command)).split(","));

    String java = root.resolve("opt/java/openjdk/bin/java").toString();
    Set<String> present =
        run(List.of(java, "--list-modules"))
            .lines()
            .map(l -> l.replaceFirst("@.*", "").strip())
            .filter(l -> !l.isEmpty())
            .collect(Collectors.toSet());
    assertThat(needed).as("jdeps found the modules the libraries need").contains("java.base");
    assertThat(present)
        .as("the image's runtime modules; add the missing ones to src/image/java-runtime.sh")
        .containsAll(needed);
  }

  @Test
  void theImageHasNoShellAndNoPackageManager() {
    List<String> found = new ArrayList<>();
    for (String dir : List.of("bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin")) {
      for (String tool :
          List.of(
              "sh",
              "bash",
              "ash",
              "dash",
              "zsh",
              "busybox",
              "apt",
              "apt-get",
              "dpkg",
              "apk",
              "microdnf",
              "dnf",
              "yum",
              "rpm")) {
        // Not following links: a link in the unpacked root may point at the host's own /bin/sh.
        Path path = root.resolve(dir).resolve(tool);
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          found.add("/" + dir + "/" + tool);
        }
      }
    }
    assertThat(found).as("shells and package managers in the image").isEmpty();
    // The runtime is a jlink'ed JRE, not a JDK: no compiler, no jmods, no sources.
    Path java = root.resolve("opt/java/openjdk");
    assertThat(java.resolve("bin/javac")).doesNotExist();
    assertThat(java.resolve("jmods")).doesNotExist();
    assertThat(java.resolve("lib/src.zip")).doesNotExist();
  }

  @Test
  void reportsTheImagesCompressedSize() {
    // What a registry stores and a node pulls: the config and the gzip'ed layers, as the OCI
    // manifest counts them. A figure to read in the test output, not a threshold.
    System.out.printf(
        "ContainerImageE2E: image %s compressed (config and %d layers), %d bytes%n",
        mebibytes(compressedBytes), layers, compressedBytes);
    assertThat(compressedBytes).isPositive();
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
    String user = config.get("User").asText();
    assertThat(user).isEqualTo("65532:65532");
    assertThat(user.split(":")).as("neither uid nor gid is root").doesNotContain("0", "root");
  }

  private static List<String> libraries() throws IOException {
    Path libs = root.resolve("app/libs");
    assertThat(libs).isDirectory();
    try (var files = Files.list(libs)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  private static String lastLine(String out) {
    List<String> lines = out.strip().lines().toList();
    return lines.getLast().strip();
  }

  private static String mebibytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
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
