package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.conditions.Conditions;
import io.nestedvirt.operator.conditions.Names;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The pool's conditions: each reconcile step sets its own, and {@link #finish} derives the kstatus
 * ones (Ready, Reconciling, Stalled) from them, so Argo CD and Flux read the pool's health.
 */
public final class PoolConditions {
  private static final List<String> ORDER =
      List.of(
          ConditionType.READY,
          ConditionType.RECONCILING,
          ConditionType.STALLED,
          ConditionType.SPEC_VALID,
          ConditionType.INSTANCE_TYPES_VALID,
          ConditionType.LAUNCH_CONFIG_VALID,
          ConditionType.SCALED,
          ConditionType.NODES_HEALTHY,
          ConditionType.DEMAND_SERVED);

  private static final List<String> KSTATUS = ORDER.subList(0, 3);

  private final Conditions conditions;

  public PoolConditions(List<Condition> previous, long generation, Instant now) {
    this.conditions = new Conditions(previous, ORDER, generation, now);
  }

  public PoolConditions set(String type, boolean status, ConditionReason reason, String message) {
    conditions.set(type, status, reason, message);
    return this;
  }

  public Optional<Condition> get(String type) {
    return conditions.get(type);
  }

  public PoolConditions remove(String type) {
    conditions.remove(type);
    return this;
  }

  public boolean isTrue(String type) {
    return conditions.isTrue(type);
  }

  public boolean isFalse(String type) {
    return conditions.isFalse(type);
  }

  /** Whether {@code type} changed status or reason in this reconcile (or is new). */
  public boolean transitioned(String type) {
    return conditions.transitioned(type);
  }

  /** Whether {@code type} changed status, reason or message in this reconcile (or is new). */
  public boolean changed(String type) {
    return conditions.changed(type);
  }

  /**
   * Derives the kstatus conditions from the step conditions and returns the full list in a stable
   * order. Stalled when a step needs the user to act; Ready when {@code converged}, that is when
   * the pool has what its spec asks for; Reconciling otherwise.
   */
  public List<Condition> finish(boolean converged, String progressMessage) {
    Optional<Condition> blocking =
        conditions.list().stream()
            .filter(c -> !KSTATUS.contains(c.type))
            .filter(c -> Conditions.FALSE.equals(c.status))
            .filter(c -> isUserError(c.reason))
            .findFirst();
    if (blocking.isPresent()) {
      Condition b = blocking.get();
      set(ConditionType.STALLED, true, ConditionReason.InvalidSpec, b.message);
      set(ConditionType.RECONCILING, false, ConditionReason.InvalidSpec, b.message);
      conditions.set(ConditionType.READY, false, b.reason, b.message);
    } else if (converged) {
      set(ConditionType.STALLED, false, ConditionReason.Converged, "");
      set(ConditionType.RECONCILING, false, ConditionReason.Converged, "");
      set(ConditionType.READY, true, ConditionReason.Ready, progressMessage);
    } else {
      // Scaled but not converged means instances exist and are still starting, or some that
      // served are unhealthy.
      Condition scaled = conditions.get(ConditionType.SCALED).orElse(null);
      Condition health = conditions.get(ConditionType.NODES_HEALTHY).orElse(null);
      // Reasons as stored: one only a newer operator version knows is carried over as it is.
      String why =
          scaled == null
              ? ConditionReason.Progressing.name()
              : !Conditions.TRUE.equals(scaled.status)
                  ? scaled.reason
                  : health != null && Conditions.FALSE.equals(health.status)
                      ? health.reason
                      : ConditionReason.InstancesStarting.name();
      set(ConditionType.STALLED, false, ConditionReason.Progressing, "");
      conditions.set(ConditionType.RECONCILING, true, why, progressMessage);
      conditions.set(ConditionType.READY, false, why, progressMessage);
    }
    return conditions.list();
  }

  /**
   * A reconcile failed and will be retried: {@code Reconciling=True} with reason {@code
   * RetryingAfterError} and {@code message}; the other conditions keep what the last successful
   * reconcile found (a Ready pool stays Ready while, say, EC2 throttles a check). Returns the list.
   */
  public List<Condition> retrying(String message) {
    set(ConditionType.RECONCILING, true, ConditionReason.RetryingAfterError, message);
    if (conditions.get(ConditionType.READY).isEmpty()) {
      set(ConditionType.READY, false, ConditionReason.RetryingAfterError, message);
    }
    if (conditions.get(ConditionType.STALLED).isEmpty()) {
      set(ConditionType.STALLED, false, ConditionReason.RetryingAfterError, "");
    }
    return conditions.list();
  }

  /** Reasons that only a change to the spec (or to the cloud account) can clear. */
  private static boolean isUserError(String reason) {
    ConditionReason known = Names.parse(ConditionReason.class, reason).orElse(null);
    if (known == null) {
      return false; // only a newer operator version knows it; it says nothing about the spec here
    }
    return switch (known) {
      case InvalidSpec,
          UnknownInstanceType,
          IncapableInstanceType,
          SubnetNotFound,
          SecurityGroupNotFound,
          ImageNotFound,
          BootstrapInvalid,
          LaunchRefused ->
          true;
      default -> false;
    };
  }
}
