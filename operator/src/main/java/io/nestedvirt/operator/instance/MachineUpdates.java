package io.nestedvirt.operator.instance;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import java.util.Objects;

/**
 * Which changes to a machine wake the instance controller: what JOSDK's generation-aware default
 * lets through (a new generation, the deletion, the finalizers), and two annotations, which do not
 * change the generation: the pool's scale-down mark and EC2's warnings. Its own status writes do
 * not wake it (they would double the reconciles); the steps ask for their own requeues.
 */
public final class MachineUpdates implements OnUpdateFilter<NestedVirtInstance> {
  public MachineUpdates() {}

  @Override
  public boolean accept(NestedVirtInstance now, NestedVirtInstance before) {
    return newerGeneration(now, before)
        || now.isDeleting() && !before.isDeleting()
        || !Objects.equals(now.getMetadata().getFinalizers(), before.getMetadata().getFinalizers())
        || now.isScaleDownVictim() != before.isScaleDownVictim()
        || !Objects.equals(now.interruption(), before.interruption());
  }

  private static boolean newerGeneration(NestedVirtInstance now, NestedVirtInstance before) {
    Long was = before.getMetadata().getGeneration();
    Long is = now.getMetadata().getGeneration();
    return was == null || is == null || is > was;
  }
}
