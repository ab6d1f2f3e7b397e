package io.nestedvirt.operator.agent;

import io.nestedvirt.operator.agent.kvm.ProbeResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** The node condition's view of a probe: reason and a message with the details that matter. */
public final class ProbeVerdicts {
  private ProbeVerdicts() {}

  /**
   * The probe, bounded: a broken hypervisor can keep KVM_RUN from returning, and an agent stuck in
   * it would never report again. Past the deadline the verdict is False, ProbeTimedOut; the stuck
   * thread is left behind (it cannot be interrupted inside the ioctl).
   */
  public static KvmVerdict withDeadline(Supplier<KvmVerdict> probe, Duration deadline) {
    CompletableFuture<KvmVerdict> run = new CompletableFuture<>();
    Thread.ofVirtual().name("kvm-probe-run").start(() -> run.complete(probe.get()));
    try {
      return run.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return new KvmVerdict(
          false,
          "ProbeTimedOut",
          "the KVM probe's guest did not finish within "
              + deadline.toSeconds()
              + " s: the hypervisor does not run guests to completion");
    } catch (ExecutionException e) {
      return new KvmVerdict(false, "ProbeFailed", "the KVM probe failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new KvmVerdict(false, "ProbeFailed", "the KVM probe was interrupted");
    }
  }

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
