package io.nestedvirt.operator.pool;

import static io.nestedvirt.operator.pool.Fixtures.A;
import static io.nestedvirt.operator.pool.Fixtures.B;
import static io.nestedvirt.operator.pool.Fixtures.C;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchPlacementTest {
  private static final List<String> TYPES = List.of("m8i.large", "c8i.large");

  @Test
  void spreadsAcrossSubnetsAndGroupsEachOfferingIntoOneSlot() {
    var placement = LaunchPlacement.place(5, List.of(A, B, C), TYPES, List.of(), (t, z) -> false);
    assertThat(placement.unplaced()).isZero();
    assertThat(placement.slots())
        .containsExactly(
            new LaunchPlacement.Slot("m8i.large", A, 2),
            new LaunchPlacement.Slot("m8i.large", B, 2),
            new LaunchPlacement.Slot("m8i.large", C, 1));
  }

  @Test
  void fillsTheEmptiestZoneFirst() {
    var existing = List.of(A.id(), A.id(), B.id());
    var placement = LaunchPlacement.place(2, List.of(A, B, C), TYPES, existing, (t, z) -> false);
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
            3, List.of(A, B), TYPES, List.of(), (type, zone) -> zone.equals("us-east-1a"));
    assertThat(placement.slots()).containsExactly(new LaunchPlacement.Slot("m8i.large", B, 3));
    assertThat(placement.unplaced()).isZero();
  }

  @Test
  void reportsWhatCannotBePlacedAnywhere() {
    var placement = LaunchPlacement.place(4, List.of(A, B), TYPES, List.of(), (t, z) -> true);
    assertThat(placement.slots()).isEmpty();
    assertThat(placement.unplaced()).isEqualTo(4);
  }
}
