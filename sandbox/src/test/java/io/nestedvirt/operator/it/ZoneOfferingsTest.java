package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Zones that do not offer a type (C8i, M8i and R8i are not in every zone): the pool places around
 * them, learns from EC2's in-zone refusal when the offerings did not say, and is invalid only when
 * no zone of its subnets offers any of its types.
 */
class ZoneOfferingsTest {
  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void aZoneThatDoesNotOfferTheTypeIsAvoidedFromTheOfferings() {
    bed.ec2.withdrawOffering("m8i.large", "us-east-1b");
    List<NestedVirtPoolStatus> seen = bed.statusHistory("zonal");
    bed.startOperator();
    bed.createPool("zonal", 3, "m8i.large");

    bed.awaitReady("zonal", 3);

    assertThat(bed.liveInstances("zonal"))
        .extracting(EmulatedInstance::zone)
        .as("no instance in the zone that does not offer m8i.large")
        .doesNotContain("us-east-1b")
        .hasSize(3);
    assertThat(bed.ec2.calls("RunInstances")).as("no launch tried in us-east-1b").isEqualTo(3);
    assertNeverInvalidOrStalled(seen);
    assertThat(bed.ec2.calls("DescribeInstanceTypeOfferings"))
        .as("offerings are read once and cached, not once per reconcile")
        .isEqualTo(1);
  }

  @Test
  void aRefusalInAZoneTheOfferingsStillListTeachesThePoolToPlaceElsewhere() {
    bed.ec2.refuseOfferingWhileListed("m8i.large", "us-east-1b");
    List<NestedVirtPoolStatus> seen = bed.statusHistory("learns");
    bed.startOperator();
    bed.createPool("learns", 3, "m8i.large");

    bed.awaitReady("learns", 3);

    assertThat(bed.liveInstances("learns"))
        .extracting(EmulatedInstance::zone)
        .doesNotContain("us-east-1b")
        .hasSize(3);
    assertThat(bed.ec2.calls("RunInstances"))
        .as("one refused launch in us-east-1b, then that zone is avoided")
        .isEqualTo(4);
    assertThat(bed.ec2.instances())
        .filteredOn(i -> "learns".equals(i.tags().get(Tags.POOL)))
        .hasSize(3);
    assertThat(bed.eventsWithMachines("learns"))
        .extracting(Event::getReason)
        .contains("OfferingFallback", "NodeReplaced")
        .doesNotContain("LaunchFailed", "LaunchConfigInvalid");
    assertNeverInvalidOrStalled(seen);
  }

  @Test
  void aPoolWhoseZonesOfferNoneOfItsTypesIsInvalidNamingTheZonesAndWhatTheyOffer() {
    for (String zone : List.of("us-east-1a", "us-east-1b", "us-east-1c")) {
      bed.ec2.withdrawOffering("m8i.large", zone);
    }
    bed.startOperator();
    bed.createPool("nowhere", 2, "m8i.large");

    bed.awaitPool(
        "nowhere",
        p ->
            bed.condition("nowhere", "LaunchConfigValid")
                .map(c -> c.status.equals("False"))
                .orElse(false));

    Condition invalid = bed.condition("nowhere", "LaunchConfigValid").orElseThrow();
    assertThat(invalid.reason).isEqualTo("NoOffering");
    assertThat(invalid.message)
        .startsWith(
            "none of m8i.large is offered in the pool's zones us-east-1a, us-east-1b,"
                + " us-east-1c; capable types offered there: ")
        .contains("c8i.large")
        .contains("the listed types are offered in no zone of the region");
    assertThat(bed.condition("nowhere", "Ready").orElseThrow().status).isEqualTo("False");
    assertThat(bed.events("nowhere"))
        .filteredOn(e -> e.getReason().equals("LaunchConfigInvalid"))
        .extracting(Event::getMessage)
        .containsExactly(invalid.message);
    assertThat(bed.ec2.calls("RunInstances")).isZero();
    assertThat(bed.machines("nowhere")).isEmpty();
  }

  private static void assertNeverInvalidOrStalled(List<NestedVirtPoolStatus> statuses) {
    List<Condition> seen = statuses.stream().flatMap(s -> s.conditions.stream()).toList();
    assertThat(seen).as("the watch saw the pool's status").isNotEmpty();
    assertThat(seen)
        .filteredOn(c -> Set.of("LaunchConfigValid", "Stalled").contains(c.type))
        .filteredOn(
            c ->
                c.type.equals("LaunchConfigValid")
                    ? c.status.equals("False")
                    : c.status.equals("True"))
        .as("a zone that does not offer the type is no reason to stall the pool")
        .isEmpty();
  }
}
