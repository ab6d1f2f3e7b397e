package io.nestedvirt.operator.agent;

import io.nestedvirt.operator.agent.kvm.ProbeResult;

/** The node condition's view of a probe: reason and a message with the details that matter. */
public final class ProbeVerdicts {
  private ProbeVerdicts() {}

  public static KvmVerdict of(ProbeResult r) {
    if (!r.ok()) {
      return new KvmVerdict(false, r.reason(), r.message());
    }
    return new KvmVerdict(
        true,
        r.reason(),
        String.format(
            "%s in %.1f ms on %s (KVM API %d, backend %s)",
            r.message(), r.elapsed().toNanos() / 1e6, r.device(), r.apiVersion(), r.backend()));
  }
}
