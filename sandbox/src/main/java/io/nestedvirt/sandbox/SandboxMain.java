package io.nestedvirt.sandbox;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the sandbox jar, the demo and test bed: the operator's code against an embedded
 * API server and EC2 emulator. Never deployed; the production jar is the operator module's.
 */
@Command(
    name = "nestedvirt-sandbox",
    mixinStandardHelpOptions = true,
    versionProvider = SandboxMain.Version.class,
    description =
        "The nestedvirt operator against an embedded Kubernetes API server and EC2 emulator: no"
            + " cluster, no AWS account.",
    subcommands = {SandboxCommand.class})
public final class SandboxMain {
  public static void main(String[] args) {
    System.exit(new CommandLine(new SandboxMain()).execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SandboxMain.class.getPackage().getImplementationVersion();
      return new String[] {"nestedvirt-sandbox " + (v == null ? "dev" : v)};
    }
  }
}
