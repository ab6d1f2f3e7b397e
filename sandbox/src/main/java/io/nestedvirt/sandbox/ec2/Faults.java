package io.nestedvirt.sandbox.ec2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    droppedNestedVirtualization = 0;
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
