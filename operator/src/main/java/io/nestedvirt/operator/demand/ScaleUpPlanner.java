package io.nestedvirt.operator.demand;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which new nodes serve the pending pods: a first-fit-decreasing bin-packing over the autoscaled
 * pools. Pure and deterministic: the same input gives the same plan.
 *
 * <p>Pods go largest first: by cpu, then memory, then the other resources by name (all descending),
 * then by namespace and name. Each pod goes, in this order, onto
 *
 * <ol>
 *   <li>free room on a pool's nodes still launching, joining or verifying, so that a second burst
 *       of pods does not launch again what is already coming;
 *   <li>a node already opened in this plan, whose offers narrow to those that hold all its pods;
 *   <li>a new node of the first pool with headroom that fits it; it offers every (type, zone) of
 *       the pool that holds the pod.
 * </ol>
 *
 * Pools are tried by {@code spec.autoscaling.weight} (highest first), then name, at every step.
 * Like Karpenter, room already coming or opened in any pool is used before a new node of a heavier
 * pool: weight chooses where to launch, not where to wait.
 */
public final class ScaleUpPlanner {
  private ScaleUpPlanner() {}

  /**
   * An autoscaled pool: headroom = maxReplicas - its machines now (never negative); offers from
   * {@link NodeOffers#of}; inFlight = its nodes still launching, joining or verifying (their whole
   * offer is free room).
   */
  public record PoolCandidate(
      String pool, int weight, int headroom, List<NodeOffer> offers, List<Room> inFlight) {
    public PoolCandidate {
      headroom = Math.max(0, headroom);
      offers = List.copyOf(offers);
      inFlight = List.copyOf(inFlight);
    }
  }

  /** A machine still coming, and what its node will offer. */
  public record Room(String machine, NodeOffer offer) {}

  /**
   * A node to launch: offers = the (type, zone) offers of its pool that hold ALL its pods, in the
   * pool's order: the first is the type to launch, and the zone is chosen among the offers of that
   * type, spread as the pool spreads its nodes.
   */
  public record NewNode(String pool, List<NodeOffer> offers, List<Pod> pods) {
    public NewNode {
      offers = List.copyOf(offers);
      pods = List.copyOf(pods);
    }
  }

  public enum Why {
    /** Every pool that would fit the pod is at its {@code maxReplicas}. */
    MAX_REPLICAS,
    /** No new node of any autoscaled pool would admit the pod. */
    NO_POOL_FITS,
    /** The pod needs a resource (a GPU, say) that no pool's nodes will have: not demand. */
    RESOURCE_NOT_OFFERED
  }

  /**
   * A pod no plan serves, and the message for its Event (NotTriggerScaleUp). For
   * RESOURCE_NOT_OFFERED (e.g. nvidia.com/gpu, which no pool's nodes will have) the pod does not
   * count as demand at all. For MAX_REPLICAS, pool names the pool (highest weight) that fit; null
   * otherwise.
   */
  public record Unserved(Pod pod, Why why, String pool, String message) {}

  /**
   * @param newNodes the nodes to launch, in the order they were opened
   * @param onInFlight the pods placed on each in-flight machine, by machine name
   * @param unserved the pods no node serves, in the order they were considered
   */
  public record Plan(
      List<NewNode> newNodes, Map<String, List<Pod>> onInFlight, List<Unserved> unserved) {
    public Plan {
      newNodes = List.copyOf(newNodes);
      TreeMap<String, List<Pod>> copy = new TreeMap<>();
      onInFlight.forEach((machine, pods) -> copy.put(machine, List.copyOf(pods)));
      onInFlight = Collections.unmodifiableSortedMap(copy);
      unserved = List.copyOf(unserved);
    }

    /** The new nodes of one pool. */
    public List<NewNode> newNodesOf(String pool) {
      return newNodes.stream().filter(n -> n.pool().equals(pool)).toList();
    }
  }

  /** Resources every node has: never a reason to call a pod's need unoffered. */
  private static final Set<String> BASIC =
      Set.of(Resources.CPU, Resources.MEMORY, Resources.PODS, Resources.EPHEMERAL_STORAGE);

  /** See the class comment for the order of pods, pools and places. */
  public static Plan plan(List<Pod> pending, List<PoolCandidate> pools) {
    List<PoolState> states =
        pools.stream()
            .sorted(
                Comparator.comparingInt(PoolCandidate::weight)
                    .reversed()
                    .thenComparing(PoolCandidate::pool))
            .map(PoolState::new)
            .toList();
    Set<String> offered = offeredResources(pools);
    List<Sized> pods = pending.stream().map(Sized::new).sorted(Sized.LARGEST_FIRST).toList();

    List<OpenNode> opened = new ArrayList<>();
    Map<String, List<Pod>> onInFlight = new TreeMap<>();
    List<Unserved> unserved = new ArrayList<>();
    for (Sized sized : pods) {
      Pod pod = sized.pod();
      Optional<String> unoffered = unoffered(sized.requests(), offered);
      if (unoffered.isPresent()) {
        unserved.add(
            new Unserved(
                pod,
                Why.RESOURCE_NOT_OFFERED,
                null,
                "needs "
                    + unoffered.get()
                    + ", which no autoscaled pool's nodes offer; it does not trigger a scale-up"));
        continue;
      }
      Candidate candidate = new Candidate(sized);
      List<PoolState> fitting = states.stream().filter(s -> s.admits(candidate)).toList();
      if (fitting.isEmpty()) {
        unserved.add(
            new Unserved(pod, Why.NO_POOL_FITS, null, noPoolFits(pod, sized.requests(), states)));
        continue;
      }
      if (placeInFlight(candidate, fitting, onInFlight)
          || placeOnOpened(candidate, fitting, opened)) {
        continue;
      }
      Optional<PoolState> withHeadroom = fitting.stream().filter(s -> s.headroom > 0).findFirst();
      if (withHeadroom.isPresent()) {
        PoolState state = withHeadroom.get();
        state.headroom--;
        opened.add(new OpenNode(state, candidate));
        continue;
      }
      unserved.add(new Unserved(pod, Why.MAX_REPLICAS, fitting.getFirst().name(), atMax(fitting)));
    }
    return new Plan(opened.stream().map(OpenNode::toNewNode).toList(), onInFlight, unserved);
  }

  private static boolean placeInFlight(
      Candidate pod, List<PoolState> fitting, Map<String, List<Pod>> onInFlight) {
    for (PoolState state : fitting) {
      for (RoomState room : state.rooms) {
        if (pod.placeable(room.offer) && pod.planned().fitsIn(room.free)) {
          room.free = room.free.minus(pod.planned());
          onInFlight.computeIfAbsent(room.machine, m -> new ArrayList<>()).add(pod.pod());
          return true;
        }
      }
    }
    return false;
  }

  private static boolean placeOnOpened(
      Candidate pod, List<PoolState> fitting, List<OpenNode> opened) {
    for (PoolState state : fitting) {
      for (OpenNode node : opened) {
        if (node.pool == state && node.add(pod)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Every resource some offer of some pool has. */
  private static Set<String> offeredResources(List<PoolCandidate> pools) {
    Set<String> offered = new LinkedHashSet<>();
    for (PoolCandidate pool : pools) {
      pool.offers().forEach(o -> offered.addAll(o.allocatable().amounts().keySet()));
      pool.inFlight().forEach(r -> offered.addAll(r.offer().allocatable().amounts().keySet()));
    }
    return offered;
  }

  private static Optional<String> unoffered(Resources requests, Set<String> offered) {
    return requests.amounts().keySet().stream()
        .filter(name -> !BASIC.contains(name) && !offered.contains(name))
        .findFirst();
  }

  /**
   * Why no pool fits, per pool: the reason of the offer the pod came nearest to (labels, then
   * taints, then resources), the first such offer on a tie.
   */
  private static String noPoolFits(Pod pod, Resources requests, List<PoolState> states) {
    if (states.isEmpty()) {
      return "no autoscaled pool could serve it";
    }
    List<String> reasons = new ArrayList<>();
    for (PoolState state : states) {
      PodFit.Miss nearest = null;
      for (var offer : state.candidate.offers()) {
        PodFit.Miss miss =
            PodFit.miss(pod.getSpec(), requests, offer, offer.allocatable()).orElseThrow();
        if (nearest == null || miss.stage().compareTo(nearest.stage()) > 0) {
          nearest = miss;
        }
      }
      reasons.add(
          "pool "
              + state.name()
              + ": "
              + (nearest == null ? "none of its instance types is known" : nearest.reason()));
    }
    return "no new node of an autoscaled pool would fit it: " + String.join("; ", reasons);
  }

  private static String atMax(List<PoolState> fitting) {
    List<String> names = fitting.stream().map(PoolState::name).toList();
    return (names.size() == 1
            ? "pool " + names.getFirst() + " fits it but is"
            : "pools " + String.join(", ", names) + " fit it but are")
        + " at autoscaling.maxReplicas, and the nodes already coming have no room left; raise"
        + " maxReplicas to let it grow";
  }

  /** A pod with its requests, computed once. */
  private record Sized(Pod pod, Resources requests) {
    Sized(Pod pod) {
      this(pod, PodRequests.of(pod));
    }

    static final Comparator<Sized> LARGEST_FIRST =
        Comparator.<Sized>comparingLong(s -> s.requests.get(Resources.CPU))
            .thenComparingLong(s -> s.requests.get(Resources.MEMORY))
            .thenComparing(Sized::others, Sized::compareOthers)
            .reversed()
            .thenComparing(s -> s.pod.getMetadata().getNamespace(), nullsFirst())
            .thenComparing(s -> s.pod.getMetadata().getName(), nullsFirst());

    Map<String, Long> others() {
      return requests.amounts();
    }

    /** The other resources, by name, the larger amount first in the end (reversed above). */
    static int compareOthers(Map<String, Long> a, Map<String, Long> b) {
      Set<String> names = new TreeSet<>(a.keySet());
      names.addAll(b.keySet());
      for (String name : names) {
        int byAmount = Long.compare(a.getOrDefault(name, 0L), b.getOrDefault(name, 0L));
        if (byAmount != 0) {
          return byAmount;
        }
      }
      return 0;
    }

    private static Comparator<String> nullsFirst() {
      return Comparator.nullsFirst(Comparator.naturalOrder());
    }
  }

  /**
   * A pod being placed: whether its selectors and tolerations admit an offer does not change while
   * it is placed, so each offer is checked once; only the room left changes.
   */
  private static final class Candidate {
    private final Sized sized;
    private final Resources planned;
    private final Map<NodeOffer, Boolean> placeable = new IdentityHashMap<>();

    Candidate(Sized sized) {
      this.sized = sized;
      this.planned = PodFit.planned(sized.requests());
    }

    Pod pod() {
      return sized.pod();
    }

    /** The requests offers model. */
    Resources planned() {
      return planned;
    }

    boolean placeable(NodeOffer offer) {
      return placeable.computeIfAbsent(
          offer,
          o -> PodFit.placeable(sized.pod().getSpec(), o.labels(), o.taints(), o.describe()));
    }

    /** Whether an empty node of this offer would hold the pod. */
    boolean fitsEmpty(NodeOffer offer) {
      return placeable(offer) && planned.fitsIn(offer.allocatable());
    }
  }

  /** A pool's room as the plan uses it up. */
  private static final class PoolState {
    final PoolCandidate candidate;
    final List<RoomState> rooms;
    int headroom;

    PoolState(PoolCandidate candidate) {
      this.candidate = candidate;
      this.rooms =
          candidate.inFlight().stream().map(r -> new RoomState(r.machine(), r.offer())).toList();
      this.headroom = candidate.headroom();
    }

    String name() {
      return candidate.pool();
    }

    /** Whether an empty new node of some offer of this pool would hold the pod. */
    boolean admits(Candidate pod) {
      return candidate.offers().stream().anyMatch(pod::fitsEmpty);
    }
  }

  private static final class RoomState {
    final String machine;
    final NodeOffer offer;
    Resources free;

    RoomState(String machine, NodeOffer offer) {
      this.machine = machine;
      this.offer = offer;
      this.free = offer.allocatable();
    }
  }

  /** A new node of this plan: its pods, what they use, and the offers that still hold them all. */
  private static final class OpenNode {
    final PoolState pool;
    final List<Pod> pods = new ArrayList<>();
    Resources used;
    List<NodeOffer> offers;

    /** The largest of each resource among the offers: a full node is passed over at a glance. */
    private Resources largest;

    OpenNode(PoolState pool, Candidate first) {
      this.pool = pool;
      this.pods.add(first.pod());
      this.used = first.planned();
      narrowTo(pool.candidate.offers().stream().filter(first::fitsEmpty).toList());
    }

    /** Adds the pod when some offer still holds all the pods with it. */
    boolean add(Candidate pod) {
      if (!pod.planned().fitsBeside(used, largest)) {
        return false;
      }
      List<NodeOffer> narrowed =
          offers.stream()
              .filter(o -> pod.placeable(o) && pod.planned().fitsBeside(used, o.allocatable()))
              .toList();
      if (narrowed.isEmpty()) {
        return false;
      }
      narrowTo(narrowed);
      pods.add(pod.pod());
      used = used.plus(pod.planned());
      return true;
    }

    private void narrowTo(List<NodeOffer> remaining) {
      offers = remaining;
      largest = Resources.NONE;
      for (NodeOffer offer : remaining) {
        largest = largest.max(offer.allocatable());
      }
    }

    NewNode toNewNode() {
      return new NewNode(pool.name(), offers, pods);
    }
  }
}
