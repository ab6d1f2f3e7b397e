package io.nestedvirt.operator.cloud;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which Availability Zones offer which instance types (EC2's DescribeInstanceTypeOfferings by
 * zone). Not every type is offered in every zone: C8i, M8i and R8i reached some zones later than
 * others.
 *
 * <p>An answer without a single offering is taken as "not known" rather than "nothing anywhere":
 * EC2 always offers something in a zone, so an empty answer means an endpoint without the data (or
 * a read that failed), and then every type counts as offered; EC2's refusal at launch still teaches
 * the operator.
 */
public final class ZoneOfferings {
  /** Nothing known: every type counts as offered everywhere. */
  public static final ZoneOfferings UNKNOWN = new ZoneOfferings(Map.of());

  private final Map<String, Set<String>> zonesByType;

  private ZoneOfferings(Map<String, Set<String>> zonesByType) {
    this.zonesByType = zonesByType;
  }

  /** From (type, zone) pairs as the provider lists them. */
  public static ZoneOfferings of(Collection<Map.Entry<String, String>> typeInZone) {
    Map<String, Set<String>> zones = new HashMap<>();
    for (Map.Entry<String, String> offering : typeInZone) {
      zones.computeIfAbsent(offering.getKey(), t -> new TreeSet<>()).add(offering.getValue());
    }
    Map<String, Set<String>> frozen = new HashMap<>();
    zones.forEach((type, in) -> frozen.put(type, Collections.unmodifiableSet(in)));
    return new ZoneOfferings(Map.copyOf(frozen));
  }

  /** Whether the provider reported any offering at all (see the class comment). */
  public boolean known() {
    return !zonesByType.isEmpty();
  }

  /** Whether the zone offers the type; always true when nothing is {@link #known()}. */
  public boolean offers(String instanceType, String zone) {
    return !known() || zonesByType.getOrDefault(instanceType, Set.of()).contains(zone);
  }

  /** Of the given types, those offered in the zone, in the given order. */
  public List<String> offeredIn(String zone, Collection<String> instanceTypes) {
    return instanceTypes.stream().filter(t -> offers(t, zone)).toList();
  }

  /** The zones known to offer the type, sorted; empty when nothing is {@link #known()}. */
  public Set<String> zonesOffering(String instanceType) {
    return zonesByType.getOrDefault(instanceType, Set.of());
  }

  @Override
  public String toString() {
    return known() ? "ZoneOfferings" + zonesByType : "ZoneOfferings[unknown]";
  }
}
