package io.nestedvirt.operator.kubevirt;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** VMs for tests, and an inventory that holds what a test puts in it. */
public final class Vms implements VmInventory {
  public static final long GIB = 1L << 30;

  private final Map<String, List<Vm>> byNode = new ConcurrentHashMap<>();
  private volatile MigrationSettings settings = MigrationSettings.DEFAULTS;

  /** A LiveMigrate VM that can move, with no migration yet. */
  public static Vm movable(String name, long gib) {
    return new Vm(
        "vms", name, EvictionStrategy.LiveMigrate, true, "", gib * GIB, false, Vm.Migrations.NONE);
  }

  /** A LiveMigrate VM that cannot move (a host device, say). */
  public static Vm pinned(String name) {
    return new Vm(
        "vms",
        name,
        EvictionStrategy.LiveMigrate,
        false,
        "HostDeviceNotLiveMigratable: VMI uses a host device",
        GIB,
        false,
        Vm.Migrations.NONE);
  }

  /** A VM KubeVirt shuts down with its pod. */
  public static Vm unmanaged(String name) {
    return new Vm("vms", name, EvictionStrategy.None, true, "", GIB, false, Vm.Migrations.NONE);
  }

  public static Vm withMigrations(Vm vm, int running, int succeeded, int failed) {
    return new Vm(
        vm.namespace(),
        vm.name(),
        vm.strategy(),
        vm.migratable(),
        vm.notMigratableBecause(),
        vm.memoryBytes(),
        true,
        new Vm.Migrations(running, succeeded, failed));
  }

  /** The virt-launcher pod of a VM, requesting memory and CPU. */
  public static Pod launcher(Vm vm, String node, String memory, String cpu) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(vm.namespace())
        .withName("virt-launcher-" + vm.name() + "-abcde")
        .withUid("uid-launcher-" + vm.name())
        .withLabels(Map.of("kubevirt.io", "virt-launcher"))
        .withAnnotations(Map.of("kubevirt.io/domain", vm.name()))
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("compute")
        .withNewResources()
        .withRequests(Map.of("memory", new Quantity(memory), "cpu", new Quantity(cpu)))
        .endResources()
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .endStatus()
        .build();
  }

  public Vms on(String node, Vm... vms) {
    byNode.put(node, List.of(vms));
    return this;
  }

  public Vms settings(MigrationSettings settings) {
    this.settings = settings;
    return this;
  }

  @Override
  public List<Vm> onNode(String nodeName) {
    return byNode.getOrDefault(nodeName, List.of());
  }

  @Override
  public Optional<String> nodeOf(String vmiKey) {
    return byNode.entrySet().stream()
        .filter(e -> e.getValue().stream().anyMatch(v -> v.key().equals(vmiKey)))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  @Override
  public MigrationSettings settings() {
    return settings;
  }
}
