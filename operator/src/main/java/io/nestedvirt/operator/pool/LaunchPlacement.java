package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.cloud.Subnet;
import io.nestedvirt.operator.cloud.ZoneOfferings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Pure placement of new instances on offerings (instance type, subnet): spread across subnets so
 * that a zone outage takes as few nodes as possible, prefer the spec's first type, place a type
 * only in zones that offer it, and skip offerings that recently refused a launch. Machines that
 * land on the same offering are grouped into one slot.
 */
public final class LaunchPlacement {
  private LaunchPlacement() {}

  /** {@code count} machines of one type in one subnet. */
  public record Slot(String instanceType, Subnet subnet, int count) {}

  /** The slots, and how many instances found no available offering at all. */
  public record Placement(List<Slot> slots, int unplaced) {}

  /**
   * @param subnetsInUse the subnet of each machine that serves or will serve the pool
   * @param offered which zones offer which types
   * @param unavailable (instance type, zone) pairs to skip for now
   */
  public static Placement place(
      int count,
      List<Subnet> subnets,
      List<String> instanceTypes,
      List<String> subnetsInUse,
      ZoneOfferings offered,
      BiPredicate<String, String> unavailable) {
    BiPredicate<String, String> skip =
        (type, zone) -> !offered.offers(type, zone) || unavailable.test(type, zone);
    Map<String, Integer> perSubnet = new HashMap<>();
    for (String subnet : subnetsInUse) {
      perSubnet.merge(subnet, 1, Integer::sum);
    }
    Map<String, Slot> slots = new LinkedHashMap<>();
    int unplaced = 0;
    for (int n = 0; n < count; n++) {
      Subnet best = null;
      String bestType = null;
      for (Subnet s : subnets) {
        Optional<String> type = firstAvailable(instanceTypes, s.zone(), skip);
        if (type.isEmpty()) {
          continue;
        }
        if (best == null
            || perSubnet.getOrDefault(s.id(), 0) < perSubnet.getOrDefault(best.id(), 0)) {
          best = s;
          bestType = type.get();
        }
      }
      if (best == null) {
        unplaced++;
        continue;
      }
      perSubnet.merge(best.id(), 1, Integer::sum);
      Subnet subnet = best;
      String type = bestType;
      slots.merge(
          type + "/" + subnet.id(),
          new Slot(type, subnet, 1),
          (a, b) -> new Slot(type, subnet, a.count() + 1));
    }
    return new Placement(new ArrayList<>(slots.values()), unplaced);
  }

  private static Optional<String> firstAvailable(
      List<String> types, String zone, BiPredicate<String, String> unavailable) {
    return types.stream().filter(t -> !unavailable.test(t, zone)).findFirst();
  }
}
