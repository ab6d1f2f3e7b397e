package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.launch.LaunchSettingsHash;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OutdatedMachinesTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  @Test
  void machinesOlderThanExpireAfterExpireAndTheNextExpiryIsKnown() {
    NestedVirtPoolSpec pool = pool("720h");
    var old = machine(pool, "old", NOW.minus(Duration.ofHours(721)));
    var young = machine(pool, "young", NOW.minus(Duration.ofHours(700)));
    var younger = machine(pool, "younger", NOW.minus(Duration.ofHours(10)));

    var outdated = OutdatedMachines.of(List.of(old, young, younger), pool, Optional.empty(), NOW);

    assertThat(outdated.why())
        .containsOnlyKeys("old")
        .containsValue("expired: launched 721h ago, spec.disruption.expireAfter is 720h");
    assertThat(outdated.expired()).isEqualTo(1);
    assertThat(outdated.nextExpiry()).contains(NOW.plus(Duration.ofHours(20)));
  }

  @Test
  void withoutExpireAfterNothingExpiresAndNoExpiryIsAwaited() {
    NestedVirtPoolSpec pool = pool(null);
    var ancient = machine(pool, "ancient", NOW.minus(Duration.ofDays(3650)));

    var outdated = OutdatedMachines.of(List.of(ancient), pool, Optional.empty(), NOW);

    assertThat(outdated.isEmpty()).isTrue();
    assertThat(outdated.nextExpiry()).isEmpty();
  }

  @Test
  void aMachineNotLaunchedYetNeverExpires() {
    NestedVirtPoolSpec pool = pool("1h");
    var decided = machine(pool, "decided", null);

    assertThat(OutdatedMachines.of(List.of(decided), pool, Optional.empty(), NOW).isEmpty())
        .isTrue();
  }

  @Test
  void driftIsReportedOnceEvenForAMachineThatAlsoExpired() {
    NestedVirtPoolSpec launchedWith = pool("1h");
    var m = machine(launchedWith, "both", NOW.minus(Duration.ofHours(2)));
    NestedVirtPoolSpec now = pool("1h");
    now.instanceTypes = List.of("c8i.large");

    var outdated = OutdatedMachines.of(List.of(m), now, Optional.empty(), NOW);

    assertThat(outdated.drifted()).isEqualTo(1);
    assertThat(outdated.expired()).isZero();
    assertThat(outdated.why().get("both")).startsWith("drifted: instanceType m8i.large");
  }

  @Test
  void aMachineWhoseInstanceEc2ScheduledAChangeForIsOutdatedAndMayGoOutsideTheWindow() {
    NestedVirtPoolSpec pool = pool(null);
    var retiring = machine(pool, "retiring", NOW.minus(Duration.ofHours(2)));
    var fine = machine(pool, "fine", NOW.minus(Duration.ofHours(2)));
    var warned = machine(pool, "warned", NOW.minus(Duration.ofHours(2)));
    annotate(
        retiring,
        InterruptionNotice.of(
            InterruptionNotice.Kind.ScheduledChange,
            "i-retiring",
            "instance-retirement: degraded hardware",
            NOW,
            Instant.parse("2026-12-05T00:00:00Z")));
    annotate(
        warned,
        InterruptionNotice.of(
            InterruptionNotice.Kind.RebalanceRecommendation, "i-warned", "x", NOW, null));

    var outdated =
        OutdatedMachines.of(List.of(retiring, fine, warned), pool, Optional.empty(), NOW);

    assertThat(outdated.why())
        .containsOnlyKeys("retiring")
        .containsEntry(
            "retiring",
            "scheduled: EC2 scheduled instance-retirement: degraded hardware, from"
                + " 2026-12-05T00:00:00Z");
    assertThat(outdated.scheduled()).containsExactly("retiring");
    assertThat(outdated.scheduledOnly()).containsOnlyKeys("retiring");
    assertThat(outdated.drifted()).isZero();
  }

  @Test
  void onlyScheduledMachinesMayGoOutsideTheWindowNotDriftedOnes() {
    NestedVirtPoolSpec launchedWith = pool(null);
    var retiring = machine(launchedWith, "retiring", NOW.minus(Duration.ofHours(2)));
    var drifted = machine(launchedWith, "drifted", NOW.minus(Duration.ofHours(2)));
    annotate(
        retiring,
        InterruptionNotice.of(
            InterruptionNotice.Kind.ScheduledChange, "i-retiring", "instance-stop", NOW, NOW));
    NestedVirtPoolSpec now = pool(null);
    now.instanceTypes = List.of("c8i.large");

    var outdated = OutdatedMachines.of(List.of(retiring, drifted), now, Optional.empty(), NOW);

    assertThat(outdated.why()).containsOnlyKeys("retiring", "drifted");
    assertThat(outdated.scheduledOnly()).containsOnlyKeys("retiring");
  }

  private static void annotate(NestedVirtInstance m, InterruptionNotice notice) {
    m.getMetadata()
        .setAnnotations(
            java.util.Map.of(NestedVirtInstance.INTERRUPTION_ANNOTATION, notice.toJson()));
  }

  private static NestedVirtPoolSpec pool(String expireAfter) {
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 3;
    spec.instanceTypes = List.of("m8i.large");
    if (expireAfter != null) {
      spec.disruption = new DisruptionSpec();
      spec.disruption.expireAfter = expireAfter;
    }
    return spec;
  }

  private static NestedVirtInstance machine(NestedVirtPoolSpec pool, String name, Instant at) {
    NestedVirtInstance m = new NestedVirtInstance();
    m.setMetadata(new ObjectMetaBuilder().withName(name).build());
    NestedVirtInstanceSpec spec = new NestedVirtInstanceSpec();
    spec.instanceType = "m8i.large";
    spec.capacityType = CapacityType.ON_DEMAND;
    spec.launchSettingsHash = LaunchSettingsHash.of(pool);
    spec.launchSettings = LaunchSettingsHash.fields(pool);
    m.setSpec(spec);
    NestedVirtInstanceStatus status = new NestedVirtInstanceStatus();
    status.launchTime = at == null ? null : at.toString();
    status.instanceId = at == null ? null : "i-" + name;
    m.setStatus(status);
    return m;
  }
}
