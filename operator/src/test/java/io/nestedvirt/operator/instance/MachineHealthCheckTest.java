package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.gitops.ArgoCdHealth;
import io.nestedvirt.operator.gitops.ArgoCdHealth.Health;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Argo CD's health check (deploy/argocd/health.lua) on machine statuses built as the lifecycle
 * builds them: the step conditions, {@link Liveness} and {@link Readiness}, then {@link
 * Machine#finish}.
 */
class MachineHealthCheckTest {
  private static final Instant NOW = Machines.LAUNCHED.plusSeconds(600);

  @Test
  void aVerifiedMachineWithAReadyNodeIsHealthy() {
    NestedVirtInstance machine =
        built(InstanceState.RUNNING, true, Machines.node("ip-10-0-0-1", "True", NOW, true));
    assertThat(machine.getStatus().phase).isEqualTo("Ready");
    assertThat(ArgoCdHealth.of(machine))
        .isEqualTo(new Health("Healthy", "KVM verified; node ip-10-0-0-1 Ready"));
  }

  @Test
  void aMachineWaitingForItsNodeIsProgressing() {
    NestedVirtInstance machine = built(InstanceState.RUNNING, false, null);
    assertThat(machine.getStatus().phase).isEqualTo("Joining");
    assertThat(ArgoCdHealth.of(machine))
        .isEqualTo(new Health("Progressing", "waiting for the Node"));
  }

  @Test
  void aFailedMachineIsDegraded() {
    NestedVirtInstance machine = built(InstanceState.TERMINATED, false, null);
    assertThat(machine.getStatus().phase).isEqualTo("Failed");
    assertThat(ArgoCdHealth.of(machine))
        .isEqualTo(
            new Health("Degraded", "EC2 reports terminated: terminated outside the operator"));
  }

  @Test
  void aMachineNotYetReconciledIsProgressing() {
    NestedVirtInstance machine = Machines.machine("p-new", null);
    machine.setStatus(null);
    assertThat(ArgoCdHealth.of(machine).status()).isEqualTo("Progressing");
  }

  private static NestedVirtInstance built(
      InstanceState state, boolean verified, io.fabric8.kubernetes.api.model.Node node) {
    NestedVirtInstance object = Machines.machine("p-a", "i-0123456789abcdef0");
    Machine m = new Machine(object, null, NOW);
    m.instance = Machines.instance("i-0123456789abcdef0", state, NestedVirtualization.ENABLED);
    m.node = node;
    m.conditions.set(InstanceConditions.LAUNCHED, true, InstanceReason.Launched, "");
    if (node != null) {
      m.conditions.set(InstanceConditions.REGISTERED, true, InstanceReason.Registered, "");
    }
    if (verified) {
      m.conditions.set(InstanceConditions.VERIFIED, true, InstanceReason.KvmVerified, "");
    }
    new Liveness(false).reconcile(m);
    object.setStatus(m.finish(Readiness.derive(m)));
    return object;
  }
}
