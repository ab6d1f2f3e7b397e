package io.nestedvirt.operator.kubevirt;

import java.util.List;
import java.util.Optional;

/** The VMs on each node and KubeVirt's settings, read from informer caches (no request). */
public interface VmInventory {
  /** The VMIs whose {@code status.nodeName} is the node; empty when KubeVirt is not installed. */
  List<Vm> onNode(String nodeName);

  /** The node a VMI runs on ({@code status.nodeName}); empty when there is no such VMI. */
  Optional<String> nodeOf(String vmiKey);

  /** KubeVirt's migration settings, its defaults when no KubeVirt CR can be read. */
  MigrationSettings settings();

  /** For clusters without KubeVirt: no VM anywhere. */
  VmInventory NONE =
      new VmInventory() {
        @Override
        public List<Vm> onNode(String nodeName) {
          return List.of();
        }

        @Override
        public Optional<String> nodeOf(String vmiKey) {
          return Optional.empty();
        }

        @Override
        public MigrationSettings settings() {
          return MigrationSettings.DEFAULTS;
        }
      };
}
