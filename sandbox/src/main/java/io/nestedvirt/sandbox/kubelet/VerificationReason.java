package io.nestedvirt.sandbox.kubelet;

/**
 * Reasons of the {@code NestedVirtualizationReady} node condition as the simulator writes it. The
 * node agent (a later issue) is meant to use the same names for the same outcomes.
 */
public enum VerificationReason {
  /** True: a guest ran under KVM (here: would have; the instance has nested virtualization). */
  KvmVerified,
  /** False: {@code /dev/kvm} is absent, the instance runs without nested virtualization. */
  KvmUnavailable,
  /** False: {@code /dev/kvm} exists but the probe failed (simulated on a test's request). */
  KvmProbeFailed
}
