package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place that builds the pool's conditions. A condition keeps its lastTransitionTime unless
 * its status changes, so tools that watch transitions see only real ones.
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
          ConditionType.SCALED);

  private final Map<String, Condition> previous = new LinkedHashMap<>();
  private final Map<String, Condition> current = new LinkedHashMap<>();
  private final long generation;
  private final String now;

  public PoolConditions(List<Condition> previous, long generation, Instant now) {
    if (previous != null) {
      previous.forEach(c -> this.previous.put(c.type, c));
    }
    // Conditions a pass does not re-evaluate keep their last verdict.
    this.current.putAll(this.previous);
    this.generation = generation;
    this.now = now.toString();
  }

  public PoolConditions set(String type, boolean status, ConditionReason reason, String message) {
    String statusText = status ? "True" : "False";
    Condition old = previous.get(type);
    String since =
        old != null && statusText.equals(old.status) && old.lastTransitionTime != null
            ? old.lastTransitionTime
            : now;
    current.put(type, new Condition(type, statusText, reason.name(), message, since, generation));
    return this;
  }

  public Optional<Condition> get(String type) {
    return Optional.ofNullable(current.get(type));
  }

  public boolean isTrue(String type) {
    return get(type).map(c -> "True".equals(c.status)).orElse(false);
  }

  public boolean isFalse(String type) {
    return get(type).map(c -> "False".equals(c.status)).orElse(false);
  }

  /** Whether {@code type} changed status or reason in this reconcile (or is new). */
  public boolean transitioned(String type) {
    Condition old = previous.get(type);
    Condition now = current.get(type);
    return now != null
        && (old == null || !old.status.equals(now.status) || !old.reason.equals(now.reason));
  }

  /**
   * Derives the kstatus conditions from the step conditions and returns the full list in a stable
   * order. Stalled when a step needs the user to act; Ready when {@code converged}, that is when
   * the pool has what its spec asks for; Reconciling otherwise.
   */
  public List<Condition> finish(boolean converged, String progressMessage) {
    Optional<Condition> blocking =
        current.values().stream()
            .filter(c -> !ORDER.subList(0, 3).contains(c.type))
            .filter(c -> "False".equals(c.status))
            .filter(c -> isUserError(c.reason))
            .findFirst();
    if (blocking.isPresent()) {
      Condition b = blocking.get();
      set(ConditionType.STALLED, true, ConditionReason.InvalidSpec, b.message);
      set(ConditionType.RECONCILING, false, ConditionReason.InvalidSpec, b.message);
      set(ConditionType.READY, false, ConditionReason.valueOf(b.reason), b.message);
    } else if (converged) {
      set(ConditionType.STALLED, false, ConditionReason.Converged, "");
      set(ConditionType.RECONCILING, false, ConditionReason.Converged, "");
      set(ConditionType.READY, true, ConditionReason.Ready, progressMessage);
    } else {
      // Scaled but not converged means instances exist and are still starting.
      Condition scaled = current.get(ConditionType.SCALED);
      ConditionReason why =
          scaled == null
              ? ConditionReason.Progressing
              : "True".equals(scaled.status)
                  ? ConditionReason.InstancesStarting
                  : ConditionReason.valueOf(scaled.reason);
      set(ConditionType.STALLED, false, ConditionReason.Progressing, "");
      set(ConditionType.RECONCILING, true, why, progressMessage);
      set(ConditionType.READY, false, why, progressMessage);
    }
    List<Condition> result = new ArrayList<>(current.values());
    result.sort(Comparator.comparingInt(c -> order(c.type)));
    return result;
  }

  private static int order(String type) {
    int i = ORDER.indexOf(type);
    return i < 0 ? ORDER.size() : i;
  }

  /** Reasons that only a change to the spec (or to the cloud account) can clear. */
  private static boolean isUserError(String reason) {
    return switch (ConditionReason.valueOf(reason)) {
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
