package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.events.Recorders;
import io.nestedvirt.operator.node.bootstrap.BootstrapToken;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BootstrapTokensTest {
  private static final Duration JOIN_TIMEOUT = Duration.ofMinutes(15);

  private final MockApiServer api = MockApiServer.start();
  private final BootstrapTokens tokens = new BootstrapTokens(api.client());

  @AfterEach
  void stop() {
    tokens.close();
    api.close();
  }

  @Test
  void repeatsOfALaunchCarryTheSameTokenWhileHalfTheJoinTimeoutIsLeftThenAFreshOneReplacesIt() {
    NestedVirtInstance machine = Machines.machine("p-abcde", null);

    BootstrapToken first = tokens.forLaunch(machine, JOIN_TIMEOUT, LAUNCHED);
    BootstrapToken repeat = tokens.forLaunch(machine, JOIN_TIMEOUT, LAUNCHED.plusSeconds(7 * 60));
    assertThat(repeat).as("a repeat 7 minutes later").isEqualTo(first);
    assertThat(secrets()).hasSize(1);

    BootstrapToken late = tokens.forLaunch(machine, JOIN_TIMEOUT, LAUNCHED.plusSeconds(8 * 60));
    assertThat(late)
        .as("8 minutes later, less than half the join timeout left")
        .isNotEqualTo(first);
    assertThat(secrets())
        .as("the stale token is deleted")
        .singleElement()
        .satisfies(s -> assertThat(s.getMetadata().getName()).isEqualTo(late.secretName()));
  }

  @Test
  void theTokenIsDeletedWhenTheMachinesNodeRegistersAndNoOtherOne() {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setSpec(new NestedVirtPoolSpec());
    pool.getSpec().bootstrap = new BootstrapSpec();
    pool.getSpec().bootstrap.mode = BootstrapSpec.Mode.KUBEADM;
    Machine m = new Machine(Machines.machine("p-abcde", "i-1"), pool, LAUNCHED.plusSeconds(60));
    m.observed(Machines.instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED));
    tokens.forLaunch(m.object, JOIN_TIMEOUT, LAUNCHED);
    BootstrapToken other =
        tokens.forLaunch(Machines.machine("p-other", null), JOIN_TIMEOUT, LAUNCHED);
    m.claimants = List.of(Machines.node("ip-1", null, LAUNCHED, true));

    new Registration(Recorders.nowhere(), tokens).reconcile(m);

    assertThat(m.status.nodeName).isEqualTo("ip-1");
    assertThat(secrets())
        .singleElement()
        .satisfies(s -> assertThat(s.getMetadata().getName()).isEqualTo(other.secretName()));
  }

  private List<Secret> secrets() {
    return api.client().secrets().inNamespace("kube-system").list().getItems();
  }
}
