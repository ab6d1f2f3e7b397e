package io.nestedvirt.operator;

import io.nestedvirt.operator.agent.AgentCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the jar: one subcommand per way of running the operator. */
@Command(
    name = "nestedvirt-operator",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs EC2 nested-virtualization node pools (NestedVirtPool) for Kubernetes.",
    subcommands = {RunCommand.class, AgentCommand.class, KvmCheckCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"nestedvirt-operator " + (v == null ? "dev" : v)};
    }
  }
}
