package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static io.nestedvirt.operator.instance.Machines.instance;
import static io.nestedvirt.operator.instance.Machines.launched;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.events.Recorders;
import io.nestedvirt.operator.node.AgentHeartbeat;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * When a verified machine is unhealthy (Healthy=False, which the pool's repair counts from), with
 * the agent's default interval of 5m, so a verdict not renewed for 15m is stale.
 */
class HealthTest {
  private static final AgentHeartbeat HEARTBEAT = new AgentHeartbeat(Duration.ofMinutes(5));
  private static final Instant T0 = LAUNCHED.plus(Duration.ofHours(1));

  private final Health health = new Health(HEARTBEAT);
  private final Verification verification =
      new Verification(null, Recorders.nowhere(), HEARTBEAT, Duration.ofSeconds(30));

  @Test
  void aVerifiedNodeWhoseReadyGoesUnknownIsUnhealthyAndNotReadyButNotFailed() {
    Machine m = reconcile(InstanceState.RUNNING, node("Unknown", T0), T0.plusSeconds(60));

    assertThat(m.conditions.isFalse(InstanceConditions.HEALTHY)).isTrue();
    assertThat(m.conditions.reason(InstanceConditions.HEALTHY)).isEqualTo("NodeNotReady");
    assertThat(m.conditions.get(InstanceConditions.HEALTHY).orElseThrow().message)
        .contains("node ip-1 Ready=Unknown", "unhealthy since " + T0.plusSeconds(60));
    assertThat(m.failure).as("the pool's repair replaces it, not liveness").isNull();
    assertThat(Readiness.derive(m)).isEqualTo(InstancePhase.Verifying);
    assertThat(m.conditions.reason(InstanceConditions.READY)).isEqualTo("NodeNotReady");
  }

  @Test
  void anInstanceStoppedOutsideTheOperatorIsUnhealthyEvenWhileItsNodeStillLooksReady() {
    Machine m = reconcile(InstanceState.STOPPED, node("True", T0), T0.plusSeconds(60));

    assertThat(m.conditions.reason(InstanceConditions.HEALTHY)).isEqualTo("InstanceStopped");
    assertThat(m.conditions.get(InstanceConditions.HEALTHY).orElseThrow().message)
        .contains("EC2 reports the instance stopped");
    assertThat(Readiness.derive(m))
        .as("a stopped instance serves nothing")
        .isEqualTo(InstancePhase.Verifying);
    assertThat(reconcile(InstanceState.STOPPING, node("True", T0), T0).conditions.reason("Healthy"))
        .isEqualTo("InstanceStopped");
  }

  @Test
  void aVerdictNotRenewedForThreeAgentIntervalsIsStaleAndUnverifiesTheNode() {
    Machine fresh = reconcile(InstanceState.RUNNING, node("True", T0), T0.plusSeconds(14 * 60));
    assertThat(fresh.conditions.isTrue(InstanceConditions.VERIFIED)).isTrue();
    assertThat(fresh.conditions.isTrue(InstanceConditions.HEALTHY)).isTrue();
    assertThat(Readiness.derive(fresh)).isEqualTo(InstancePhase.Ready);
    assertThat(fresh.requeue())
        .as("looked at again when the verdict goes stale")
        .contains(Duration.ofMinutes(1).plusMillis(1));

    Machine stale = reconcile(InstanceState.RUNNING, node("True", T0), T0.plusSeconds(16 * 60));
    assertThat(stale.conditions.isFalse(InstanceConditions.VERIFIED)).isTrue();
    assertThat(stale.conditions.reason(InstanceConditions.VERIFIED)).isEqualTo("VerificationStale");
    assertThat(stale.conditions.reason(InstanceConditions.HEALTHY)).isEqualTo("VerificationStale");
    assertThat(stale.conditions.get(InstanceConditions.HEALTHY).orElseThrow().message)
        .contains("has not renewed NestedVirtualizationReady", T0.toString(), "every 5m");
    assertThat(Readiness.derive(stale)).isEqualTo(InstancePhase.Verifying);
  }

  @Test
  void unhealthinessKeepsItsStartThroughAChangeOfReasonAndARestartAndEndsWhenTheNodeRecovers() {
    Machine first = reconcile(InstanceState.RUNNING, node("False", T0), T0.plusSeconds(60));
    Instant since = first.conditions.since(InstanceConditions.HEALTHY).orElseThrow();
    assertThat(since).isEqualTo(T0.plusSeconds(60));

    // A new operator process reads the status the first one wrote.
    Machine later =
        reconcile(
            first, InstanceState.STOPPED, node("False", T0.plusSeconds(300)), T0.plusSeconds(600));
    assertThat(later.conditions.reason(InstanceConditions.HEALTHY)).isEqualTo("InstanceStopped");
    assertThat(later.conditions.since(InstanceConditions.HEALTHY)).contains(since);
    assertThat(later.conditions.get(InstanceConditions.HEALTHY).orElseThrow().message)
        .contains("unhealthy since " + since);

    Machine recovered =
        reconcile(
            later, InstanceState.RUNNING, node("True", T0.plusSeconds(700)), T0.plusSeconds(700));
    assertThat(recovered.conditions.isTrue(InstanceConditions.HEALTHY)).isTrue();
    assertThat(Readiness.derive(recovered)).isEqualTo(InstancePhase.Ready);
  }

  @Test
  void aMachineNeverVerifiedHasNoHealthToJudge() {
    Machine m = launched(instance("i-1", InstanceState.RUNNING, NestedVirtualization.ENABLED), T0);
    m.node = node("Unknown", T0);
    m.conditions.unknown(
        InstanceConditions.VERIFIED, InstanceReason.AwaitingVerification, "waiting");
    health.reconcile(m);
    assertThat(m.conditions.get(InstanceConditions.HEALTHY)).isEmpty();
  }

  /** A machine whose node was verified; the verification and health steps run at {@code now}. */
  private Machine reconcile(InstanceState state, Node node, Instant now) {
    Machine m = launched(instance("i-1", state, NestedVirtualization.ENABLED), now);
    return steps(m, node);
  }

  /** The same machine again, from the status {@code before} finished with. */
  private Machine reconcile(Machine before, InstanceState state, Node node, Instant now) {
    var object = before.object;
    object.setStatus(before.finish(Readiness.derive(before)));
    Machine m = new Machine(object, null, now);
    m.observed(instance("i-1", state, NestedVirtualization.ENABLED));
    return steps(m, node);
  }

  private Machine steps(Machine m, Node node) {
    m.node = node;
    verification.reconcile(m);
    health.reconcile(m);
    return m;
  }

  /** A node verified at T0 whose agent last renewed its verdict at {@code heartbeat}. */
  private static Node node(String ready, Instant heartbeat) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("ip-1")
        .endMetadata()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready)
        .withReason(ready.equals("True") ? "KubeletReady" : "NodeStatusUnknown")
        .endCondition()
        .addNewCondition()
        .withType("NestedVirtualizationReady")
        .withStatus("True")
        .withReason("KvmVerified")
        .withMessage("probe")
        .withLastTransitionTime(T0.toString())
        .withLastHeartbeatTime(heartbeat.toString())
        .endCondition()
        .endStatus()
        .build();
  }
}
