package io.nestedvirt.operator.agent.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The probe against this machine's real /dev/kvm. These machines have one (so does CI); without it
 * these tests fail rather than skip, because a skipped probe test proves nothing.
 */
class KvmProbeTest {
  private static final Path KVM = Path.of("/dev/kvm");

  @BeforeAll
  static void thisMachineHasKvm() {
    assertThat(Files.exists(KVM))
        .as(
            "/dev/kvm is missing: these tests need a machine with KVM (an instance launched with"
                + " nested virtualization, as CI is); they do not skip")
        .isTrue();
  }

  @Test
  void theGuestWritesItsByteAndHaltsOnThisMachine() {
    ProbeResult result = KvmProbe.run(KVM);

    assertThat(result.ok()).as(result.message()).isTrue();
    assertThat(result.failure()).isNull();
    assertThat(result.reason()).isEqualTo("KvmVerified");
    assertThat(result.message()).isEqualTo("guest wrote 0x2a to port 0x10 and halted");
    assertThat(result.device()).isEqualTo("/dev/kvm");
    assertThat(result.apiVersion()).isEqualTo(12);
    assertThat(result.guestByte()).isEqualTo(0x2a);
    assertThat(result.halted()).isTrue();
    assertThat(result.elapsed()).isPositive();
  }

  @Test
  void theCapabilitiesAreReportedByName() {
    ProbeResult result = KvmProbe.run(KVM);

    assertThat(result.capabilities())
        .containsOnlyKeys(
            "KVM_CAP_USER_MEMORY",
            "KVM_CAP_IRQCHIP",
            "KVM_CAP_NR_VCPUS",
            "KVM_CAP_MAX_VCPUS",
            "KVM_CAP_NR_MEMSLOTS",
            "KVM_CAP_IMMEDIATE_EXIT");
    assertThat(result.capabilities().get("KVM_CAP_USER_MEMORY")).isPositive();
    assertThat(result.capabilities().get("KVM_CAP_MAX_VCPUS"))
        .as("KVM allows at least the recommended number of vCPUs")
        .isGreaterThanOrEqualTo(result.capabilities().get("KVM_CAP_NR_VCPUS"))
        .isPositive();
    assertThat(result.capabilities().get("KVM_CAP_NR_MEMSLOTS")).isPositive();
  }

  @Test
  void theBackendIsWhatProcAndSysSayNotAnAssumedVtx() throws IOException, InterruptedException {
    ProbeResult result = KvmProbe.run(KVM);

    // Read independently of the probe, with the tools an admin would use.
    String flag = shell("grep -o -w -E 'vmx|svm' /proc/cpuinfo | sort -u | head -n 1").strip();
    List<String> modules =
        lines(
            "if [ -r /proc/modules ]; then cut -d' ' -f1 /proc/modules; else ls /sys/module; fi"
                + " | grep -E '^kvm(_|$)' | sort");
    assertThat(result.cpuFlag()).isEqualTo(flag.isEmpty() ? "none" : flag);
    assertThat(result.kvmModules()).isEqualTo(modules);
    assertThat(result.kvmModules())
        .as("a working /dev/kvm has a KVM module behind it")
        .isNotEmpty();
    assertThat(result.backend())
        .isEqualTo(modules.stream().filter(m -> !m.equals("kvm")).findFirst().orElse("kvm"));
  }

  @Test
  void everyRunReleasesItsDescriptorsAndTheVcpuMapping() throws IOException {
    assertThat(kvmDescriptors()).as("before").isEmpty();
    try (SeekableByteChannel open = Files.newByteChannel(KVM, StandardOpenOption.READ)) {
      assertThat(open.isOpen()).isTrue();
      assertThat(kvmDescriptors()).as("the detector sees an open /dev/kvm").hasSize(1);
    }

    for (int i = 0; i < 20; i++) {
      assertThat(KvmProbe.run(KVM).ok()).isTrue();
    }

    assertThat(kvmDescriptors()).as("descriptors left open by the probe").isEmpty();
    assertThat(Files.readAllLines(Path.of("/proc/self/maps")))
        .as("kvm_run mappings left behind by the probe")
        .noneMatch(line -> line.contains("kvm-vcpu"));
  }

  @Test
  void aFailedRunReleasesTheDeviceItOpened() throws IOException {
    long before = descriptorsTo("/dev/null");

    for (int i = 0; i < 20; i++) {
      assertThat(KvmProbe.run(Path.of("/dev/null")).ok()).isFalse();
    }

    assertThat(descriptorsTo("/dev/null")).isEqualTo(before);
  }

  @Test
  void runsOnSeveralThreadsAtOnceAllSucceed() throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<ProbeResult>> runs =
          pool.invokeAll(Collections.nCopies(16, () -> KvmProbe.run(KVM)));
      for (Future<ProbeResult> run : runs) {
        ProbeResult result = run.get();
        assertThat(result.ok()).as(result.message()).isTrue();
        assertThat(result.guestByte()).isEqualTo(0x2a);
      }
    }
  }

  /** Descriptors of this process on /dev/kvm, a VM or a vCPU. */
  private static List<String> kvmDescriptors() throws IOException {
    return descriptorTargets()
        .filter(t -> t.equals("/dev/kvm") || t.startsWith("anon_inode:kvm-"))
        .toList();
  }

  private static long descriptorsTo(String target) throws IOException {
    return descriptorTargets().filter(target::equals).count();
  }

  private static Stream<String> descriptorTargets() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds
          .map(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                  return ""; // closed while listing (the directory's own descriptor)
                }
              })
          .toList()
          .stream();
    }
  }

  private static List<String> lines(String script) throws IOException, InterruptedException {
    String out = shell(script);
    return out.isBlank() ? List.of() : Arrays.asList(out.strip().split("\n"));
  }

  private static String shell(String script) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
