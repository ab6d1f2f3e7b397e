package io.nestedvirt.operator.instance;

import static io.nestedvirt.operator.instance.Machines.LAUNCHED;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.NestedVirtualization;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.events.Recorders;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A machine without a known instance may let go of its finalizer at once only when no launch of it
 * can still land; otherwise it waits until a listing would show one (5 minutes here).
 */
class TerminationTest {
  private static final Duration GRACE = Duration.ofMinutes(5);

  private final FakeCloud cloud = new FakeCloud();
  private final LaunchLedger ledger = new LaunchLedger();
  private final InstanceListing listing =
      new InstanceListing(
          cloud,
          Duration.ofSeconds(30),
          GRACE,
          Clock.fixed(LAUNCHED, ZoneOffset.UTC),
          OperatorMetrics.prometheus());
  private final Termination termination =
      new Termination(
          cloud,
          listing,
          Drains.withoutVms(new RecordingDrains(), null),
          node -> List.of(),
          null,
          ledger,
          Recorders.nowhere(),
          OperatorMetrics.prometheus(),
          GRACE,
          Duration.ofSeconds(30),
          new BootstrapTokens(null));

  @Test
  void aMachineThisProcessCreatedAndNeverLaunchedGoesAtOnce() {
    Machine m = unlaunched("decided", LAUNCHED.plusSeconds(1));
    ledger.created(m.object.uid());
    assertThat(termination.reconcile(m)).isTrue();
    assertThat(cloud.terminated).isEmpty();
  }

  @Test
  void aMachineWhoseHistoryIsUnknownWaitsUntilALaunchWouldBeListed() {
    Machine early = unlaunched("inherited", LAUNCHED.plus(Duration.ofMinutes(4)));
    assertThat(termination.reconcile(early))
        .as("created by an earlier leader, which may have launched it")
        .isFalse();
    assertThat(early.requeue()).isPresent();
    assertThat(early.conditions.reason(InstanceConditions.READY)).isEqualTo("Terminating");

    Machine late = unlaunched("inherited", LAUNCHED.plus(Duration.ofMinutes(6)));
    assertThat(termination.reconcile(late)).isTrue();
  }

  @Test
  void aLaunchWhoseAnswerWasLostIsFoundByItsTokenAndTerminated() {
    Machine m = unlaunched("lost", LAUNCHED.plusSeconds(30));
    ledger.created(m.object.uid());
    m.conditions.unknown(
        InstanceConditions.LAUNCHED, InstanceReason.LaunchUncertain, "lost response");
    cloud.listed.add(withToken("i-0aaaaaaaaaaaaaaaa", "nvi-" + m.object.uid()));
    listing.refresh();

    assertThat(termination.reconcile(m)).isTrue();
    assertThat(cloud.terminated).containsExactly("i-0aaaaaaaaaaaaaaaa");
  }

  @Test
  void anAnswerOnlyThisProcessHeardIsTerminatedEvenWithoutAStatusOrAListing() {
    Machine m = unlaunched("unrecorded", LAUNCHED.plusSeconds(30));
    ledger.created(m.object.uid());
    ledger.sending(m.object.uid(), LAUNCHED);
    ledger.launched(m.object.uid(), "i-0bbbbbbbbbbbbbbbb");

    assertThat(termination.reconcile(m)).isTrue();
    assertThat(cloud.terminated).containsExactly("i-0bbbbbbbbbbbbbbbb");
  }

  @Test
  void aLaunchEc2RefusedLeavesNothingToWaitFor() {
    Machine m = unlaunched("refused", LAUNCHED.plusSeconds(30));
    m.conditions.set(
        InstanceConditions.LAUNCHED, false, InstanceReason.InsufficientCapacity, "no capacity");
    assertThat(termination.reconcile(m)).isTrue();
  }

  @Test
  void aCordonTheApiServerForbidsIsReportedOnceAndTriedAgainAtTheRefreshPeriod() {
    java.util.concurrent.atomic.AtomicInteger drains =
        new java.util.concurrent.atomic.AtomicInteger();
    EventRecorder events = Recorders.nowhere();
    Termination refused =
        new Termination(
            cloud,
            listing,
            Drains.withoutVms(
                new NodeDrains() {
                  @Override
                  public Step drain(String node, boolean force) {
                    drains.incrementAndGet();
                    throw new io.fabric8.kubernetes.client.KubernetesClientException(
                        new io.fabric8.kubernetes.api.model.StatusBuilder()
                            .withCode(403)
                            .withMessage(
                                "nodes \"n1\" is forbidden: cannot patch resource \"nodes\"")
                            .build());
                  }

                  @Override
                  public void uncordon(String node) {}
                },
                events),
            node -> List.of(),
            null,
            ledger,
            events,
            OperatorMetrics.prometheus(),
            GRACE,
            Duration.ofSeconds(30),
            new BootstrapTokens(null));
    Instance running = withToken("i-0ccccccccccccccccc", "t");
    cloud.listed.add(running);
    listing.refresh();

    Machine first = leaving(running, LAUNCHED.plusSeconds(60), null);
    assertThat(refused.reconcile(first)).isFalse();
    assertThat(first.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("NodeWriteRefused");
    assertThat(first.conditions.get(InstanceConditions.DRAINING).orElseThrow().message)
        .contains("cordon or drain node n1")
        .contains("403: nodes \"n1\" is forbidden");
    assertThat(first.requeue()).contains(Duration.ofSeconds(30));

    Machine soon = leaving(running, LAUNCHED.plusSeconds(65), first);
    assertThat(refused.reconcile(soon)).isFalse();
    assertThat(drains).as("not tried again within the refresh period").hasValue(1);
    assertThat(soon.conditions.reason(InstanceConditions.DRAINING)).isEqualTo("NodeWriteRefused");

    refused.reconcile(leaving(running, LAUNCHED.plusSeconds(90), soon));
    assertThat(drains).as("tried again after it").hasValue(2);
    assertThat(cloud.terminated)
        .as("nothing terminated while the node cannot be drained")
        .isEmpty();
  }

  /** A launched machine on node n1 being deleted, with the conditions {@code before} ended with. */
  private static Machine leaving(Instance instance, Instant now, Machine before) {
    var object = Machines.machine("leaving", instance.id());
    if (before != null) {
      object.getStatus().conditions = before.conditions.list();
    }
    Machine m = new Machine(object, null, now);
    m.observed(instance);
    m.node = Machines.node("n1", "True", LAUNCHED, true);
    return m;
  }

  private static Machine unlaunched(String name, Instant now) {
    return new Machine(Machines.machine(name, null), null, now);
  }

  private static Instance withToken(String id, String token) {
    return new Instance(
        id,
        "m8i.large",
        "us-east-1a",
        "subnet-1",
        InstanceState.RUNNING,
        NestedVirtualization.ENABLED,
        LAUNCHED,
        io.nestedvirt.operator.cloud.CapacityType.ON_DEMAND,
        "ip-1",
        token,
        Map.of(),
        null);
  }
}
