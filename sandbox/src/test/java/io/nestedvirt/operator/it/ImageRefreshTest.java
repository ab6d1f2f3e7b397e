package io.nestedvirt.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.EmulatedImage;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A new AMI published behind the pool's SSM parameter (the EKS default here) is picked up by the
 * next image refresh: the pool's machines drift, and the pool rolls them one at a time onto the new
 * AMI, which each successor records and runs.
 */
class ImageRefreshTest {
  private static final Duration IMAGE_REFRESH = Duration.ofMillis(500);
  private static final String PARAMETER = Ec2Emulator.eksAmiParameter("1.34");

  private final OperatorTestbed bed = new OperatorTestbed();

  @AfterEach
  void close() {
    bed.close();
  }

  @Test
  void aNewAmiBehindThePoolsParameterRollsThePoolOntoIt() {
    bed.startOperator(Function.identity(), s -> s.withImageRefresh(IMAGE_REFRESH));
    bed.createPool("img", 2, "m8i.large");
    bed.awaitReady("img", 2);
    String first = bed.network.imageId();
    assertThat(bed.machines("img"))
        .extracting(m -> m.getStatus().imageId)
        .as("each machine records the AMI it was launched with")
        .containsOnly(first);
    assertThat(bed.pool("img").getStatus().image).isEqualTo(first);
    Set<String> before = bed.readyInstances("img");

    EmulatedImage published = bed.ec2.publishImage(PARAMETER, "amazon-eks-node-1.34-v2");

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              List<NestedVirtInstance> machines = bed.machines("img");
              return machines.size() == 2
                  && machines.stream()
                      .allMatch(
                          m ->
                              m.getStatus() != null
                                  && "Ready".equals(m.getStatus().phase)
                                  && published.id().equals(m.getStatus().imageId))
                  && bed.condition("img", "NodesUpToDate")
                      .filter(c -> c.status.equals("True"))
                      .isPresent()
                  && bed.liveInstances("img").size() == 2;
            });
    assertThat(bed.pool("img").getStatus().image).isEqualTo(published.id());
    assertThat(
            bed.liveInstances("img").stream()
                .collect(Collectors.toMap(EmulatedInstance::id, EmulatedInstance::imageId)))
        .as("EC2 runs each successor on the AMI it records, none of the old instances")
        .containsOnlyKeys(bed.readyInstances("img"))
        .doesNotContainKeys(before.toArray(String[]::new))
        .containsValues(published.id());
    assertThat(bed.events("img"))
        .filteredOn(e -> "Replacing".equals(e.getReason()))
        .hasSize(2)
        .allSatisfy(
            e ->
                assertThat(e.getMessage())
                    .contains("drifted: image " + first + " -> " + published.id()));
  }

  @Test
  void whileTheWindowIsClosedANewAmiMarksEveryNodeDriftedAtOnceAndReplacesNone() {
    bed.startOperator(Function.identity(), s -> s.withImageRefresh(IMAGE_REFRESH));
    // Open for an hour each day, from 3 hours before now: closed now.
    int hour =
        bed.clock.instant().minus(Duration.ofHours(3)).atZone(java.time.ZoneOffset.UTC).getHour();
    bed.createPool(
        "waits",
        2,
        spec -> {
          spec.disruption = new io.nestedvirt.operator.api.v1alpha1.DisruptionSpec();
          spec.disruption.schedule = "0 " + hour + " * * *";
          spec.disruption.duration = "1h";
        },
        "m8i.large");
    bed.awaitReady("waits", 2);
    String first = bed.network.imageId();
    Set<String> before =
        bed.machines("waits").stream().map(NestedVirtInstance::name).collect(Collectors.toSet());

    EmulatedImage published = bed.ec2.publishImage(PARAMETER, "amazon-eks-node-1.34-v2");

    // Nothing else happens to the machines: the image change itself must reach them.
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(bed.machines("waits"))
                    .allSatisfy(
                        m -> {
                          assertThat(m.getStatus().conditions)
                              .anySatisfy(
                                  c -> {
                                    assertThat(c.type).isEqualTo("Drifted");
                                    assertThat(c.status).isEqualTo("True");
                                    assertThat(c.message)
                                        .isEqualTo("image " + first + " -> " + published.id());
                                  });
                          assertThat(
                                  bed.client()
                                      .nodes()
                                      .withName(m.getStatus().nodeName)
                                      .get()
                                      .getSpec()
                                      .getTaints())
                              .anySatisfy(
                                  t -> assertThat(t.getKey()).isEqualTo("nestedvirt.io/outdated"));
                        }));
    assertThat(bed.condition("waits", "NodesUpToDate"))
        .hasValueSatisfying(c -> assertThat(c.reason).isEqualTo("WindowClosed"));
    assertThat(bed.machines("waits"))
        .extracting(NestedVirtInstance::name)
        .containsExactlyInAnyOrderElementsOf(before);
  }
}
