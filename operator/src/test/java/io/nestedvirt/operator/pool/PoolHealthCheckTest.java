package io.nestedvirt.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.gitops.ArgoCdHealth;
import io.nestedvirt.operator.gitops.ArgoCdHealth.Health;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Argo CD's health check (deploy/argocd/health.lua) on pool statuses built as the pool controller
 * builds them: conditions from {@link PoolConditions}, {@code observedGeneration} the generation
 * acted on.
 */
class PoolHealthCheckTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

  @Test
  void aConvergedPoolIsHealthy() {
    NestedVirtPool pool = pool(2, converged(2));
    assertThat(ArgoCdHealth.of(pool))
        .isEqualTo(new Health("Healthy", "2 of 2 nodes verified and Ready"));
  }

  @Test
  void aPoolWhoseInstancesAreStartingIsProgressing() {
    List<Condition> conditions =
        new PoolConditions(List.of(), 2, NOW)
            .set(ConditionType.SPEC_VALID, true, ConditionReason.Valid, "")
            .set(ConditionType.INSTANCE_TYPES_VALID, true, ConditionReason.AllTypesCapable, "")
            .set(ConditionType.SCALED, true, ConditionReason.Scaled, "")
            .finish(false, "0 of 2 nodes verified and Ready");
    assertThat(ArgoCdHealth.of(pool(2, status(2, conditions))))
        .isEqualTo(new Health("Progressing", "0 of 2 nodes verified and Ready"));
  }

  @Test
  void aStalledPoolIsDegradedWithWhatToDo() {
    String message = "m7i.large does not support nested virtualization: use C8i, M8i or R8i";
    List<Condition> conditions =
        new PoolConditions(List.of(), 2, NOW)
            .set(ConditionType.SPEC_VALID, true, ConditionReason.Valid, "")
            .set(
                ConditionType.INSTANCE_TYPES_VALID,
                false,
                ConditionReason.IncapableInstanceType,
                message)
            .finish(false, "0 of 2 nodes verified and Ready");
    assertThat(ArgoCdHealth.of(pool(2, status(2, conditions))))
        .isEqualTo(new Health("Degraded", message));
  }

  @Test
  void aNewGenerationNotYetObservedIsProgressingThoughTheOldOneWasReady() {
    // kubectl scale, or a sync from Git, bumped the generation; the status is the last one's.
    Health health = ArgoCdHealth.of(pool(3, converged(2)));
    assertThat(health.status()).isEqualTo("Progressing");
    assertThat(health.message()).isEqualTo("Waiting for the operator to observe generation 3");
  }

  @Test
  void aPoolWithoutStatusIsProgressing() {
    NestedVirtPool pool = pool(1, null);
    assertThat(ArgoCdHealth.of(pool).status()).isEqualTo("Progressing");
  }

  @Test
  void aReconcileRetryingAfterAnErrorKeepsAReadyPoolHealthy() {
    List<Condition> ready = converged(2).conditions;
    List<Condition> retrying =
        new PoolConditions(ready, 2, NOW.plusSeconds(60)).retrying("EC2 throttled; retrying");
    assertThat(ArgoCdHealth.of(pool(2, status(2, retrying))).status()).isEqualTo("Healthy");
  }

  private static NestedVirtPoolStatus converged(long generation) {
    return status(
        generation,
        new PoolConditions(List.of(), generation, NOW)
            .set(ConditionType.SPEC_VALID, true, ConditionReason.Valid, "")
            .set(ConditionType.INSTANCE_TYPES_VALID, true, ConditionReason.AllTypesCapable, "")
            .set(ConditionType.SCALED, true, ConditionReason.Scaled, "")
            .finish(true, "2 of 2 nodes verified and Ready"));
  }

  private static NestedVirtPoolStatus status(long generation, List<Condition> conditions) {
    NestedVirtPoolStatus status = new NestedVirtPoolStatus();
    status.observedGeneration = generation;
    status.conditions = conditions;
    return status;
  }

  private static NestedVirtPool pool(long generation, NestedVirtPoolStatus status) {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(
        new ObjectMetaBuilder().withName("kubevirt").withGeneration(generation).build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 2;
    spec.instanceTypes = List.of("m8i.large");
    pool.setSpec(spec);
    pool.setStatus(status);
    return pool;
  }
}
