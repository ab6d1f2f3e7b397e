package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.Subnet;
import io.nestedvirt.operator.cloud.ZoneOfferings;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pure check that at least one zone of the pool's subnets offers at least one of its types. One
 * zone that lacks a type is no problem (placement avoids it); only a pool that can launch nowhere
 * is. The message names the pool's zones, what capable types they do offer, and where the listed
 * types are offered, so either fix (another type, another subnet) can be read from it.
 */
final class OfferingCheck {
  private static final int SHOWN = 8;

  private OfferingCheck() {}

  /** What is wrong, or empty when some zone offers some type (or offerings are not known). */
  static Optional<String> problem(
      List<String> types,
      List<Subnet> subnets,
      ZoneOfferings offerings,
      Collection<InstanceType> capable) {
    Set<String> zones = new TreeSet<>();
    subnets.forEach(s -> zones.add(s.zone()));
    boolean anyOffered =
        zones.stream().anyMatch(zone -> !offerings.offeredIn(zone, types).isEmpty());
    if (anyOffered) {
      return Optional.empty();
    }
    List<String> offeredThere =
        capable.stream()
            .map(InstanceType::name)
            .filter(t -> zones.stream().anyMatch(zone -> offerings.offers(t, zone)))
            .sorted(InstanceTypeCheck::bySize)
            .limit(SHOWN)
            .toList();
    Set<String> elsewhere = new TreeSet<>();
    types.forEach(t -> elsewhere.addAll(offerings.zonesOffering(t)));
    return Optional.of(
        "none of "
            + String.join(", ", types)
            + " is offered in the pool's zones "
            + String.join(", ", zones)
            + "; capable types offered there: "
            + (offeredThere.isEmpty() ? "none" : String.join(", ", offeredThere))
            + (elsewhere.isEmpty()
                ? "; the listed types are offered in no zone of the region"
                : "; the listed types are offered in " + String.join(", ", elsewhere))
            + ". List a type offered there, or select subnets in a zone that offers the type");
  }
}
