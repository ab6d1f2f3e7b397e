package io.nestedvirt.operator.agent.kvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * What backs {@code /dev/kvm} on this host: the CPU's hardware virtualization flag and the KVM
 * kernel modules. Nested virtualization on EC2 need not look like VT-x: some kernels run KVM on a
 * page-table-based backend ({@code kvm_pvm}) with no {@code vmx}/{@code svm} flag at all.
 *
 * @param cpuFlag {@code vmx} (Intel VT-x), {@code svm} (AMD-V) or {@code none}, from the {@code
 *     flags} lines of {@code /proc/cpuinfo}
 * @param kvmModules names of the loaded or built-in KVM modules ({@code kvm}, {@code kvm_intel},
 *     {@code kvm_amd}, {@code kvm_pvm}, ...), sorted; empty when none is present
 */
public record HostVirtualization(String cpuFlag, List<String> kvmModules) {
  public static final String NO_CPU_FLAG = "none";

  public HostVirtualization {
    kvmModules = List.copyOf(kvmModules);
  }

  /** Reads {@code /proc/cpuinfo}, and {@code /proc/modules} or else {@code /sys/module}. */
  public static HostVirtualization read() {
    return read(Path.of("/proc/cpuinfo"), Path.of("/proc/modules"), Path.of("/sys/module"));
  }

  /**
   * Reads the given files. A kernel built without loadable modules has no {@code /proc/modules};
   * {@code /sys/module} then still lists built-in modules that have parameters, which KVM's do.
   */
  static HostVirtualization read(Path cpuinfo, Path procModules, Path sysModule) {
    return new HostVirtualization(cpuFlag(cpuinfo), kvmModules(procModules, sysModule));
  }

  /**
   * The module that drives the hardware, e.g. {@code kvm_intel}; {@code kvm} if it is the only one,
   * {@code none} without any.
   */
  public String backend() {
    return kvmModules.stream()
        .filter(m -> !m.equals("kvm"))
        .findFirst()
        .orElse(kvmModules.isEmpty() ? "none" : kvmModules.getFirst());
  }

  private static String cpuFlag(Path cpuinfo) {
    try (Stream<String> lines = Files.lines(cpuinfo)) {
      List<String> flags =
          lines
              .filter(l -> l.startsWith("flags"))
              .flatMap(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
              .filter(f -> f.equals("vmx") || f.equals("svm"))
              .distinct()
              .toList();
      return flags.isEmpty() ? NO_CPU_FLAG : flags.getFirst();
    } catch (NoSuchFileException e) {
      return NO_CPU_FLAG;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> kvmModules(Path procModules, Path sysModule) {
    try {
      if (Files.isReadable(procModules)) {
        try (Stream<String> lines = Files.lines(procModules)) {
          return lines
              .map(l -> l.split(" ", 2)[0])
              .filter(HostVirtualization::isKvm)
              .sorted()
              .toList();
        }
      }
      if (Files.isDirectory(sysModule)) {
        try (Stream<Path> entries = Files.list(sysModule)) {
          return entries
              .map(p -> p.getFileName().toString())
              .filter(HostVirtualization::isKvm)
              .sorted()
              .toList();
        }
      }
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isKvm(String module) {
    return module.equals("kvm") || module.startsWith("kvm_");
  }
}
