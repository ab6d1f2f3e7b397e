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
 * next image refresh, and machines launched after it run the new AMI and say so.
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
  void machinesLaunchedAfterARefreshRecordTheNewlyPublishedAmi() {
    bed.startOperator(Function.identity(), s -> s.withImageRefresh(IMAGE_REFRESH));
    bed.createPool("img", 2, "m8i.large");
    bed.awaitReady("img", 2);
    String first = bed.network.imageId();
    assertThat(bed.machines("img"))
        .extracting(m -> m.getStatus().imageId)
        .as("each machine records the AMI it was launched with")
        .containsOnly(first);
    Set<String> before = bed.readyInstances("img");

    EmulatedImage published = bed.ec2.publishImage(PARAMETER, "amazon-eks-node-1.34-v2");
    int asked = bed.ec2.calls("GetParameter");
    await().atMost(Duration.ofSeconds(10)).until(() -> bed.ec2.calls("GetParameter") > asked);
    bed.scale("img", 3);
    bed.awaitReady("img", 3);

    List<NestedVirtInstance> launchedAfter =
        bed.machines("img").stream()
            .filter(m -> !before.contains(m.getStatus().instanceId))
            .toList();
    assertThat(launchedAfter)
        .singleElement()
        .satisfies(m -> assertThat(m.getStatus().imageId).isEqualTo(published.id()));
    assertThat(
            bed.liveInstances("img").stream()
                .collect(Collectors.toMap(EmulatedInstance::id, EmulatedInstance::imageId)))
        .as("EC2 runs the machine on the AMI it records")
        .containsEntry(launchedAfter.getFirst().getStatus().instanceId, published.id());
    assertThat(
            bed.machines("img").stream()
                .filter(m -> before.contains(m.getStatus().instanceId))
                .map(m -> m.getStatus().imageId))
        .as("the machines launched before keep the AMI they run")
        .containsOnly(first);
  }
}
