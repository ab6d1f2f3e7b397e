package io.nestedvirt.operator.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoomForVmsTest {
  @Test
  void eachVmMustLandOnOneNodeNotOnlyFitInTheSum() {
    List<Pod> leaving =
        List.of(
            Vms.launcher(Vms.movable("a", 6), "old", "6Gi", "1"),
            Vms.launcher(Vms.movable("b", 6), "old", "6Gi", "1"));
    Map<Node, List<Pod>> targets = new LinkedHashMap<>();
    targets.put(node("n1", "8Gi", "4"), List.of());
    targets.put(node("n2", "8Gi", "4"), List.of());
    assertThat(RoomForVms.check(leaving, targets).fits()).isTrue();

    Map<Node, List<Pod>> fragmented = new LinkedHashMap<>();
    // 12Gi free in all, but no node has 6Gi twice and each has 4Gi taken.
    fragmented.put(
        node("n1", "8Gi", "4"), List.of(Vms.launcher(Vms.movable("x", 4), "n1", "4Gi", "1")));
    fragmented.put(
        node("n2", "8Gi", "4"), List.of(Vms.launcher(Vms.movable("y", 4), "n2", "4Gi", "1")));
    fragmented.put(node("n3", "4Gi", "4"), List.of());
    RoomForVms.Verdict verdict = RoomForVms.check(leaving, fragmented);
    assertThat(verdict.fits()).isFalse();
    assertThat(verdict.needed().describe()).isEqualTo("12Gi memory, 2 CPU");
    assertThat(verdict.free().describe()).isEqualTo("12Gi memory, 10 CPU");
  }

  @Test
  void cpuCountsAndFinishedPodsFreeTheirRequests() {
    List<Pod> leaving = List.of(Vms.launcher(Vms.movable("a", 2), "old", "2Gi", "3"));
    Pod finished = Vms.launcher(Vms.movable("done", 2), "n1", "2Gi", "2");
    finished.getStatus().setPhase("Succeeded");
    Pod busy = Vms.launcher(Vms.movable("busy", 1), "n1", "1Gi", "2");
    assertThat(RoomForVms.check(leaving, Map.of(node("n1", "16Gi", "4"), List.of(busy))).fits())
        .as("2 of 4 CPUs taken: 3 do not fit")
        .isFalse();
    assertThat(RoomForVms.check(leaving, Map.of(node("n1", "16Gi", "4"), List.of(finished))).fits())
        .as("a finished pod's requests are free again")
        .isTrue();
    assertThat(RoomForVms.check(leaving, Map.of()).fits()).as("nowhere to go").isFalse();
  }

  private static Node node(String name, String memory, String cpu) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewStatus()
        .withAllocatable(Map.of("memory", new Quantity(memory), "cpu", new Quantity(cpu)))
        .endStatus()
        .build();
  }
}
