package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleDownCancelTest {
  private final NestedVirtInstance oldIdle = victim("old", 0, null);
  private final NestedVirtInstance newIdle = victim("new", 120, 0);
  private final NestedVirtInstance evicting = victim("evicting", 60, 1);

  @Test
  void victimsWhoseDrainEvictedNothingAreTakenBackOldestFirstUpToWhatIsMissing() {
    assertThat(ScaleDownCancel.choose(3, 1, List.of(newIdle, evicting, oldIdle)))
        .extracting(NestedVirtInstance::name)
        .containsExactly("old", "new");
    assertThat(ScaleDownCancel.choose(2, 1, List.of(newIdle, oldIdle)))
        .extracting(NestedVirtInstance::name)
        .containsExactly("old");
  }

  @Test
  void aDrainThatEvictedAPodIsNeverTakenBack() {
    assertThat(ScaleDownCancel.choose(3, 1, List.of(evicting))).isEmpty();
  }

  @Test
  void nothingIsTakenBackWhileThePoolHasWhatItAsksFor() {
    assertThat(ScaleDownCancel.choose(1, 1, List.of(oldIdle, newIdle))).isEmpty();
    assertThat(ScaleDownCancel.choose(0, 1, List.of(oldIdle))).isEmpty();
  }

  @Test
  void failedAndDeletedVictimsAreNotTakenBack() {
    NestedVirtInstance failed = victim("failed", 0, 0);
    failed.getStatus().phase = "Failed";
    NestedVirtInstance deleted = victim("deleted", 0, 0);
    deleted.getMetadata().setDeletionTimestamp("2027-01-15T08:00:00Z");
    assertThat(ScaleDownCancel.choose(5, 1, List.of(failed, deleted))).isEmpty();
  }

  @Test
  void aVictimHeldByDoNotDisruptBeforeItsDrainBeganIsTakenBackWhateverTheCount() {
    NestedVirtInstance held = victim("held", 0, null);
    held.getStatus().conditions =
        List.of(
            new Condition(
                "Draining",
                "False",
                "DoNotDisrupt",
                "node node-held carries nestedvirt.io/do-not-disrupt: \"true\"",
                "2027-01-15T08:00:00Z",
                null));
    NestedVirtInstance waiting = victim("waiting", 0, null);
    waiting.getStatus().conditions =
        List.of(
            new Condition(
                "Draining", "False", "WaitingForMigrationSlot", "", "2027-01-15T08:00:00Z", null));
    assertThat(ScaleDownCancel.heldByDoNotDisrupt(List.of(held, waiting, oldIdle, evicting)))
        .extracting(NestedVirtInstance::name)
        .containsExactly("held");
  }

  private static NestedVirtInstance victim(String name, int launchedSecond, Integer evicted) {
    NestedVirtInstance m = new NestedVirtInstance();
    Instant at = Instant.ofEpochSecond(1_800_000_000L + launchedSecond);
    m.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withCreationTimestamp(at.toString())
            .addToAnnotations(NestedVirtInstance.SCALE_DOWN_ANNOTATION, at.toString())
            .build());
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.instanceId = "i-" + name;
    status.nodeName = "node-" + name;
    status.phase = "Draining";
    status.launchTime = at.toString();
    status.evictedPods = evicted;
    m.setStatus(status);
    return m;
  }
}
