package io.nestedvirt.operator.agent.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend is read from what the kernel shows, whatever kind of machine this is. */
class KvmHostVirtualizationTest {
  @TempDir Path tmp;

  @Test
  void anIntelHostWithLoadableModulesReportsVmxAndKvmIntel() throws IOException {
    Path cpuinfo =
        write(
            "cpuinfo",
            """
            processor\t: 0
            flags\t\t: fpu vme de pse tsc msr vmx sse2 ht
            processor\t: 1
            flags\t\t: fpu vme de pse tsc msr vmx sse2 ht
            """);
    Path modules =
        write(
            "modules",
            """
            kvm_intel 409600 0 - Live 0x0000000000000000
            kvm 1388544 1 kvm_intel, Live 0x0000000000000000
            irqbypass 12288 1 kvm, Live 0x0000000000000000
            """);

    HostVirtualization host = HostVirtualization.read(cpuinfo, modules, tmp.resolve("none"));

    assertThat(host.cpuFlag()).isEqualTo("vmx");
    assertThat(host.kvmModules()).containsExactly("kvm", "kvm_intel");
    assertThat(host.backend()).isEqualTo("kvm_intel");
  }

  @Test
  void aKernelWithoutModuleSupportIsReadFromSysModule() throws IOException {
    Path cpuinfo = write("cpuinfo", "flags\t\t: fpu sse2 hypervisor\n");
    Path sysModule = tmp.resolve("sys-module");
    for (String module : new String[] {"kvm", "kvm_pvm", "virtio_net", "kvmclock_x"}) {
      Files.createDirectories(sysModule.resolve(module));
    }

    HostVirtualization host =
        HostVirtualization.read(cpuinfo, tmp.resolve("no-proc-modules"), sysModule);

    assertThat(host.cpuFlag()).as("no vmx/svm flag is not an error").isEqualTo("none");
    assertThat(host.kvmModules()).containsExactly("kvm", "kvm_pvm");
    assertThat(host.backend()).isEqualTo("kvm_pvm");
  }

  @Test
  void anAmdHostReportsSvm() throws IOException {
    Path cpuinfo = write("cpuinfo", "flags\t\t: fpu svm sse2\n");
    Path modules = write("modules", "kvm_amd 1 0 - Live 0x0\nkvm 1 1 kvm_amd, Live 0x0\n");

    HostVirtualization host = HostVirtualization.read(cpuinfo, modules, tmp);

    assertThat(host.cpuFlag()).isEqualTo("svm");
    assertThat(host.backend()).isEqualTo("kvm_amd");
  }

  @Test
  void aHostWithoutKvmReportsNoModuleAndNoBackend() throws IOException {
    Path cpuinfo = write("cpuinfo", "flags\t\t: fpu sse2\n");
    Path modules = write("modules", "virtio_net 1 0 - Live 0x0\n");

    HostVirtualization host = HostVirtualization.read(cpuinfo, modules, tmp);

    assertThat(host.kvmModules()).isEmpty();
    assertThat(host.backend()).isEqualTo("none");
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name), content);
  }
}
