package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PhaseRulesTest {
  private static final Instant LAUNCHED = Instant.parse("2026-11-26T00:00:00Z");
  private static final PhaseRules.Limits LIMITS =
      new PhaseRules.Limits(Duration.ofMinutes(15), Duration.ofMinutes(5), false);

  @Test
  void pendingIsLaunchingUntilFiveMinutesThenFailed() {
    Instance pending = instance(InstanceState.PENDING, NestedVirtualization.ENABLED);
    assertThat(phase(pending, null, 4).phase()).isEqualTo(InstancePhase.Launching);
    var late = phase(pending, null, 6);
    assertThat(late.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(late.reason()).startsWith("NotRunning");
  }

  @Test
  void runningWithoutANodeIsJoiningUntilTheJoinTimeout() {
    Instance running = instance(InstanceState.RUNNING, NestedVirtualization.ENABLED);
    assertThat(phase(running, null, 14).phase()).isEqualTo(InstancePhase.Joining);
    var late = phase(running, null, 16);
    assertThat(late.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(late.reason()).startsWith("JoinTimeout");
  }

  @Test
  void nestedVirtualizationDisabledByEc2IsFailed() {
    var verdict = phase(instance(InstanceState.RUNNING, NestedVirtualization.DISABLED), null, 1);
    assertThat(verdict.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(verdict.reason()).startsWith("NestedVirtualizationDisabled");
  }

  @Test
  void unreportedIsFailedUnlessTheOperatorIsToldToTrustIt() {
    Instance unreported = instance(InstanceState.RUNNING, NestedVirtualization.UNREPORTED);
    assertThat(phase(unreported, null, 1).phase()).isEqualTo(InstancePhase.Failed);
    var trusting = new PhaseRules.Limits(Duration.ofMinutes(15), Duration.ofMinutes(5), true);
    assertThat(
            PhaseRules.phase(unreported, null, false, LAUNCHED.plusSeconds(60), trusting).phase())
        .isEqualTo(InstancePhase.Joining);
  }

  @Test
  void registeredNodeIsVerifyingUntilKvmIsVerifiedThenReady() {
    Instance running = instance(InstanceState.RUNNING, NestedVirtualization.ENABLED);
    assertThat(phase(running, node(null, null, true), 2).phase())
        .isEqualTo(InstancePhase.Verifying);
    assertThat(phase(running, node("True", LAUNCHED.plusSeconds(90), true), 2).phase())
        .isEqualTo(InstancePhase.Ready);
    assertThat(phase(running, node("True", LAUNCHED.plusSeconds(90), false), 2).phase())
        .as("verified but the kubelet is not Ready")
        .isEqualTo(InstancePhase.Verifying);
  }

  @Test
  void failedVerificationIsReplacedAfterTheGracePeriod() {
    Instance running = instance(InstanceState.RUNNING, NestedVirtualization.ENABLED);
    Node failing = node("False", LAUNCHED.plus(Duration.ofMinutes(30)), true);
    assertThat(phase(running, failing, 34).phase()).isEqualTo(InstancePhase.Verifying);
    var replaced = phase(running, failing, 36);
    assertThat(replaced.phase()).isEqualTo(InstancePhase.Failed);
    assertThat(replaced.reason()).startsWith("VerificationFailed");
  }

  @Test
  void drainingAndShuttingDownWin() {
    Instance running = instance(InstanceState.RUNNING, NestedVirtualization.ENABLED);
    assertThat(PhaseRules.phase(running, null, true, LAUNCHED, LIMITS).phase())
        .isEqualTo(InstancePhase.Draining);
    assertThat(
            phase(instance(InstanceState.SHUTTING_DOWN, NestedVirtualization.ENABLED), null, 1)
                .phase())
        .isEqualTo(InstancePhase.Terminating);
  }

  private static PhaseRules.Verdict phase(Instance i, Node node, int minutesAfterLaunch) {
    return PhaseRules.phase(
        i, node, false, LAUNCHED.plus(Duration.ofMinutes(minutesAfterLaunch)), LIMITS);
  }

  private static Instance instance(InstanceState state, NestedVirtualization nested) {
    return new Instance(
        "i-1",
        "m8i.large",
        "us-east-1a",
        "subnet-1",
        state,
        nested,
        LAUNCHED,
        CapacityType.ON_DEMAND,
        "ip-1",
        null,
        Map.of());
  }

  private static Node node(String verdict, Instant since, boolean ready) {
    var builder =
        new NodeBuilder().withNewMetadata().withName("ip-1").endMetadata().withNewStatus();
    builder.addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition();
    if (verdict != null) {
      builder
          .addNewCondition()
          .withType("NestedVirtualizationReady")
          .withStatus(verdict)
          .withReason(verdict.equals("True") ? "KvmVerified" : "KvmUnavailable")
          .withMessage("probe")
          .withLastTransitionTime(since.toString())
          .endCondition();
    }
    return builder.endStatus().build();
  }
}
