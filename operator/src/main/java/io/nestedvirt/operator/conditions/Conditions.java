package io.nestedvirt.operator.conditions;

import io.nestedvirt.operator.api.v1alpha1.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place that builds status conditions, for pools and machines alike. A condition keeps its
 * lastTransitionTime unless its status changes, so tools that watch transitions see only real ones;
 * conditions a reconcile does not set keep their last verdict.
 */
public final class Conditions {
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private final Map<String, Condition> previous = new LinkedHashMap<>();
  private final Map<String, Condition> current = new LinkedHashMap<>();
  private final List<String> order;
  private final Long generation;
  private final String now;

  /**
   * @param previous the conditions as last written (may be null)
   * @param order the types in the order status lists them; others follow
   * @param generation the spec generation the conditions are computed from (null: not recorded)
   */
  public Conditions(List<Condition> previous, List<String> order, Long generation, Instant now) {
    if (previous != null) {
      previous.forEach(c -> this.previous.put(c.type, c));
    }
    this.current.putAll(this.previous);
    this.order = List.copyOf(order);
    this.generation = generation;
    this.now = now.toString();
  }

  public Conditions set(String type, boolean status, Enum<?> reason, String message) {
    return set(type, status ? TRUE : FALSE, reason.name(), message);
  }

  /**
   * Sets a condition whose reason is carried over from another one as stored (it may be a reason
   * only a newer operator version knows).
   */
  public Conditions set(String type, boolean status, String reason, String message) {
    return set(type, status ? TRUE : FALSE, reason, message);
  }

  public Conditions unknown(String type, Enum<?> reason, String message) {
    return set(type, UNKNOWN, reason.name(), message);
  }

  private Conditions set(String type, String status, String reason, String message) {
    Condition old = previous.get(type);
    String since =
        old != null && status.equals(old.status) && old.lastTransitionTime != null
            ? old.lastTransitionTime
            : now;
    current.put(type, new Condition(type, status, reason, message, since, generation));
    return this;
  }

  /** Drops a condition that no longer applies. */
  public Conditions remove(String type) {
    current.remove(type);
    return this;
  }

  public Optional<Condition> get(String type) {
    return Optional.ofNullable(current.get(type));
  }

  public boolean isTrue(String type) {
    return get(type).map(c -> TRUE.equals(c.status)).orElse(false);
  }

  public boolean isFalse(String type) {
    return get(type).map(c -> FALSE.equals(c.status)).orElse(false);
  }

  public boolean isUnknown(String type) {
    return get(type).map(c -> UNKNOWN.equals(c.status)).orElse(false);
  }

  /** The condition's reason, or null when it is not set. */
  public String reason(String type) {
    return get(type).map(c -> c.reason).orElse(null);
  }

  /** When the condition last changed status, if it is set. */
  public Optional<Instant> since(String type) {
    return get(type).map(c -> c.lastTransitionTime).map(Instant::parse);
  }

  /** Whether {@code type} changed status or reason in this reconcile (or is new). */
  public boolean transitioned(String type) {
    Condition old = previous.get(type);
    Condition now = current.get(type);
    return now != null
        && (old == null || !old.status.equals(now.status) || !old.reason.equals(now.reason));
  }

  /**
   * Whether {@code type} changed status, reason or message in this reconcile (or is new): for
   * Events that say what a condition says, once per change of it.
   */
  public boolean changed(String type) {
    Condition old = previous.get(type);
    Condition now = current.get(type);
    return now != null
        && (old == null
            || !old.status.equals(now.status)
            || !old.reason.equals(now.reason)
            || !Objects.equals(old.message, now.message));
  }

  /** Every condition, in the stable order given at construction. */
  public List<Condition> list() {
    List<Condition> result = new ArrayList<>(current.values());
    result.sort(Comparator.comparingInt(c -> position(c.type)));
    return result;
  }

  private int position(String type) {
    int i = order.indexOf(type);
    return i < 0 ? order.size() : i;
  }
}
