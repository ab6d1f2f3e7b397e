package io.nestedvirt.operator.interruption;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice.Kind;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.instance.TestMachineCaches;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InterruptionsTest {
  private static final String INSTANCE = "i-0123456789abcdef0";
  private static final Instant SENT = Instant.parse("2026-12-01T14:00:00Z");

  private final MockApiServer api = MockApiServer.start();
  private final KubernetesClient client = api.client();
  private final OperatorMetrics metrics = OperatorMetrics.prometheus();
  private final Interruptions interruptions =
      new Interruptions(client, TestMachineCaches.reading(client), metrics);

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aSpotWarningIsWrittenOnTheMachineWhichIsDeletedAtOnce() {
    SpotMachines.create(client, "p-spot", INSTANCE);

    var outcome = interruptions.handle(notice(Kind.SpotInterruption));

    assertThat(outcome).isEqualTo(Interruptions.Outcome.NOTED);
    NestedVirtInstance m = get("p-spot");
    assertThat(m.interruption()).contains(notice(Kind.SpotInterruption));
    assertThat(m.isDeleting()).as("deleted: its finalizer drains it").isTrue();
  }

  @Test
  void aDuplicateChangesNothing() {
    SpotMachines.create(client, "p-dup", INSTANCE);
    interruptions.handle(notice(Kind.SpotInterruption));
    String version = get("p-dup").getMetadata().getResourceVersion();

    var outcome = interruptions.handle(notice(Kind.SpotInterruption));

    assertThat(outcome).isEqualTo(Interruptions.Outcome.ALREADY_NOTED);
    assertThat(get("p-dup").getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aScheduledChangeIsWrittenButTheMachineStaysForTheRolloutToReplace() {
    SpotMachines.create(client, "p-sched", INSTANCE);

    interruptions.handle(notice(Kind.ScheduledChange));

    NestedVirtInstance m = get("p-sched");
    assertThat(m.interruption().map(InterruptionNotice::kind)).contains(Kind.ScheduledChange);
    assertThat(m.isDeleting()).isFalse();
  }

  @Test
  void aLateRebalanceRecommendationDoesNotHideTheSpotWarningThatCameFirst() {
    SpotMachines.create(client, "p-order", INSTANCE);
    interruptions.handle(notice(Kind.SpotInterruption));

    var outcome = interruptions.handle(notice(Kind.RebalanceRecommendation));

    assertThat(outcome).isEqualTo(Interruptions.Outcome.ALREADY_NOTED);
    assertThat(get("p-order").interruption().map(InterruptionNotice::kind))
        .contains(Kind.SpotInterruption);
  }

  @Test
  void aSpotWarningAfterARebalanceRecommendationReplacesItAndDeletesTheMachine() {
    SpotMachines.create(client, "p-rebal", INSTANCE);
    interruptions.handle(notice(Kind.RebalanceRecommendation));
    assertThat(get("p-rebal").isDeleting()).as("a recommendation only warns").isFalse();

    var outcome = interruptions.handle(notice(Kind.SpotInterruption));

    assertThat(outcome).isEqualTo(Interruptions.Outcome.NOTED);
    assertThat(get("p-rebal").interruption().map(InterruptionNotice::kind))
        .contains(Kind.SpotInterruption);
    assertThat(get("p-rebal").isDeleting()).isTrue();
  }

  @Test
  void aNoticeForAnInstanceNoMachineHasWritesNothing() {
    SpotMachines.create(client, "p-other", INSTANCE);

    var outcome =
        interruptions.handle(
            InterruptionNotice.of(
                Kind.SpotInterruption, "i-0fffffffffffffff0", "x", SENT, SENT.plusSeconds(120)));

    assertThat(outcome).isEqualTo(Interruptions.Outcome.NOT_OURS);
    assertThat(get("p-other").getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(metrics.scrape())
        .contains(
            "nestedvirt_interruption_notices_total{kind=\"SpotInterruption\",outcome=\"NOT_OURS\"}"
                + " 1.0");
  }

  static InterruptionNotice notice(Kind kind) {
    return InterruptionNotice.of(kind, INSTANCE, "EC2 says so", SENT, SENT.plusSeconds(120));
  }

  private NestedVirtInstance get(String name) {
    return client.resources(NestedVirtInstance.class).withName(name).get();
  }
}
