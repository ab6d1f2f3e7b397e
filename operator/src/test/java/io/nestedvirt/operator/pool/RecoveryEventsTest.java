package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which failing pools are woken, and when. */
class RecoveryEventsTest {
  private final RecoveryEvents events = new RecoveryEvents();
  private final List<String> woken = new ArrayList<>();

  RecoveryEventsTest() {
    events.setEventHandler(e -> woken.add(e.getRelatedCustomResourceID().getName()));
    events.start();
  }

  @Test
  void aFailingPoolThatSucceedsWakesTheOthersThatFail() {
    events.failed(pool("a"));
    events.failed(pool("b"));
    events.failed(pool("c"));

    events.succeeded(pool("a"));

    assertThat(woken).containsExactlyInAnyOrder("b", "c");
  }

  @Test
  void aSuccessOfAPoolThatWasNotFailingWakesNobody() {
    events.failed(pool("b"));

    events.succeeded(pool("a"));
    events.succeeded(pool("b"));

    assertThat(woken).as("b's own success wakes nobody: no one else fails").isEmpty();
  }

  private static NestedVirtPool pool(String name) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
    return pool;
  }
}
