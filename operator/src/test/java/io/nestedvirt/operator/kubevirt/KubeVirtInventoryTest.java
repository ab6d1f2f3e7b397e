package io.nestedvirt.operator.kubevirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubevirt.v1.KubeVirt;
import io.kubevirt.v1.VirtualMachineInstance;
import io.kubevirt.v1.VirtualMachineInstanceMigration;
import io.kubevirt.v1.VirtualMachineInstanceMigrationSpec;
import io.kubevirt.v1.VirtualMachineInstanceMigrationStatus;
import io.nestedvirt.operator.MockApiServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the operator makes of KubeVirt's objects: a VMI's effective eviction strategy, whether it
 * can move and why not, its memory, its migrations; KubeVirt's settings with its own defaults; and
 * the informers, which start only once the API server serves KubeVirt.
 */
class KubeVirtInventoryTest {
  private final KubernetesSerialization serialization = KubeVirtSerialization.create();

  @Test
  void aVmiBecomesWhatADrainNeeds() {
    VirtualMachineInstance vmi = read("virtualmachineinstance.json", VirtualMachineInstance.class);
    Vm vm = KubeVirtInventory.vm(vmi, EvictionStrategy.None, List.of());
    assertThat(vm.key()).isEqualTo("vms/fedora-web");
    assertThat(vm.strategy()).isEqualTo(EvictionStrategy.LiveMigrate);
    assertThat(vm.migratable()).isFalse();
    assertThat(vm.notMigratableBecause())
        .startsWith("DisksNotLiveMigratable: cannot migrate VMI: PVC scratch is not shared");
    assertThat(vm.pinsNode()).isTrue();
    assertThat(vm.memoryBytes()).as("spec.domain.memory.guest 4Gi").isEqualTo(4L << 30);

    vmi.getSpec().setEvictionStrategy(null);
    assertThat(
            KubeVirtInventory.vm(vmi, EvictionStrategy.LiveMigrateIfPossible, List.of()).strategy())
        .as("a VMI without a strategy takes the cluster's")
        .isEqualTo(EvictionStrategy.LiveMigrateIfPossible);
    vmi.getSpec().getDomain().setMemory(null);
    assertThat(KubeVirtInventory.vm(vmi, EvictionStrategy.None, List.of()).memoryBytes())
        .as("without a guest memory, the memory request")
        .isEqualTo(4L << 30);
  }

  @Test
  void failedMigrationsCountSinceTheLastOneThatSucceeded() {
    List<VirtualMachineInstanceMigration> migrations =
        List.of(
            migration("m1", "2026-11-30T10:00:00Z", "Failed"),
            migration("m2", "2026-11-30T10:01:00Z", "Succeeded"),
            migration("m3", "2026-11-30T10:02:00Z", "Failed"),
            migration("m4", "2026-11-30T10:03:00Z", "Failed"),
            migration("m5", "2026-11-30T10:04:00Z", "Running"));
    assertThat(KubeVirtInventory.migrations(migrations)).isEqualTo(new Vm.Migrations(1, 1, 2));
    assertThat(KubeVirtInventory.migrations(List.of())).isEqualTo(Vm.Migrations.NONE);
  }

  @Test
  void kubeVirtsSettingsFallBackToItsDefaults() {
    KubeVirt kv = read("kubevirt.json", KubeVirt.class);
    MigrationSettings settings = KubeVirtInventory.settings(kv);
    assertThat(settings).isNotNull();
    kv.getSpec().getConfiguration().getMigrations().setParallelMigrationsPerCluster(9);
    kv.getSpec().getConfiguration().getMigrations().setParallelOutboundMigrationsPerNode(null);
    kv.getSpec().getConfiguration().setEvictionStrategy("LiveMigrate");
    MigrationSettings changed = KubeVirtInventory.settings(kv);
    assertThat(changed.parallelMigrationsPerCluster()).isEqualTo(9);
    assertThat(changed.parallelOutboundMigrationsPerNode()).as("KubeVirt's default").isEqualTo(2);
    assertThat(changed.maxDrainingNodes()).isEqualTo(5);
    assertThat(changed.clusterEvictionStrategy()).isEqualTo(EvictionStrategy.LiveMigrate);
    kv.getSpec().setConfiguration(null);
    assertThat(KubeVirtInventory.settings(kv)).isEqualTo(MigrationSettings.DEFAULTS);
  }

  @Test
  void theInformersStartWhenKubeVirtIsInstalledAndFindVmsByNode() throws Exception {
    try (MockApiServer api = MockApiServer.start();
        KubeVirtInventory inventory =
            KubeVirtInventory.start(api.client(), Duration.ofMillis(200))) {
      Thread.sleep(500);
      assertThat(inventory.watching()).as("no KubeVirt: nothing watched").isFalse();
      assertThat(inventory.onNode("ip-10-0-2-17.ec2.internal")).isEmpty();

      for (String plural :
          List.of("virtualmachineinstances", "virtualmachineinstancemigrations", "kubevirts")) {
        api.client()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .resource(crd(plural))
            .create();
      }
      VirtualMachineInstance vmi =
          read("virtualmachineinstance.json", VirtualMachineInstance.class);
      vmi.getMetadata().setResourceVersion(null);
      vmi.getMetadata().setUid(null);
      api.client().resource(serialization.asJson(vmi)).inNamespace("vms").create();

      await().atMost(Duration.ofSeconds(10)).until(inventory::watching);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(inventory.onNode("ip-10-0-2-17.ec2.internal"))
                      .extracting(Vm::key)
                      .containsExactly("vms/fedora-web"));
      assertThat(inventory.nodeOf("vms/fedora-web")).contains("ip-10-0-2-17.ec2.internal");
      assertThat(inventory.nodeOf("vms/other")).isEmpty();
      assertThat(inventory.settings()).isEqualTo(MigrationSettings.DEFAULTS);
    }
  }

  private static VirtualMachineInstanceMigration migration(
      String name, String created, String phase) {
    VirtualMachineInstanceMigration m = new VirtualMachineInstanceMigration();
    m.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("vms")
            .withName(name)
            .withCreationTimestamp(created)
            .build());
    VirtualMachineInstanceMigrationSpec spec = new VirtualMachineInstanceMigrationSpec();
    spec.setVmiName("web");
    m.setSpec(spec);
    VirtualMachineInstanceMigrationStatus status = new VirtualMachineInstanceMigrationStatus();
    status.setPhase(phase);
    m.setStatus(status);
    return m;
  }

  private static CustomResourceDefinition crd(String plural) {
    Path file =
        Path.of(System.getProperty("repo.root"), "kubevirt", "crds", plural + ".kubevirt.io.yaml");
    try (InputStream in = Files.newInputStream(file)) {
      return new KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private <T> T read(String fixture, Class<T> type) {
    try (InputStream in = getClass().getResourceAsStream("/kubevirt/" + fixture)) {
      return serialization.unmarshal(in, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
