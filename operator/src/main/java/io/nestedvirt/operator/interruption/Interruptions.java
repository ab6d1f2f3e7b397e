package io.nestedvirt.operator.interruption;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.Json;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.instance.MachineCache;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.util.Map;
import java.util.Optional;

/**
 * Acts on EC2's notices about the cluster's instances, whichever way they came (the interruption
 * queue, or DescribeInstanceStatus): the notice is written on the instance's machine ({@link
 * NestedVirtInstance#INTERRUPTION_ANNOTATION}), where the instance controller shows it as a
 * condition and an Event and the pool controller replaces a machine with a scheduled change within
 * its disruption budget; a machine whose instance goes within minutes (a Spot interruption, a
 * stopping instance) is deleted at once, so its node drains (its VMs migrate) and the pool launches
 * its successor, as Karpenter does with a NodeClaim.
 *
 * <p>Idempotent: a notice the machine already carries, or a lesser one, writes nothing, so a queue
 * that delivers twice or out of order changes nothing.
 */
public final class Interruptions {
  /** What became of a notice. */
  public enum Outcome {
    /** Written on its machine (and the machine deleted if the instance goes now). */
    NOTED,
    /** The machine already carries it, or a weightier one. */
    ALREADY_NOTED,
    /** No machine of this operator's has the instance. */
    NOT_OURS
  }

  private final KubernetesClient client;
  private final MachineCache machines;
  private final OperatorMetrics metrics;

  public Interruptions(KubernetesClient client, MachineCache machines, OperatorMetrics metrics) {
    this.client = client;
    this.machines = machines;
    this.metrics = metrics;
  }

  /**
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the machine cannot be
   *     written: the notice is to be kept (its queue message not deleted) and handled again
   */
  public Outcome handle(InterruptionNotice notice) {
    Optional<NestedVirtInstance> found = machines.byInstanceId(notice.instanceId());
    if (found.isEmpty()) {
      metrics.interruptionNotice(notice.kind().name(), Outcome.NOT_OURS.name());
      return Outcome.NOT_OURS;
    }
    NestedVirtInstance machine = found.get();
    Optional<InterruptionNotice> kept = machine.interruption();
    boolean note = kept.isEmpty() || notice.kind().supersedes(kept.get().kind());
    if (note) {
      String patch =
          Json.of(
              Map.of(
                  "metadata",
                  Map.of(
                      "annotations",
                      Map.of(NestedVirtInstance.INTERRUPTION_ANNOTATION, notice.toJson()))));
      client
          .resources(NestedVirtInstance.class)
          .withName(machine.name())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
    boolean urgent = note ? notice.kind().urgent() : kept.get().kind().urgent();
    if (urgent && !machine.isDeleting()) {
      // Also when the note was written before: a restart between the write and the delete must
      // not leave a doomed machine serving.
      client.resources(NestedVirtInstance.class).withName(machine.name()).delete();
    }
    Outcome outcome = note ? Outcome.NOTED : Outcome.ALREADY_NOTED;
    metrics.interruptionNotice(notice.kind().name(), outcome.name());
    return outcome;
  }
}
