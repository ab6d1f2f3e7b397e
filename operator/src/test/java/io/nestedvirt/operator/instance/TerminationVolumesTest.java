package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Once its instance is terminated, a machine keeps its Node while a VolumeAttachment names it (so
 * the volumes detach cleanly for their next node), and deletes it anyway after 6 minutes.
 */
class TerminationVolumesTest {
  private static final String ID = "i-0123456789abcdef0";
  private static final Instant TERMINATED = LAUNCHED.plus(Duration.ofHours(1));

  private final MockApiServer api = MockApiServer.start();
  private final FakeCloud cloud = new FakeCloud();
  private final List<String> attached = new ArrayList<>(List.of("pvc-data", "pvc-logs"));
  private final InstanceListing listing =
      new InstanceListing(
          cloud,
          Duration.ofSeconds(30),
          Duration.ofMinutes(5),
          Clock.fixed(TERMINATED, ZoneOffset.UTC),
          OperatorMetrics.prometheus());
  private final Termination termination =
      new Termination(
          cloud,
          listing,
          Drains.withoutVms(new RecordingDrains(), null),
          node -> "node-1".equals(node) ? List.copyOf(attached) : List.of(),
          api.client(),
          new LaunchLedger(),
          new EventRecorder(api.client(), Clock.systemUTC(), OperatorMetrics.prometheus()),
          OperatorMetrics.prometheus(),
          Duration.ofMinutes(5),
          Duration.ofSeconds(30),
          new BootstrapTokens(api.client()));

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void theNodeStaysUntilNoVolumeAttachmentNamesItThenGoes() {
    api.client().resource(Machines.node("node-1", "True", LAUNCHED, false)).create();

    Machine waiting = terminatedAt(TERMINATED);
    assertThat(termination.reconcile(waiting)).isFalse();
    assertThat(api.client().nodes().withName("node-1").get()).isNotNull();
    assertThat(waiting.conditions.isFalse(InstanceConditions.VOLUMES_DETACHED)).isTrue();
    assertThat(waiting.conditions.get(InstanceConditions.VOLUMES_DETACHED).orElseThrow().message)
        .contains("waiting for volumes pvc-data, pvc-logs to detach from node node-1");
    assertThat(waiting.conditions.get(InstanceConditions.READY).orElseThrow().message)
        .contains("waiting for volumes");
    assertThat(waiting.requeue()).contains(Termination.VOLUME_CHECK);

    attached.clear();
    Machine detached = again(waiting, TERMINATED.plusSeconds(20));
    assertThat(termination.reconcile(detached)).isTrue();
    assertThat(api.client().nodes().withName("node-1").get()).isNull();
    assertThat(cloud.terminated).as("terminated before the wait, not again").isEmpty();
  }

  @Test
  void afterSixMinutesTheNodeGoesAnywayAndAnEventNamesTheVolumesLeft() {
    api.client().resource(Machines.node("node-1", "True", LAUNCHED, false)).create();
    Machine first = terminatedAt(TERMINATED);
    assertThat(termination.reconcile(first)).isFalse();

    Machine before = again(first, TERMINATED.plus(Duration.ofMinutes(6)).minusSeconds(1));
    assertThat(termination.reconcile(before)).isFalse();
    assertThat(before.requeue()).contains(Duration.ofSeconds(1));
    assertThat(api.client().nodes().withName("node-1").get()).isNotNull();

    Machine after = again(before, TERMINATED.plus(Duration.ofMinutes(6)));
    assertThat(termination.reconcile(after)).isTrue();
    assertThat(api.client().nodes().withName("node-1").get()).isNull();
    List<Event> events = api.client().v1().events().inAnyNamespace().list().getItems();
    assertThat(events)
        .filteredOn(e -> "VolumesNotDetached".equals(e.getReason()))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .contains("node-1")
                    .contains("pvc-data, pvc-logs")
                    .contains("still attached 6m"));
  }

  @Test
  void aNodeWithoutAttachmentsGoesAtOnce() {
    attached.clear();
    api.client().resource(Machines.node("node-1", "True", LAUNCHED, false)).create();
    assertThat(termination.reconcile(terminatedAt(TERMINATED))).isTrue();
    assertThat(api.client().nodes().withName("node-1").get()).isNull();
  }

  /** A deleted machine whose instance EC2 lists as shutting down, its node drained. */
  private Machine terminatedAt(Instant now) {
    cloud.listed.clear();
    cloud.listed.add(
        Machines.instance(ID, InstanceState.SHUTTING_DOWN, NestedVirtualization.ENABLED));
    listing.refresh();
    Machine m =
        Machines.launched(
            Machines.instance(ID, InstanceState.SHUTTING_DOWN, NestedVirtualization.ENABLED), now);
    m.object.getMetadata().setDeletionTimestamp(now.toString());
    m.conditions.set(InstanceConditions.DRAINED, true, InstanceReason.Drained, "drained");
    m.node = Machines.node("node-1", "True", LAUNCHED, false);
    m.status.nodeName = "node-1";
    return m;
  }

  private Machine again(Machine m, Instant now) {
    m.object.setStatus(m.finish(InstancePhase.Terminating));
    Machine next = new Machine(m.object, m.pool, now);
    next.node = m.node;
    return next;
  }
}
