package io.nestedvirt.operator.pool;

import static io.nestedvirt.operator.pool.Fixtures.A;
import static io.nestedvirt.operator.pool.Fixtures.B;
import static io.nestedvirt.operator.pool.Fixtures.C;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.ZoneOfferings;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

class LaunchPlacementTest {
  private static final List<String> TYPES = List.of("m8i.large", "c8i.large");
  private static final BiPredicate<String, String> NONE_SKIPPED = (t, z) -> false;

  private static LaunchPlacement.Placement place(
      int count, List<String> inUse, BiPredicate<String, String> unavailable) {
    return LaunchPlacement.place(
        count, List.of(A, B, C), TYPES, inUse, ZoneOfferings.UNKNOWN, unavailable);
  }

  /** Every type in every zone but the given (type, zone) pairs. */
  static ZoneOfferings offeredExcept(String... typeAtZone) {
    List<String> withdrawn = List.of(typeAtZone);
    return ZoneOfferings.of(
        List.of("m8i.large", "c8i.large", "r8i.large").stream()
            .flatMap(
                t ->
                    List.of("us-east-1a", "us-east-1b", "us-east-1c").stream()
                        .filter(z -> !withdrawn.contains(t + "@" + z))
                        .map(z -> Map.entry(t, z)))
            .toList());
  }

  @Test
  void spreadsAcrossSubnetsAndGroupsEachOfferingIntoOneSlot() {
    var placement = place(5, List.of(), NONE_SKIPPED);
    assertThat(placement.unplaced()).isZero();
    assertThat(placement.slots())
        .containsExactly(
            new LaunchPlacement.Slot("m8i.large", A, 2),
            new LaunchPlacement.Slot("m8i.large", B, 2),
            new LaunchPlacement.Slot("m8i.large", C, 1));
  }

  @Test
  void fillsTheEmptiestZoneFirst() {
    var placement = place(2, List.of(A.id(), A.id(), B.id()), NONE_SKIPPED);
    assertThat(placement.slots())
        .containsExactly(
            new LaunchPlacement.Slot("m8i.large", C, 1),
            new LaunchPlacement.Slot("m8i.large", B, 1));
  }

  @Test
  void fallsBackToTheNextTypeWhereTheFirstHasNoCapacity() {
    var placement =
        LaunchPlacement.place(
            2,
            List.of(A, B),
            TYPES,
            List.of(),
            ZoneOfferings.UNKNOWN,
            (type, zone) -> type.equals("m8i.large") && zone.equals("us-east-1a"));
    assertThat(placement.slots())
        .containsExactly(
            new LaunchPlacement.Slot("c8i.large", A, 1),
            new LaunchPlacement.Slot("m8i.large", B, 1));
  }

  @Test
  void movesToAnotherZoneWhenNoTypeHasCapacityInOne() {
    var placement =
        LaunchPlacement.place(
            3,
            List.of(A, B),
            TYPES,
            List.of(),
            ZoneOfferings.UNKNOWN,
            (type, zone) -> zone.equals("us-east-1a"));
    assertThat(placement.slots()).containsExactly(new LaunchPlacement.Slot("m8i.large", B, 3));
    assertThat(placement.unplaced()).isZero();
  }

  @Test
  void reportsWhatCannotBePlacedAnywhere() {
    var placement =
        LaunchPlacement.place(
            4, List.of(A, B), TYPES, List.of(), ZoneOfferings.UNKNOWN, (t, z) -> true);
    assertThat(placement.slots()).isEmpty();
    assertThat(placement.unplaced()).isEqualTo(4);
  }

  @Test
  void neverPlacesATypeInAZoneThatDoesNotOfferIt() {
    // The emptiest subnet is B, in the zone without m8i: before, placement chose it every time.
    var placement =
        LaunchPlacement.place(
            3,
            List.of(A, B, C),
            List.of("m8i.large"),
            List.of(A.id(), C.id()),
            offeredExcept("m8i.large@us-east-1b"),
            NONE_SKIPPED);
    assertThat(placement.unplaced()).isZero();
    assertThat(placement.slots())
        .extracting(LaunchPlacement.Slot::subnet)
        .doesNotContain(B)
        .isNotEmpty();
    assertThat(placement.slots().stream().mapToInt(LaunchPlacement.Slot::count).sum()).isEqualTo(3);
  }

  @Test
  void takesTheNextTypeInAZoneThatDoesNotOfferTheFirst() {
    var placement =
        LaunchPlacement.place(
            3,
            List.of(A, B, C),
            TYPES,
            List.of(),
            offeredExcept("m8i.large@us-east-1b"),
            NONE_SKIPPED);
    assertThat(placement.slots())
        .containsExactly(
            new LaunchPlacement.Slot("m8i.large", A, 1),
            new LaunchPlacement.Slot("c8i.large", B, 1),
            new LaunchPlacement.Slot("m8i.large", C, 1));
  }

  @Test
  void placesNothingWhereNoZoneOffersAnyType() {
    var placement =
        LaunchPlacement.place(
            2,
            List.of(A, B),
            List.of("m8i.large"),
            List.of(),
            offeredExcept("m8i.large@us-east-1a", "m8i.large@us-east-1b"),
            NONE_SKIPPED);
    assertThat(placement.slots()).isEmpty();
    assertThat(placement.unplaced()).isEqualTo(2);
  }

  @Test
  void offeringsThatAreNotKnownRestrictNothing() {
    var placement =
        LaunchPlacement.place(
            3,
            List.of(A, B, C),
            List.of("m8i.large"),
            List.of(),
            ZoneOfferings.of(List.of()),
            NONE_SKIPPED);
    assertThat(placement.slots()).hasSize(3);
  }
}
