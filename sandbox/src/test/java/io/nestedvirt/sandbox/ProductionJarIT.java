package io.nestedvirt.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The production jar carries no demo or test code, still runs, and runs against the sandbox's
 * stack. It is the operator module's artifact, packaged before this module in the reactor (hence
 * failsafe, after this module's own package phase); the enforcer rule in operator/pom.xml guards
 * its dependencies, this the result.
 */
class ProductionJarIT {
  private static final Path JAR =
      Path.of(
              System.getProperty(
                  "production.jar",
                  Path.of("..", "operator", "target", "nestedvirt-operator.jar").toString()))
          .toAbsolutePath()
          .normalize();

  /** Packages that belong to the sandbox or to the mock API server and its libraries. */
  private static final List<String> FORBIDDEN =
      List.of(
          "io/nestedvirt/sandbox/",
          "io/nestedvirt/operator/sandbox/",
          "io/fabric8/mockwebserver/",
          "io/fabric8/kubernetes/client/server/mock/",
          "io/vertx/",
          "io/netty/",
          "org/bouncycastle/");

  @Test
  void carriesNoSandboxNoMockApiServerAndNoneOfTheirLibraries() throws IOException {
    assertThat(JAR).as("the production jar: build it with ./mvnw package").exists();
    Map<String, List<String>> offenders = new TreeMap<>();
    try (ZipFile zip = new ZipFile(JAR.toFile())) {
      zip.stream()
          .map(ZipEntry::getName)
          .filter(name -> name.endsWith(".class"))
          .forEach(
              name ->
                  FORBIDDEN.stream()
                      .filter(name::startsWith)
                      .findFirst()
                      .ifPresent(
                          prefix ->
                              offenders.computeIfAbsent(prefix, p -> new ArrayList<>()).add(name)));
    }
    List<String> report = new ArrayList<>();
    offenders.forEach(
        (prefix, classes) ->
            report.add(
                classes.size()
                    + " classes under "
                    + prefix
                    + ", for example "
                    + classes.getFirst()));
    assertThat(report)
        .as(
            "%s must hold production code only; it holds what belongs in the sandbox jar or in"
                + " test scope (a dependency of the operator module that should not be there?)",
            JAR)
        .isEmpty();
  }

  @Test
  void stillHasRunAgentAndKvmCheckAndNoSandbox() throws Exception {
    String help = run("--help");
    String commands = help.substring(help.indexOf("Commands:"));
    assertThat(commands.lines().map(String::strip).map(l -> l.split("\\s+")[0]))
        .as("the commands of java -jar %s --help:%n%s", JAR, help)
        .contains("run", "agent", "kvm-check")
        .doesNotContain("sandbox");
    // Each command's classes load from the jar alone.
    assertThat(run("run", "--help")).contains("--cluster-name");
    assertThat(run("agent", "--help")).contains("NestedVirtualizationReady");
    assertThat(run("kvm-check", "--help")).contains("--device");
  }

  /**
   * The jar runs against the sandbox's stack as README's AOT training runs it: the sandbox without
   * an operator starts {@code java -jar JAR run ...}, which makes the example pools Ready, and
   * stops it with SIGTERM.
   */
  @Test
  void runsAgainstTheSandboxStackUntilTheExamplePoolsAreReady(@TempDir Path tmp) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    int code =
        new CommandLine(new SandboxCommand())
            .execute(
                "-f",
                Path.of("..", "deploy", "examples").toString(),
                "--no-operator",
                "--kubeconfig-out",
                tmp.resolve("kubeconfig").toString(),
                "--until-ready",
                "--timeout",
                "90s",
                "--boot-delay",
                "200ms",
                "--",
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                JAR.toString());
    assertThat(code)
        .as("the example pools Ready and the operator process stopped by SIGTERM (output above)")
        .isZero();
  }

  /** java -jar JAR ARGS; the output, after asserting exit status 0. */
  private static String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
    assertThat(p.exitValue()).as("exit status of %s:%n%s", command, out).isZero();
    return out;
  }
}
