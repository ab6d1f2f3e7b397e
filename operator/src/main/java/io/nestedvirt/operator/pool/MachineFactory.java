package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.instance.InstanceLifecycle;
import io.nestedvirt.operator.instance.LaunchLedger;
import io.nestedvirt.operator.instance.MachineCache;
import io.nestedvirt.operator.launch.LaunchSettingsHash;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/**
 * Creates a pool's machines: one NestedVirtInstance per decided instance, owned by the pool
 * (controller, blockOwnerDeletion), labelled with it, and carrying the termination finalizer from
 * birth, so no machine can go without its instance going too. Creating the object is what records
 * the launch decision; the instance controller launches it.
 */
final class MachineFactory {
  /** As Kubernetes' generateName: no vowels (no words), no look-alike digits. */
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private static final int NAME_SUFFIX = 5;
  private static final int NAME_ATTEMPTS = 5;

  private final SecureRandom random = new SecureRandom();
  private final LaunchLedger ledger;

  MachineFactory(LaunchLedger ledger) {
    this.ledger = ledger;
  }

  /** What one machine is to be. */
  record Decision(
      String instanceType,
      String subnetId,
      String zone,
      CapacityType capacityType,
      String launchSettingsHash,
      String adoptedInstanceId) {}

  /**
   * Creates the machine and makes it visible to the pool's next reconcile at once (the informer may
   * lag), so a reconcile in between never decides the same launch twice.
   */
  NestedVirtInstance create(
      KubernetesClient client, NestedVirtPool pool, Decision decision, MachineCache machines) {
    KubernetesClientException last = null;
    for (int attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
      try {
        NestedVirtInstance created = client.resource(build(pool, decision, name(pool))).create();
        ledger.created(created.uid());
        machines.created(created);
        return created;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        last = e; // the random name is taken: draw another
      }
    }
    throw last;
  }

  private String name(NestedVirtPool pool) {
    StringBuilder name = new StringBuilder(pool.name()).append('-');
    for (int i = 0; i < NAME_SUFFIX; i++) {
      name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return name.toString();
  }

  static NestedVirtInstance build(NestedVirtPool pool, Decision decision, String name) {
    NestedVirtInstance machine = new NestedVirtInstance();
    machine.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withLabels(Map.of(NestedVirtPool.POOL_LABEL, pool.name()))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(pool.getApiVersion())
                    .withKind(pool.getKind())
                    .withName(pool.name())
                    .withUid(pool.uid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .withFinalizers(List.of(InstanceLifecycle.FINALIZER))
            .build());
    NestedVirtInstanceSpec spec = new NestedVirtInstanceSpec();
    spec.instanceType = decision.instanceType();
    spec.subnetId = decision.subnetId();
    spec.zone = decision.zone();
    spec.capacityType = decision.capacityType();
    spec.launchSettingsHash = decision.launchSettingsHash();
    spec.launchSettings = LaunchSettingsHash.fields(pool.getSpec());
    spec.instanceId = decision.adoptedInstanceId();
    machine.setSpec(spec);
    return machine;
  }
}
