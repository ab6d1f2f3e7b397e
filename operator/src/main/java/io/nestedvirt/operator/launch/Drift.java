package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pure: how a machine differs from what its pool would launch now, each difference named so that a
 * cluster admin sees why a node is being replaced. A machine has drifted when its instance type is
 * no longer one of the pool's, when a launch setting it was launched with changed (see {@link
 * LaunchSettingsHash}), or when the pool's image now resolves to another AMI than the one it runs
 * (a new EKS AMI behind the SSM parameter). Node labels and taints are not drift: the operator
 * applies them in place.
 *
 * @param differences what differs, in words; empty when the machine matches its pool
 */
public record Drift(List<String> differences) {
  public static final Drift NONE = new Drift(List.of());

  public Drift {
    differences = List.copyOf(differences);
  }

  public boolean drifted() {
    return !differences.isEmpty();
  }

  /** The differences in one line, for a condition or an Event. */
  public String describe() {
    return String.join("; ", differences);
  }

  /**
   * @param pool the pool's spec as it is now
   * @param image the AMI the pool's new launches use, when known
   */
  public static Drift of(NestedVirtInstance m, NestedVirtPoolSpec pool, Optional<String> image) {
    return of(m.getSpec(), m.getStatus() == null ? null : m.getStatus().imageId, pool, image);
  }

  /**
   * @param machine what was decided for the machine
   * @param launchedWith the AMI its instance was launched with, null when not known (yet)
   */
  public static Drift of(
      NestedVirtInstanceSpec machine,
      String launchedWith,
      NestedVirtPoolSpec pool,
      Optional<String> image) {
    List<String> differences = new ArrayList<>();
    String type = machine.instanceType;
    if (pool.instanceTypes != null && !pool.instanceTypes.contains(type)) {
      differences.add("instanceType " + type + " is no longer in spec.instanceTypes");
    }
    if (!LaunchSettingsHash.of(pool).equals(machine.launchSettingsHash)) {
      if (machine.launchSettings == null) {
        // Recorded by an operator version that kept only the overall hash.
        differences.add("launch settings changed (" + String.join(", ", settingNames(pool)) + ")");
      } else {
        LaunchSettingsHash.changed(machine.launchSettings, LaunchSettingsHash.fields(pool))
            .forEach(name -> differences.add("spec." + name + " changed"));
      }
    }
    if (launchedWith != null && image.isPresent() && !image.get().equals(launchedWith)) {
      differences.add("image " + launchedWith + " -> " + image.get());
    }
    return new Drift(differences);
  }

  private static List<String> settingNames(NestedVirtPoolSpec pool) {
    return List.copyOf(LaunchSettingsHash.fields(pool).keySet());
  }
}
