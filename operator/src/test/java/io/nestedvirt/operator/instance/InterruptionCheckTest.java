package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice.Kind;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InterruptionCheckTest {
  private static final Instant NOW = Instant.parse("2026-12-01T14:00:30Z");
  private static final Instant SENT = Instant.parse("2026-12-01T14:00:00Z");

  private final MockApiServer api = MockApiServer.start();
  private final OperatorMetrics metrics = OperatorMetrics.prometheus();
  private final InterruptionCheck check =
      new InterruptionCheck(
          new EventRecorder(api.client(), Clock.fixed(NOW, ZoneOffset.UTC), metrics));

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aSpotWarningMakesTheMachineInterruptedWithOneWarningEvent() {
    NestedVirtInstance object =
        noted(
            InterruptionNotice.of(
                Kind.SpotInterruption,
                "i-1",
                "Spot interruption warning (instance-action terminate)",
                SENT,
                SENT.plusSeconds(120)));
    Machine m = new Machine(object, null, NOW);

    check.reconcile(m);

    Condition c = m.conditions.get(InstanceConditions.INTERRUPTED).orElseThrow();
    assertThat(c.status).isEqualTo("True");
    assertThat(c.reason).isEqualTo("SpotInterruption");
    assertThat(c.message)
        .isEqualTo(
            "EC2 reclaims this Spot instance at 2026-12-01T14:02:00Z (Spot interruption warning"
                + " (instance-action terminate)); its node drains now and the pool launches its"
                + " successor");

    // The next reconcile reads the condition back: no second Event.
    object.setStatus(m.finish(InstancePhase.Ready));
    check.reconcile(new Machine(object, null, NOW.plusSeconds(5)));

    assertThat(metrics.scrape())
        .contains("nestedvirt_events_total{reason=\"SpotInterruption\",type=\"Warning\"} 1.0");
  }

  @Test
  void aRebalanceRecommendationIsFalseAndANormalEvent() {
    Machine m =
        new Machine(
            noted(
                InterruptionNotice.of(
                    Kind.RebalanceRecommendation,
                    "i-1",
                    "Spot rebalance recommendation",
                    SENT,
                    null)),
            null,
            NOW);

    check.reconcile(m);

    Condition c = m.conditions.get(InstanceConditions.INTERRUPTED).orElseThrow();
    assertThat(c.status).isEqualTo("False");
    assertThat(c.reason).isEqualTo("RebalanceRecommendation");
    assertThat(metrics.scrape())
        .contains(
            "nestedvirt_events_total{reason=\"RebalanceRecommendation\",type=\"Normal\"} 1.0");
  }

  @Test
  void aScheduledChangeSaysThePoolReplacesTheMachineAheadOfIt() {
    Machine m =
        new Machine(
            noted(
                InterruptionNotice.of(
                    Kind.ScheduledChange,
                    "i-1",
                    "instance-retirement: degraded hardware",
                    SENT,
                    Instant.parse("2026-12-05T00:00:00Z"))),
            null,
            NOW);

    check.reconcile(m);

    assertThat(m.conditions.get(InstanceConditions.INTERRUPTED).orElseThrow().message)
        .isEqualTo(
            "EC2 scheduled instance-retirement: degraded hardware, from 2026-12-05T00:00:00Z; the"
                + " pool replaces this machine ahead of it, within spec.disruption's budget");
  }

  @Test
  void aMachineWithoutANoticeHasNoInterruptedCondition() {
    Machine m = new Machine(Machines.machine("p-quiet", "i-1"), null, NOW);

    check.reconcile(m);

    assertThat(m.conditions.get(InstanceConditions.INTERRUPTED)).isEmpty();
  }

  private static NestedVirtInstance noted(InterruptionNotice notice) {
    NestedVirtInstance m = Machines.machine("p-abcde", notice.instanceId());
    m.getMetadata()
        .setAnnotations(Map.of(NestedVirtInstance.INTERRUPTION_ANNOTATION, notice.toJson()));
    m.getMetadata().setNamespace(null);
    return m;
  }
}
