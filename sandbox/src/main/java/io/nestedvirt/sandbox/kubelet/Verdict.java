package io.nestedvirt.sandbox.kubelet;

import java.util.Objects;

/**
 * The {@code NestedVirtualizationReady} outcome the simulator reports for a node, in place of the
 * node agent's KVM probe. Every message says that it is simulated.
 *
 * @param ready the condition's status: True or False
 * @param reason the condition's reason
 * @param message the condition's message
 */
public record Verdict(boolean ready, VerificationReason reason, String message) {
  private static final String SIMULATED = "simulated by the sandbox kubelet: ";

  public Verdict {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  /** True, {@code KvmVerified}. */
  public static Verdict verified() {
    return new Verdict(
        true,
        VerificationReason.KvmVerified,
        SIMULATED
            + "no KVM probe ran; the instance runs with nested virtualization enabled, so /dev/kvm"
            + " is assumed to work");
  }

  /** False, {@code KvmUnavailable}: what a node launched without nested virtualization shows. */
  public static Verdict unavailable() {
    return new Verdict(
        false,
        VerificationReason.KvmUnavailable,
        SIMULATED
            + "/dev/kvm is absent because the instance runs without nested virtualization; launch"
            + " it with CpuOptions NestedVirtualization=enabled on a capable instance type");
  }

  /** False, {@code KvmProbeFailed}, with the failure a test wants the node to report. */
  public static Verdict probeFailed(String detail) {
    return new Verdict(
        false,
        VerificationReason.KvmProbeFailed,
        SIMULATED + "the KVM probe failed: " + (detail == null ? "no detail" : detail));
  }

  /** What a real node would report: verified with nested virtualization, unavailable without. */
  public static Verdict expectedFor(SimulatedInstance instance) {
    return instance.nestedVirtualization() ? verified() : unavailable();
  }

  /** The condition's status as the API writes it. */
  public String status() {
    return ready ? "True" : "False";
  }
}
