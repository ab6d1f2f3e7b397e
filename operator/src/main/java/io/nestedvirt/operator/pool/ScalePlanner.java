package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.instance.InstancePhase;
import io.nestedvirt.operator.node.DoNotDisrupt;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Pure planning of how many machines to add and which to remove. Touches no client.
 *
 * <p>A scale-down never takes a node that a VMI pins (LiveMigrate but not migratable: KubeVirt
 * would refuse its eviction for ever) or that {@link DoNotDisrupt#ANNOTATION} holds, on the Node or
 * on a pod that still runs. That applies to every machine with a node, Ready or not: one that is
 * unhealthy for a while still runs what it ran. When fewer machines can go than the pool has too
 * many, the plan says which stay and why.
 */
public final class ScalePlanner {
  private ScalePlanner() {}

  /**
   * What to do to go from the serving machines to {@code desired}.
   *
   * @param toLaunch machines to create
   * @param toRemove scale-down victims, in the order chosen
   * @param held machines skipped on scale-down, and why (empty when not scaling down)
   * @param blocked how many machines above {@code desired} stay because every other candidate is
   *     held
   */
  public record ScalePlan(
      int toLaunch, List<NestedVirtInstance> toRemove, List<Held> held, int blocked) {
    static ScalePlan launch(int count) {
      return new ScalePlan(count, List.of(), List.of(), 0);
    }

    /**
     * For the pool's Scaled condition and its Event when {@link #blocked} is positive: which nodes
     * stay and what holds each, and what would let the scale-down go on.
     */
    String blockedMessage() {
      List<String> nodes = held.stream().map(Held::describe).toList();
      return "cannot remove "
          + blocked
          + " more machine(s): "
          + String.join("; ", shown(nodes, "more node(s)"))
          + ". The scale-down goes on as soon as they are released: a VMI becomes migratable or"
          + " stops, an annotation "
          + DoNotDisrupt.ANNOTATION
          + " is removed";
    }
  }

  /**
   * A machine a scale-down may not take, and why.
   *
   * @param why the VMIs that pin its node, then who holds it back with {@link
   *     DoNotDisrupt#ANNOTATION}
   */
  public record Held(NestedVirtInstance machine, List<String> why) {
    String describe() {
      String node = machine.getStatus() == null ? null : machine.getStatus().nodeName;
      return "node "
          + node
          + " (machine "
          + machine.name()
          + "): "
          + String.join(", ", shown(why, "more"));
    }
  }

  /** Nodes, and reasons per node, a message names at most (a condition stays readable). */
  static final int MAX_LISTED = 5;

  /**
   * @param desired the spec's replicas
   * @param serving machines that count toward the pool (not failed, not being deleted)
   * @param workloads what runs on a machine's node; asked only when scaling down, once per machine
   */
  public static ScalePlan plan(
      int desired,
      List<NestedVirtInstance> serving,
      Function<NestedVirtInstance, NodeWorkload> workloads) {
    return plan(desired, serving, workloads, Victims.ANY);
  }

  /**
   * Which machines a scale-down may take.
   *
   * @param first names of machines that go before any other, if nothing holds them (the
   *     autoscaler's idle nodes: otherwise the usual order would take a node still launching for a
   *     pending pod, and the next decision would launch it again)
   * @param onlyThose no other machine may go (a scale-down for idleness takes idle nodes only)
   */
  public record Victims(Set<String> first, boolean onlyThose) {
    public static final Victims ANY = new Victims(Set.of(), false);

    public Victims {
      first = Set.copyOf(first);
    }

    boolean mayGo(NestedVirtInstance m) {
      return !onlyThose || first.contains(m.name());
    }
  }

  /** As {@link #plan(int, List, Function)}, taking victims as {@code victims} says. */
  public static ScalePlan plan(
      int desired,
      List<NestedVirtInstance> serving,
      Function<NestedVirtInstance, NodeWorkload> workloads,
      Victims victims) {
    int current = serving.size();
    if (current < desired) {
      return ScalePlan.launch(desired - current);
    }
    int excess = current - Math.max(0, desired);
    if (excess <= 0) {
      return ScalePlan.launch(0);
    }
    Map<String, NodeWorkload> onNode = new HashMap<>();
    List<NestedVirtInstance> mayGo = serving.stream().filter(victims::mayGo).toList();
    for (NestedVirtInstance m : mayGo) {
      onNode.put(m.name(), workloads.apply(m));
    }
    List<NestedVirtInstance> candidates = new ArrayList<>();
    List<Held> held = new ArrayList<>();
    for (NestedVirtInstance m : mayGo) {
      List<String> why = onNode.get(m.name()).blockers();
      if (why.isEmpty()) {
        candidates.add(m);
      } else {
        held.add(new Held(m, why));
      }
    }
    List<NestedVirtInstance> toRemove =
        candidates.stream()
            .sorted(
                Comparator.<NestedVirtInstance, Boolean>comparing(
                        m -> !victims.first().contains(m.name()))
                    .thenComparing(scaleDownOrder(m -> onNode.get(m.name()))))
            .limit(excess)
            .toList();
    held.sort(Comparator.comparing(h -> h.machine().name()));
    return new ScalePlan(0, toRemove, List.copyOf(held), excess - toRemove.size());
  }

  /**
   * Which machines go first on scale-down, among those nothing holds: those not launched yet, which
   * cost nothing to remove (so that a launch decided before a scale-down never lands after it);
   * then those that serve nothing yet (not joined, then not verified); then the Ready ones with the
   * least VM memory to move (each GiB is minutes of live migration), then with the fewest pods (the
   * cheapest to drain); then the newest (the oldest have proven themselves); then by name, so the
   * choice is stable.
   */
  static Comparator<NestedVirtInstance> scaleDownOrder(
      Function<NestedVirtInstance, NodeWorkload> workloads) {
    return Comparator.comparingInt(ScalePlanner::rank)
        .thenComparingLong(m -> ready(m) ? workloads.apply(m).vmMemoryToMove() : 0)
        .thenComparingInt(m -> ready(m) ? workloads.apply(m).pods() : 0)
        .thenComparing(ScalePlanner::age, Comparator.reverseOrder())
        .thenComparing(NestedVirtInstance::name);
  }

  /** The first {@link #MAX_LISTED} of {@code items}, and how many more there are. */
  private static List<String> shown(List<String> items, String more) {
    if (items.size() <= MAX_LISTED) {
      return items;
    }
    List<String> shown = new ArrayList<>(items.subList(0, MAX_LISTED));
    shown.add("and " + (items.size() - MAX_LISTED) + " " + more);
    return shown;
  }

  private static boolean ready(NestedVirtInstance m) {
    return phase(m) == InstancePhase.Ready;
  }

  private static int rank(NestedVirtInstance m) {
    if (m.instanceId() == null) {
      return 0;
    }
    return switch (phase(m)) {
      case Failed -> 1;
      case Launching, Joining -> 2;
      case Verifying -> 3;
      default -> 4;
    };
  }

  static InstancePhase phase(NestedVirtInstance m) {
    return InstancePhase.of(m);
  }

  /** When the machine's instance launched, else when the machine was created. */
  static Instant age(NestedVirtInstance m) {
    if (m.getStatus() != null && m.getStatus().launchTime != null) {
      return Instant.parse(m.getStatus().launchTime);
    }
    String created = m.getMetadata().getCreationTimestamp();
    return created == null ? Instant.MAX : Instant.parse(created);
  }
}
