package io.nestedvirt.sandbox.ec2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Injected failures. Counted faults are consumed one per matching call, so with SDK retries a fault
 * of 2 costs two attempts; a count of {@link #UNTIL_CLEARED} never runs out.
 */
final class Faults {
  static final int UNTIL_CLEARED = Integer.MAX_VALUE;

  private record ActionFault(String action, Ec2Error error) {}

  private record CapacityFault(String instanceType, String zone) {}

  private final Map<ActionFault, Integer> actionFaults = new LinkedHashMap<>();
  private final Map<CapacityFault, Integer> capacityFaults = new HashMap<>();

  /** How a response is lost after its call took effect. */
  enum Loss {
    /** The answer arrives: nothing lost. */
    NONE,
    /** EC2 answers InternalError (500) although the call took effect. */
    INTERNAL_ERROR,
    /** The connection closes before any answer, as when a response is lost on the way. */
    DROPPED_CONNECTION
  }

  /** The share of each action's calls whose answer is lost after they took effect. */
  private final Map<String, Double> lossShares = new HashMap<>();

  private Random lossRandom = new Random(0);

  /** Actions every call of which is throttled, until {@link #stopThrottling}. */
  private Predicate<String> throttled = action -> false;

  /** The key of faults that strike after the action took effect (a lost response). */
  static String afterApplying(String action) {
    return action + "#after";
  }

  private int droppedNestedVirtualization;

  synchronized void dropNestedVirtualization(int times) {
    droppedNestedVirtualization = times;
  }

  /** Whether the next launched instance silently loses nested virtualization (consumes one). */
  synchronized boolean takeDroppedNestedVirtualization() {
    if (droppedNestedVirtualization <= 0) {
      return false;
    }
    droppedNestedVirtualization--;
    return true;
  }

  synchronized void failNext(String action, int times, Ec2Error error) {
    actionFaults.put(new ActionFault(action, error), times);
  }

  /** The error the next call of this action must fail with, consuming one count; or null. */
  synchronized Ec2Error takeActionFault(String action) {
    for (var entry : new ArrayList<>(actionFaults.entrySet())) {
      if (entry.getKey().action().equals(action)) {
        consume(actionFaults, entry.getKey(), entry.getValue());
        return entry.getKey().error();
      }
    }
    return null;
  }

  /** Null zone means every zone. */
  synchronized void insufficientCapacity(String instanceType, String zone, int times) {
    capacityFaults.put(new CapacityFault(instanceType, zone), times);
  }

  synchronized void clearCapacityFaults() {
    capacityFaults.clear();
  }

  synchronized void clear() {
    actionFaults.clear();
    capacityFaults.clear();
    lossShares.clear();
    throttled = action -> false;
    droppedNestedVirtualization = 0;
  }

  /** From now on a {@code share} (0 to 1) of the action's calls lose their answer; 0 stops it. */
  synchronized void loseResponses(String action, double share, long seed) {
    if (share < 0 || share > 1) {
      throw new IllegalArgumentException("share must be between 0 and 1, not " + share);
    }
    if (share == 0) {
      lossShares.remove(action);
    } else {
      lossShares.put(action, share);
      lossRandom = new Random(seed);
    }
  }

  /**
   * Whether this call's answer is lost, and how (half of the losses are a 500, half a dropped
   * connection); drawn from the seeded generator, so a run with the same calls loses the same ones.
   */
  synchronized Loss takeLoss(String action) {
    Double share = lossShares.get(action);
    if (share == null || lossRandom.nextDouble() >= share) {
      return Loss.NONE;
    }
    return lossRandom.nextBoolean() ? Loss.INTERNAL_ERROR : Loss.DROPPED_CONNECTION;
  }

  synchronized void throttle(Predicate<String> actions) {
    throttled = actions;
  }

  synchronized void stopThrottling() {
    throttled = action -> false;
  }

  synchronized boolean isThrottled(String action) {
    return throttled.test(action);
  }

  /** Whether a launch of this type in this zone must fail for lack of capacity (consumes one). */
  synchronized boolean takeCapacityFault(String instanceType, String zone) {
    for (CapacityFault fault : List.copyOf(capacityFaults.keySet())) {
      if (fault.instanceType().equals(instanceType)
          && (fault.zone() == null || fault.zone().equals(zone))) {
        consume(capacityFaults, fault, capacityFaults.get(fault));
        return true;
      }
    }
    return false;
  }

  private static <K> void consume(Map<K, Integer> faults, K key, int remaining) {
    if (remaining == UNTIL_CLEARED) {
      return;
    }
    if (remaining <= 1) {
      faults.remove(key);
    } else {
      faults.put(key, remaining - 1);
    }
  }
}
