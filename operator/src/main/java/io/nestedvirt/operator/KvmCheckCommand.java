package io.nestedvirt.operator;

import io.nestedvirt.operator.agent.kvm.KvmProbe;
import io.nestedvirt.operator.agent.kvm.ProbeResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kvm-check}: runs the KVM probe once on this machine and says whether a VM ran. */
@Command(
    name = "kvm-check",
    mixinStandardHelpOptions = true,
    description =
        "Start a tiny VM on this machine's KVM device and check that it runs: exit 0 if it wrote"
            + " 0x2a to port 0x10 and halted, 1 with the reason on stderr otherwise.")
public final class KvmCheckCommand implements Callable<Integer> {
  /** Exit code when the probe ran and the machine cannot run VMs. */
  public static final int PROBE_FAILED = 1;

  @Option(
      names = "--device",
      paramLabel = "PATH",
      defaultValue = "/dev/kvm",
      description = "The KVM device (default: ${DEFAULT-VALUE}).")
  Path device;

  @Option(
      names = "--json",
      description = "Print the result as one JSON object on stdout, on success and on failure.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ProbeResult result = KvmProbe.run(device);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (json) {
      out.println(result.toJson());
    } else if (result.ok()) {
      printHuman(out, result);
    }
    out.flush();
    if (!result.ok()) {
      err.println("kvm-check: " + result.failure() + ": " + result.message());
      err.flush();
      return PROBE_FAILED;
    }
    return 0;
  }

  private static void printHuman(PrintWriter out, ProbeResult result) {
    out.printf("device:       %s (KVM API version %d)%n", result.device(), result.apiVersion());
    StringBuilder caps = new StringBuilder();
    for (Map.Entry<String, Integer> cap : result.capabilities().entrySet()) {
      caps.append(caps.isEmpty() ? "" : ", ").append(cap.getKey()).append('=');
      caps.append(cap.getValue());
    }
    out.printf("capabilities: %s%n", caps);
    out.printf(
        "backend:      %s (modules: %s; CPU flag: %s)%n",
        result.backend(),
        result.kvmModules().isEmpty() ? "none" : String.join(", ", result.kvmModules()),
        result.cpuFlag());
    out.printf("result:       %s%n", result.message());
    out.printf(Locale.ROOT, "took:         %.3f ms%n", result.elapsed().toNanos() / 1e6);
  }
}
