package io.nestedvirt.operator.agent.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.operator.KvmCheckCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kvm-check} as an admin runs it on a node. */
class KvmCheckCommandTest {
  private static final String SETPRIV = "/usr/bin/setpriv";
  private static final String NOBODY = "65534";

  @TempDir Path tmp;

  @Test
  void onThisMachineItExitsZeroAndSaysTheGuestHalted() {
    Run run = run();

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.err).isEmpty();
    assertThat(run.out)
        .contains("device:       /dev/kvm (KVM API version 12)")
        .contains("KVM_CAP_USER_MEMORY=1")
        .contains("backend:      " + HostVirtualization.read().backend())
        .contains("CPU flag: " + HostVirtualization.read().cpuFlag())
        .contains("result:       guest wrote 0x2a to port 0x10 and halted")
        .containsPattern("took: +\\d+\\.\\d{3} ms");
  }

  @Test
  void withJsonItPrintsOneParsableObject() throws IOException {
    Run run = run("--json");

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out.strip().lines()).hasSize(1);
    JsonNode json = new ObjectMapper().readTree(run.out);
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("apiVersion").asInt()).isEqualTo(12);
    assertThat(json.get("guestByte").asInt()).isEqualTo(0x2a);
    assertThat(json.get("halted").asBoolean()).isTrue();
    assertThat(json.get("elapsedMillis").asDouble()).isPositive();
  }

  @Test
  void devNullFailsWithOneLineSayingItIsNotKvm() {
    Run run = run("--device", "/dev/null");

    assertThat(run.code).isEqualTo(KvmCheckCommand.PROBE_FAILED);
    assertThat(run.out).isEmpty();
    assertThat(run.err)
        .isEqualTo(
            "kvm-check: NOT_A_KVM_DEVICE: /dev/null is not a KVM device (ioctl"
                + " KVM_GET_API_VERSION: ENOTTY)\n");
  }

  @Test
  void aMissingDeviceFailsWithOneLineAndJsonStillPrints() throws IOException {
    Path missing = tmp.resolve("kvm");

    Run run = run("--device", missing.toString(), "--json");

    assertThat(run.code).isEqualTo(KvmCheckCommand.PROBE_FAILED);
    assertThat(run.err.lines()).hasSize(1);
    assertThat(run.err)
        .startsWith("kvm-check: DEVICE_MISSING: " + missing + " does not exist: ")
        .contains("CpuOptions NestedVirtualization=enabled");
    JsonNode json = new ObjectMapper().readTree(run.out);
    assertThat(json.get("ok").asBoolean()).isFalse();
    assertThat(json.get("failure").asText()).isEqualTo("DEVICE_MISSING");
  }

  /**
   * Root opens any file, so the permission failure is proven as the user {@code nobody}, in a JVM
   * of its own, on the real /dev/kvm (mode 0600, owned by root).
   */
  @Test
  void anUnprivilegedUserIsToldPermissionDenied() throws Exception {
    assertThat(Path.of(SETPRIV)).as("setpriv (util-linux) runs the check as nobody").exists();
    assertThat(Files.getOwner(Path.of("/dev/kvm")).getName()).isEqualTo("root");
    assertThat(Files.getPosixFilePermissions(Path.of("/dev/kvm")))
        .as("/dev/kvm must not be open to others for this test to mean anything")
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    Run human = runAsNobody("--device", "/dev/kvm");
    Run json = runAsNobody("--device", "/dev/kvm", "--json");

    assertThat(human.code).as(human.err).isEqualTo(KvmCheckCommand.PROBE_FAILED);
    assertThat(human.out).isEmpty();
    assertThat(human.err)
        .isEqualTo(
            "kvm-check: PERMISSION_DENIED: permission denied opening /dev/kvm: run the agent"
                + " with access to the device\n");
    assertThat(json.code).isEqualTo(KvmCheckCommand.PROBE_FAILED);
    assertThat(new ObjectMapper().readTree(json.out).get("failure").asText())
        .isEqualTo("PERMISSION_DENIED");
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new KvmCheckCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private Run runAsNobody(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                SETPRIV,
                "--reuid=" + NOBODY,
                "--regid=" + NOBODY,
                "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData",
                "-cp",
                classPathNobodyCanRead(),
                KvmCheckMain.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(tmp.toFile()).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kvm-check as nobody finished").isTrue();
    return new Run(p.exitValue(), out, err);
  }

  /**
   * The operator's classes, these test classes, and a copy of picocli: the Maven repository is
   * under /root, which nobody cannot enter.
   */
  private String classPathNobodyCanRead() throws IOException, URISyntaxException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path picocli = tmp.resolve("picocli.jar");
    Files.copy(codeSource(CommandLine.class), picocli, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(picocli, PosixFilePermissions.fromString("rw-r--r--"));
    return String.join(
        ":",
        codeSource(KvmCheckCommand.class).toString(),
        codeSource(KvmCheckMain.class).toString(),
        picocli.toString());
  }

  private static Path codeSource(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
