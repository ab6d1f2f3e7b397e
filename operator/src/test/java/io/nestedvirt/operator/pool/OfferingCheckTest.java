package io.nestedvirt.operator.pool;

import static io.nestedvirt.operator.pool.Fixtures.A;
import static io.nestedvirt.operator.pool.Fixtures.B;
import static io.nestedvirt.operator.pool.Fixtures.C;
import static io.nestedvirt.operator.pool.Fixtures.type;
import static io.nestedvirt.operator.pool.LaunchPlacementTest.offeredExcept;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.ZoneOfferings;
import java.util.List;
import org.junit.jupiter.api.Test;

class OfferingCheckTest {
  private static final List<InstanceType> CAPABLE =
      List.of(
          type("r8i.large", "x86_64", true),
          type("c8i.large", "x86_64", true),
          type("m8i.large", "x86_64", true));

  @Test
  void oneZoneThatLacksTheTypeIsNoProblem() {
    assertThat(
            OfferingCheck.problem(
                List.of("m8i.large"),
                List.of(A, B, C),
                offeredExcept("m8i.large@us-east-1b"),
                CAPABLE))
        .isEmpty();
  }

  @Test
  void aPoolWhoseZonesOfferNoneOfItsTypesIsToldWhereTheyAreOfferedAndWhatIsOfferedThere() {
    var problem =
        OfferingCheck.problem(
            List.of("m8i.large"),
            List.of(A, B),
            offeredExcept("m8i.large@us-east-1a", "m8i.large@us-east-1b"),
            CAPABLE);

    assertThat(problem)
        .hasValue(
            "none of m8i.large is offered in the pool's zones us-east-1a, us-east-1b; capable"
                + " types offered there: c8i.large, r8i.large; the listed types are offered in"
                + " us-east-1c. List a type offered there, or select subnets in a zone that offers"
                + " the type");
  }

  @Test
  void anyListedTypeOfferedInAnyZoneIsEnough() {
    assertThat(
            OfferingCheck.problem(
                List.of("m8i.large", "c8i.large"),
                List.of(A),
                offeredExcept("m8i.large@us-east-1a"),
                CAPABLE))
        .isEmpty();
  }

  @Test
  void offeringsThatAreNotKnownAreNoProblem() {
    assertThat(
            OfferingCheck.problem(
                List.of("m8i.large"), List.of(A, B), ZoneOfferings.UNKNOWN, CAPABLE))
        .isEmpty();
  }
}
