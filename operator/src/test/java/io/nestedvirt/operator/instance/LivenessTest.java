package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static io.nestedvirt.operator.instance.Machines.instance;
import static io.nestedvirt.operator.instance.Machines.launched;
import static io.nestedvirt.operator.instance.Machines.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * When a machine is Failed (and so replaced), with the pool's default limits (joinTimeout 15m,
 * verificationGracePeriod 5m), and which phase the rest gives it.
 */
class LivenessTest {
  private final Liveness liveness = new Liveness(false);

  @Test
  void pendingIsLaunchingUntilFiveMinutesThenFailedAsNotRunning() {
    var pending = instance("i-1", InstanceState.PENDING, NestedVirtualization.ENABLED);
    Machine early = check(pending, null, 4);
    assertThat(early.failure).isNull();
    assertThat(Readiness.derive(early)).isEqualTo(InstancePhase.Launching);
    assertThat(early.requeue()).contains(Duration.ofMinutes(1).plusMillis(1));
    assertThat(check(pending, null, 6).failure.reason()).isEqualTo(InstanceReason.NotRunning);
  }

  @Test
  void aRegisteredNodeProvesTheInstanceRunsBeforeTheListingSaysSo() {
    var pending = instance("i-1", InstanceState.PENDING, NestedVirtualization.UNREPORTED);
    Machine registered = check(pending, node("ip-1", "True", LAUNCHED.plusSeconds(90), true), 6);
    registered.conditions.set(InstanceConditions.VERIFIED, true, InstanceReason.KvmVerified, "ok");
    assertThat(registered.failure)
        .as("neither NotRunning nor a verdict on nested virtualization before the listing")
        .isNull();
    assertThat(Readiness.derive(registered)).isEqualTo(InstancePhase.Ready);
  }

  @Test
  void runningWithoutANodeIsJoiningUntilTheJoinTimeout() {
    var running = instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED);
    Machine joining = check(running, null, 14);
    assertThat(joining.failure).isNull();
    assertThat(Readiness.derive(joining)).isEqualTo(InstancePhase.Joining);
    Machine late = check(running, null, 16);
    assertThat(late.failure.reason()).isEqualTo(InstanceReason.JoinTimeout);
    assertThat(late.failure.message()).isEqualTo("no Node registered within 15m");
    assertThat(Readiness.derive(late)).isEqualTo(InstancePhase.Failed);
    assertThat(late.conditions.reason(InstanceConditions.READY)).isEqualTo("JoinTimeout");
  }

  @Test
  void nestedVirtualizationDisabledByEc2IsFailed() {
    var disabled = instance("i-1", InstanceState.RUNNING, NestedVirtualization.DISABLED);
    assertThat(check(disabled, null, 1).failure.reason())
        .isEqualTo(InstanceReason.NestedVirtualizationDisabled);
  }

  @Test
  void unreportedIsFailedUnlessTheOperatorIsToldToTrustIt() {
    var unreported = instance("i-1", InstanceState.RUNNING, NestedVirtualization.UNREPORTED);
    assertThat(check(unreported, null, 1).failure.reason())
        .isEqualTo(InstanceReason.NestedVirtualizationDisabled);
    Machine trusted = launched(unreported, LAUNCHED.plusSeconds(60));
    new Liveness(true).reconcile(trusted);
    assertThat(trusted.failure).isNull();
  }

  @Test
  void aRegisteredNodeIsVerifyingUntilKvmIsVerifiedThenReady() {
    var running = instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED);
    Machine waiting = check(running, node("ip-1", null, null, true), 2);
    waiting.conditions.unknown(
        InstanceConditions.VERIFIED, InstanceReason.AwaitingVerification, "waiting");
    assertThat(Readiness.derive(waiting)).isEqualTo(InstancePhase.Verifying);

    Machine verified = check(running, node("ip-1", "True", LAUNCHED.plusSeconds(90), true), 2);
    verified.conditions.set(InstanceConditions.VERIFIED, true, InstanceReason.KvmVerified, "ok");
    assertThat(Readiness.derive(verified)).isEqualTo(InstancePhase.Ready);
    assertThat(verified.conditions.isTrue(InstanceConditions.READY)).isTrue();

    Machine notReady = check(running, node("ip-1", "True", LAUNCHED.plusSeconds(90), false), 2);
    notReady.conditions.set(InstanceConditions.VERIFIED, true, InstanceReason.KvmVerified, "ok");
    assertThat(Readiness.derive(notReady))
        .as("verified but the kubelet is not Ready")
        .isEqualTo(InstancePhase.Verifying);
    assertThat(notReady.conditions.reason(InstanceConditions.READY)).isEqualTo("NodeNotReady");
  }

  @Test
  void aFailedVerificationIsReplacedOnlyAfterTheGracePeriod() {
    var running = instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED);
    var failing = node("ip-1", "False", LAUNCHED.plus(Duration.ofMinutes(30)), true);
    assertThat(check(running, failing, 34).failure).isNull();
    assertThat(check(running, failing, 36).failure.reason())
        .isEqualTo(InstanceReason.VerificationFailed);
  }

  @Test
  void noVerdictAtAllIsAVerificationTimeoutAfterJoinTimeoutAndGrace() {
    var running = instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED);
    var silent = node("ip-1", null, null, true);
    assertThat(check(running, silent, 19).failure).isNull();
    assertThat(check(running, silent, 21).failure.reason())
        .isEqualTo(InstanceReason.VerificationTimeout);
  }

  @Test
  void anInstanceTerminatedOutsideTheOperatorIsFailedAtOnce() {
    var gone = instance("i-1", InstanceState.SHUTTING_DOWN, NestedVirtualization.ENABLED);
    assertThat(check(gone, null, 1).failure.reason()).isEqualTo(InstanceReason.InstanceTerminated);
  }

  @Test
  void aLaunchEc2RefusedIsFailedButOneItMayStillAnswerIsNot() {
    Machine refused = new Machine(Machines.machine("p-x", null), null, LAUNCHED);
    refused.conditions.set(
        InstanceConditions.LAUNCHED, false, InstanceReason.InsufficientCapacity, "no capacity");
    liveness.reconcile(refused);
    assertThat(refused.failure.reason()).isEqualTo(InstanceReason.InsufficientCapacity);

    Machine uncertain = new Machine(Machines.machine("p-y", null), null, LAUNCHED);
    uncertain.conditions.unknown(
        InstanceConditions.LAUNCHED, InstanceReason.LaunchUncertain, "lost response");
    liveness.reconcile(uncertain);
    assertThat(uncertain.failure).as("an uncertain launch is repeated, not replaced").isNull();
    assertThat(Readiness.derive(uncertain)).isEqualTo(InstancePhase.Launching);
  }

  private Machine check(
      io.nestedvirt.operator.cloud.Instance instance,
      io.fabric8.kubernetes.api.model.Node node,
      int minutesAfterLaunch) {
    Instant now = LAUNCHED.plus(Duration.ofMinutes(minutesAfterLaunch));
    Machine m = launched(instance, now);
    m.node = node;
    liveness.reconcile(m);
    return m;
  }
}
