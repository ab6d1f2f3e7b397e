package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceTypeOffering;
import software.amazon.awssdk.services.ec2.model.LocationType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;

class Ec2EmulatorOfferingsTest {
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private Ec2Client ec2;

  @BeforeEach
  void start() {
    emulator = Ec2Emulator.builder().tickInterval(Duration.ZERO).start();
    cluster = emulator.seedCluster("demo");
    ec2 = SdkClients.ec2(emulator, null);
  }

  @AfterEach
  void stop() {
    ec2.close();
    emulator.close();
  }

  private List<String> zonesOffering(String type) {
    return ec2
        .describeInstanceTypeOfferingsPaginator(
            r ->
                r.locationType(LocationType.AVAILABILITY_ZONE)
                    .filters(Filter.builder().name("instance-type").values(type).build()))
        .instanceTypeOfferings()
        .stream()
        .map(InstanceTypeOffering::location)
        .toList();
  }

  private RunInstancesRequest launch(String type, int subnet) {
    return RunInstancesRequest.builder()
        .imageId(cluster.imageId())
        .instanceType(type)
        .minCount(1)
        .maxCount(1)
        .subnetId(cluster.subnetIds().get(subnet))
        .build();
  }

  @Test
  void everyCataloguedTypeIsOfferedInEveryZoneOfTheSubnets() {
    assertThat(zonesOffering("m8i.large"))
        .containsExactly("us-east-1a", "us-east-1b", "us-east-1c");

    List<InstanceTypeOffering> inB =
        ec2
            .describeInstanceTypeOfferingsPaginator(
                r ->
                    r.locationType(LocationType.AVAILABILITY_ZONE)
                        .filters(
                            Filter.builder().name("location").values("us-east-1b").build(),
                            Filter.builder().name("instance-type").values("c8i.*").build()))
            .instanceTypeOfferings()
            .stream()
            .toList();
    assertThat(inB)
        .isNotEmpty()
        .allSatisfy(
            o -> {
              assertThat(o.location()).isEqualTo("us-east-1b");
              assertThat(o.locationType()).isEqualTo(LocationType.AVAILABILITY_ZONE);
              assertThat(o.instanceTypeAsString()).startsWith("c8i.");
            });
  }

  @Test
  void offeringsArePagedAndTheRegionListsEachTypeOnce() {
    var pages =
        ec2.describeInstanceTypeOfferingsPaginator(
            r -> r.locationType(LocationType.AVAILABILITY_ZONE).maxResults(5));
    List<InstanceTypeOffering> all = pages.instanceTypeOfferings().stream().toList();
    long pageCount = pages.stream().count();

    List<InstanceTypeOffering> region =
        ec2
            .describeInstanceTypeOfferingsPaginator(r -> r.maxResults(1000))
            .instanceTypeOfferings()
            .stream()
            .toList();
    assertThat(all).hasSize(region.size() * 3);
    assertThat(pageCount).isEqualTo((all.size() + 4) / 5);
    assertThat(region).allSatisfy(o -> assertThat(o.location()).isEqualTo("us-east-1"));
  }

  @Test
  void aWithdrawnOfferingIsUnlistedAndRefusedAtLaunchNamingTheZonesThatOfferIt() {
    emulator.withdrawOffering("m8i.large", "us-east-1b");

    assertThat(zonesOffering("m8i.large")).containsExactly("us-east-1a", "us-east-1c");
    Ec2Exception error =
        catchThrowableOfType(Ec2Exception.class, () -> ec2.runInstances(launch("m8i.large", 1)));
    assertThat(error.statusCode()).isEqualTo(400);
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("Unsupported");
    assertThat(error.awsErrorDetails().errorMessage())
        .isEqualTo(
            "Your requested instance type (m8i.large) is not supported in your requested"
                + " Availability Zone (us-east-1b). Please retry your request by not specifying an"
                + " Availability Zone or choosing us-east-1a, us-east-1c.");
    assertThat(emulator.instances()).isEmpty();

    ec2.runInstances(launch("m8i.large", 0));
    ec2.runInstances(launch("c8i.large", 1));
    assertThat(emulator.instances()).hasSize(2);

    emulator.restoreOffering("m8i.large", "us-east-1b");
    assertThat(zonesOffering("m8i.large")).hasSize(3);
    ec2.runInstances(launch("m8i.large", 1));
    assertThat(emulator.instances()).hasSize(3);
  }

  @Test
  void anOfferingRefusedWhileListedStaysListed() {
    emulator.refuseOfferingWhileListed("m8i.large", "us-east-1b");

    assertThat(zonesOffering("m8i.large"))
        .containsExactly("us-east-1a", "us-east-1b", "us-east-1c");
    assertThat(
            catchThrowableOfType(Ec2Exception.class, () -> ec2.runInstances(launch("m8i.large", 1)))
                .awsErrorDetails()
                .errorCode())
        .isEqualTo("Unsupported");
  }
}
