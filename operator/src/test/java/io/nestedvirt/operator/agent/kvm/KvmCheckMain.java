package io.nestedvirt.operator.agent.kvm;

import io.nestedvirt.operator.KvmCheckCommand;
import picocli.CommandLine;

/**
 * {@code kvm-check} alone, for a JVM started as another user: it needs only the operator's classes
 * and picocli, which that user can read, not the whole test class path.
 */
public final class KvmCheckMain {
  private KvmCheckMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new KvmCheckCommand()).execute(args));
  }
}
