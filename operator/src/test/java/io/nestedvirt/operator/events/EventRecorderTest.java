package io.nestedvirt.operator.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.metrics.Scrape;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Events as kubectl describe shows them: one per decision, repeats counted on it. */
class EventRecorderTest {
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

  private final MockApiServer api = MockApiServer.start();
  private final OperatorMetrics metrics = OperatorMetrics.prometheus();
  private Instant now = T0;
  private final Clock clock =
      new Clock() {
        @Override
        public Instant instant() {
          return now;
        }

        @Override
        public java.time.ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }
      };
  private final EventRecorder events = new EventRecorder(api.client(), clock, metrics);
  private final NestedVirtPool pool = pool("p", "uid-1");

  @AfterEach
  void close() {
    api.close();
  }

  @Test
  void aRepeatedDecisionCountsOnItsEventInsteadOfAddingOne() {
    events.warning(pool, EventReason.LaunchFailed, "EC2 refused m8i.large");
    now = T0.plusSeconds(30);
    events.warning(pool, EventReason.LaunchFailed, "EC2 refused m8i.large");
    now = T0.plusSeconds(60);
    events.warning(pool, EventReason.LaunchFailed, "EC2 refused m8i.large");

    Event e = single();
    assertThat(e.getCount()).isEqualTo(3);
    assertThat(e.getFirstTimestamp()).isEqualTo(T0.toString());
    assertThat(e.getLastTimestamp()).isEqualTo(T0.plusSeconds(60).toString());
    assertThat(
            Scrape.parse(metrics.scrape()).sum("nestedvirt_events_total", "reason", "LaunchFailed"))
        .as("every decision is counted")
        .isEqualTo(3);
  }

  @Test
  void anotherMessageReasonOrPoolIsAnotherEvent() {
    events.warning(pool, EventReason.LaunchFailed, "EC2 refused m8i.large");
    events.warning(pool, EventReason.LaunchFailed, "EC2 refused c8i.large");
    events.warning(pool, EventReason.CapacityFallback, "EC2 refused m8i.large");
    events.warning(pool("q", "uid-2"), EventReason.LaunchFailed, "EC2 refused m8i.large");
    assertThat(all()).hasSize(4).allSatisfy(e -> assertThat(e.getCount()).isEqualTo(1));
  }

  @Test
  void afterTheWindowOrOnceTheEventIsGoneARepeatStartsAnewEvent() {
    events.normal(pool, EventReason.Launched, "launched 1");
    now = T0.plus(EventRecorder.AGGREGATION_WINDOW).plusSeconds(1);
    events.normal(pool, EventReason.Launched, "launched 1");
    assertThat(all()).hasSize(2);

    // Events expire on the API server (an hour by default); a repeat then writes a new one.
    api.client().v1().events().inNamespace("default").delete();
    now = now.plusSeconds(1);
    events.normal(pool, EventReason.Launched, "launched 1");
    assertThat(single().getCount()).isEqualTo(1);
  }

  private Event single() {
    List<Event> all = all();
    assertThat(all).hasSize(1);
    return all.getFirst();
  }

  private List<Event> all() {
    return api.client().v1().events().inNamespace("default").list().getItems().stream()
        .sorted(Comparator.comparing(e -> e.getMetadata().getName()))
        .toList();
  }

  private static NestedVirtPool pool(String name, String uid) {
    NestedVirtPool p = new NestedVirtPool();
    p.getMetadata().setName(name);
    p.getMetadata().setUid(uid);
    return p;
  }
}
