package io.nestedvirt.operator.demand;

import static io.nestedvirt.operator.demand.Demand.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PendingPodsTest {

  /** A pod the scheduler tried and could place nowhere. */
  private static PodBuilder unschedulable() {
    return pod("web", "cpu", "1")
        .withNewStatus()
        .withPhase("Pending")
        .addNewCondition()
        .withType("PodScheduled")
        .withStatus("False")
        .withReason("Unschedulable")
        .withMessage("0/3 nodes are available: 3 Insufficient cpu.")
        .endCondition()
        .endStatus();
  }

  @Test
  void onlyPodsTheSchedulerCouldPlaceNowhereCount() {
    Map<String, Pod> table = new LinkedHashMap<>();
    table.put("unschedulable", unschedulable().build());
    table.put(
        "phase not yet reported", unschedulable().editStatus().withPhase(null).endStatus().build());
    table.put(
        "owned by a ReplicaSet",
        unschedulable()
            .editMetadata()
            .addNewOwnerReference()
            .withKind("ReplicaSet")
            .withName("web-1")
            .endOwnerReference()
            .endMetadata()
            .build());
    assertThat(table)
        .allSatisfy((why, pod) -> assertThat(PendingPods.counts(pod)).as(why).isTrue());

    Map<String, Pod> not = new LinkedHashMap<>();
    not.put("bound", unschedulable().editSpec().withNodeName("ip-10-0-0-1").endSpec().build());
    not.put(
        "preempting: nominated to a node",
        unschedulable().editStatus().withNominatedNodeName("ip-10-0-0-1").endStatus().build());
    not.put(
        "gated, never tried",
        unschedulable()
            .editStatus()
            .editFirstCondition()
            .withReason("SchedulingGated")
            .endCondition()
            .endStatus()
            .build());
    not.put(
        "scheduled",
        unschedulable()
            .editStatus()
            .editFirstCondition()
            .withStatus("True")
            .withReason(null)
            .endCondition()
            .endStatus()
            .build());
    not.put(
        "no condition yet",
        pod("web", "cpu", "1").withNewStatus().withPhase("Pending").endStatus().build());
    not.put("failed", unschedulable().editStatus().withPhase("Failed").endStatus().build());
    not.put(
        "terminating",
        unschedulable()
            .editMetadata()
            .withDeletionTimestamp("2026-11-30T10:00:00Z")
            .endMetadata()
            .build());
    not.put(
        "a DaemonSet's",
        unschedulable()
            .editMetadata()
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("DaemonSet")
            .withName("agent")
            .endOwnerReference()
            .endMetadata()
            .build());
    not.put(
        "a mirror pod",
        unschedulable()
            .editMetadata()
            .addNewOwnerReference()
            .withApiVersion("v1")
            .withKind("Node")
            .withName("ip-10-0-0-1")
            .endOwnerReference()
            .endMetadata()
            .build());
    assertThat(not).allSatisfy((why, pod) -> assertThat(PendingPods.counts(pod)).as(why).isFalse());
  }
}
