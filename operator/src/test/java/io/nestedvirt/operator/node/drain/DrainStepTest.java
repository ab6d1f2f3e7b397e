package io.nestedvirt.operator.node.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.node.drain.DrainStep.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrainStepTest {
  @Test
  void aDrainedNodeSaysSo() {
    DrainStep step = new DrainStep("n1", true, 0, 0, 0, List.of(), List.of(), List.of());
    assertThat(step.summary()).isEqualTo("node n1 is drained");
    assertThat(step.evictionsRefused()).isZero();
  }

  @Test
  void summaryNamesPodsLeftAndTheBudgetThatBlocks() {
    DrainStep step =
        new DrainStep(
            "n1",
            false,
            2,
            1,
            1,
            List.of(new Refusal("default/web-1", List.of("web"))),
            List.of(),
            List.of());
    assertThat(step.summary())
        .isEqualTo(
            "2 pods left (1 terminating); eviction of default/web-1 blocked by"
                + " PodDisruptionBudget web");
    assertThat(step.evictionsRefused()).isEqualTo(1);
    assertThat(step.blockedByDisruptionBudget()).containsExactly("default/web");
  }

  @Test
  void aRefusalThatNoBudgetExplainsIsCalledA429() {
    DrainStep step =
        new DrainStep(
            "n1", false, 1, 0, 0, List.of(new Refusal("ns/p", List.of())), List.of(), List.of());
    assertThat(step.summary())
        .isEqualTo("1 pod left; eviction of ns/p refused (429, no PodDisruptionBudget covers it)");
    assertThat(step.blockedByDisruptionBudget()).isEmpty();
  }

  @Test
  void longListsAreCutShortAndBudgetsAreNotRepeated() {
    List<Refusal> refused =
        List.of(
            new Refusal("a/w-1", List.of("web")),
            new Refusal("a/w-2", List.of("web")),
            new Refusal("b/w-1", List.of("web")),
            new Refusal("b/w-2", List.of("web")),
            new Refusal("b/w-3", List.of("web")));
    DrainStep step =
        new DrainStep(
            "n1",
            false,
            5,
            0,
            0,
            refused,
            List.of(),
            List.of("c/x: 500 This pod has more than one"));
    assertThat(step.summary())
        .isEqualTo(
            "5 pods left; eviction of a/w-1 blocked by PodDisruptionBudget web; eviction of a/w-2"
                + " blocked by PodDisruptionBudget web; eviction of b/w-1 blocked by"
                + " PodDisruptionBudget web; 2 more evictions refused; c/x: 500 This pod has more"
                + " than one");
    assertThat(step.blockedByDisruptionBudget()).containsExactly("a/web", "b/web");
  }

  @Test
  void vmsMovingAreProgressAndVmsPinnedSayWhyNotABudget() {
    DrainStep step =
        new DrainStep(
            "n1",
            false,
            3,
            0,
            0,
            List.of(
                new Refusal(
                    "vms/virt-launcher-db-x",
                    List.of(),
                    "VMI vms/db has eviction strategy LiveMigrate but is not live-migratable")),
            List.of("vms/web", "vms/api"),
            List.of());
    assertThat(step.summary())
        .isEqualTo(
            "3 pods left; VMIs vms/web, vms/api migrating; eviction of vms/virt-launcher-db-x"
                + " refused: VMI vms/db has eviction strategy LiveMigrate but is not"
                + " live-migratable");
    assertThat(step.blockedByDisruptionBudget()).isEmpty();
    assertThat(step.evictionsRefused()).isEqualTo(1);
  }
}
