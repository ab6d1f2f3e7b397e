package io.nestedvirt.operator.kubevirt;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevirt.v1.KubeVirt;
import io.kubevirt.v1.VirtualMachineInstance;
import io.kubevirt.v1.VirtualMachineInstanceMigration;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VMs on each node, from informers on KubeVirt's VirtualMachineInstances, their migrations and
 * the KubeVirt CR: reading costs no request. Started once the API server serves {@code
 * kubevirt.io/v1} (looked for at start and every refresh period until found, so KubeVirt installed
 * after the operator is picked up); until then, and on clusters without KubeVirt, there is no VM
 * anywhere.
 *
 * <p>The informers read into the model generated from KubeVirt's CRDs, pruned to the fields used
 * here, through {@link KubeVirtSerialization}: a VMI's devices, volumes and guest settings are
 * dropped while reading and never held.
 */
public final class KubeVirtInventory implements VmInventory, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KubeVirtInventory.class);

  static final String GROUP_VERSION = "kubevirt.io/v1";
  private static final String BY_NODE = "node";
  private static final String BY_VMI = "vmi";
  private static final String LIVE_MIGRATABLE = "LiveMigratable";

  private final KubernetesClient client;
  private final ScheduledExecutorService discovery;
  private volatile Informers informers;

  private record Informers(
      SharedIndexInformer<VirtualMachineInstance> vmis,
      SharedIndexInformer<VirtualMachineInstanceMigration> migrations,
      SharedIndexInformer<KubeVirt> kubevirts) {
    void stop() {
      vmis.stop();
      migrations.stop();
      kubevirts.stop();
    }
  }

  private KubeVirtInventory(KubernetesClient client) {
    this.client = client;
    this.discovery =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kubevirt-discovery").unstarted(r));
  }

  /**
   * Looks for KubeVirt now and every {@code period} until it is there.
   *
   * @param client the operator's client; the informers use one with the same connection and the
   *     KubeVirt model's serialization
   */
  public static KubeVirtInventory start(KubernetesClient client, Duration period) {
    KubernetesClient kubevirtClient =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withKubernetesSerialization(KubeVirtSerialization.create())
            .build();
    KubeVirtInventory inventory = new KubeVirtInventory(kubevirtClient);
    inventory.discovery.scheduleWithFixedDelay(
        inventory::lookForKubeVirt, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    return inventory;
  }

  /** Whether the informers run (KubeVirt was found). */
  public boolean watching() {
    return informers != null;
  }

  private void lookForKubeVirt() {
    if (informers != null) {
      return;
    }
    try {
      if (!served()) {
        log.debug(
            "KubeVirt is not installed (no {}): every pod drains as an ordinary pod",
            GROUP_VERSION);
        return;
      }
      informers = startInformers();
      discovery.shutdown();
      log.info(
          "KubeVirt found ({}): drains migrate VMs, honouring its migration limits", GROUP_VERSION);
    } catch (KubernetesClientException | IllegalStateException e) {
      log.warn("cannot look for KubeVirt ({}); looking again later", e.getMessage());
    }
  }

  /** Whether the API server's discovery lists KubeVirt's VMIs (a 404 or no such resource: no). */
  private boolean served() {
    try {
      var resources = client.getApiResources(GROUP_VERSION);
      return resources != null
          && resources.getResources() != null
          && resources.getResources().stream()
              .anyMatch(r -> "virtualmachineinstances".equals(r.getName()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private Informers startInformers() {
    SharedIndexInformer<VirtualMachineInstance> vmis =
        client.resources(VirtualMachineInstance.class).inAnyNamespace().runnableInformer(0);
    vmis.addIndexers(
        Map.of(
            BY_NODE,
            vmi ->
                vmi.getStatus() == null || vmi.getStatus().getNodeName() == null
                    ? List.of()
                    : List.of(vmi.getStatus().getNodeName())));
    SharedIndexInformer<VirtualMachineInstanceMigration> migrations =
        client
            .resources(VirtualMachineInstanceMigration.class)
            .inAnyNamespace()
            .runnableInformer(0);
    migrations.addIndexers(
        Map.of(
            BY_VMI,
            m ->
                m.getSpec() == null || m.getSpec().getVmiName() == null
                    ? List.of()
                    : List.of(m.getMetadata().getNamespace() + "/" + m.getSpec().getVmiName())));
    SharedIndexInformer<KubeVirt> kubevirts =
        client.resources(KubeVirt.class).inAnyNamespace().runnableInformer(0);
    keepTrying(vmis, "VirtualMachineInstances");
    keepTrying(migrations, "VirtualMachineInstanceMigrations");
    keepTrying(kubevirts, "KubeVirt CRs");
    vmis.start();
    migrations.start();
    kubevirts.start();
    return new Informers(vmis, migrations, kubevirts);
  }

  /**
   * fabric8 gives an informer up when its first list fails (a ClusterRole from before this version,
   * without KubeVirt's resources: 403); the operator would then see no VM anywhere and drain VMs as
   * ordinary pods. It keeps trying instead, on fabric8's back-off, and says why each time.
   */
  private static void keepTrying(SharedIndexInformer<?> informer, String what) {
    informer.exceptionHandler(
        (started, e) -> {
          log.warn(
              "cannot watch KubeVirt's {} ({}): drains treat VMs as ordinary pods until this"
                  + " works; the ClusterRole needs get, list and watch on them (upgrade the chart)",
              what,
              e.getMessage());
          return true;
        });
  }

  @Override
  public List<Vm> onNode(String nodeName) {
    Informers i = informers;
    if (i == null) {
      return List.of();
    }
    MigrationSettings settings = settings();
    return i.vmis().getIndexer().byIndex(BY_NODE, nodeName).stream()
        .map(vmi -> vm(vmi, settings.clusterEvictionStrategy(), i.migrations()))
        .sorted(Comparator.comparing(Vm::key))
        .toList();
  }

  @Override
  public Optional<String> nodeOf(String vmiKey) {
    Informers i = informers;
    if (i == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(i.vmis().getStore().getByKey(vmiKey))
        .map(VirtualMachineInstance::getStatus)
        .map(s -> s.getNodeName());
  }

  @Override
  public MigrationSettings settings() {
    Informers i = informers;
    if (i == null) {
      return MigrationSettings.DEFAULTS;
    }
    return i.kubevirts().getStore().list().stream()
        .findFirst()
        .map(KubeVirtInventory::settings)
        .orElse(MigrationSettings.DEFAULTS);
  }

  /** KubeVirt's settings from its CR, its own defaults for what the CR leaves out. */
  static MigrationSettings settings(KubeVirt kv) {
    MigrationSettings d = MigrationSettings.DEFAULTS;
    var configuration = kv.getSpec() == null ? null : kv.getSpec().getConfiguration();
    if (configuration == null) {
      return d;
    }
    var m = configuration.getMigrations();
    return new MigrationSettings(
        m == null || m.getParallelMigrationsPerCluster() == null
            ? d.parallelMigrationsPerCluster()
            : m.getParallelMigrationsPerCluster(),
        m == null || m.getParallelOutboundMigrationsPerNode() == null
            ? d.parallelOutboundMigrationsPerNode()
            : m.getParallelOutboundMigrationsPerNode(),
        m == null || m.getCompletionTimeoutPerGiB() == null
            ? d.completionTimeoutPerGiB()
            : Duration.ofSeconds(m.getCompletionTimeoutPerGiB()),
        m == null || m.getProgressTimeout() == null
            ? d.progressTimeout()
            : Duration.ofSeconds(m.getProgressTimeout()),
        EvictionStrategy.parse(configuration.getEvictionStrategy())
            .orElse(d.clusterEvictionStrategy()));
  }

  /** One VMI as a drain needs it. */
  static Vm vm(
      VirtualMachineInstance vmi,
      EvictionStrategy clusterStrategy,
      SharedIndexInformer<VirtualMachineInstanceMigration> migrations) {
    String namespace = vmi.getMetadata().getNamespace();
    String name = vmi.getMetadata().getName();
    List<VirtualMachineInstanceMigration> ofVmi =
        migrations == null
            ? List.of()
            : migrations.getIndexer().byIndex(BY_VMI, namespace + "/" + name);
    return vm(vmi, clusterStrategy, ofVmi);
  }

  static Vm vm(
      VirtualMachineInstance vmi,
      EvictionStrategy clusterStrategy,
      List<VirtualMachineInstanceMigration> migrations) {
    var spec = vmi.getSpec();
    var status = vmi.getStatus();
    EvictionStrategy strategy =
        EvictionStrategy.parse(spec == null ? null : spec.getEvictionStrategy())
            .orElse(clusterStrategy);
    var migratable =
        status == null || status.getConditions() == null
            ? null
            : status.getConditions().stream()
                .filter(c -> LIVE_MIGRATABLE.equals(c.getType()))
                .findFirst()
                .orElse(null);
    boolean canMove = migratable != null && "True".equals(migratable.getStatus());
    String because =
        canMove || migratable == null
            ? (canMove ? "" : "no LiveMigratable condition yet")
            : Objects.toString(migratable.getReason(), "")
                + (migratable.getMessage() == null ? "" : ": " + migratable.getMessage());
    return new Vm(
        vmi.getMetadata().getNamespace(),
        vmi.getMetadata().getName(),
        strategy,
        canMove,
        because,
        memoryBytes(vmi),
        status != null && status.getEvacuationNodeName() != null,
        migrations(migrations));
  }

  /** The guest memory, else the memory request; 0 when neither is set. */
  static long memoryBytes(VirtualMachineInstance vmi) {
    var domain = vmi.getSpec() == null ? null : vmi.getSpec().getDomain();
    if (domain == null) {
      return 0;
    }
    IntOrString guest = domain.getMemory() == null ? null : domain.getMemory().getGuest();
    if (guest == null
        && domain.getResources() != null
        && domain.getResources().getRequests() != null) {
      guest = domain.getResources().getRequests().get("memory");
    }
    if (guest == null) {
      return 0;
    }
    String text = guest.getStrVal() != null ? guest.getStrVal() : String.valueOf(guest.getIntVal());
    try {
      return Quantity.getAmountInBytes(new Quantity(text)).longValue();
    } catch (IllegalArgumentException | ArithmeticException e) {
      return 0;
    }
  }

  /**
   * The VMI's migrations by phase. Failures count only since its last successful migration: the VM
   * has been on its node since then, and KubeVirt retries a failed evacuation with a new migration.
   */
  static Vm.Migrations migrations(List<VirtualMachineInstanceMigration> migrations) {
    List<VirtualMachineInstanceMigration> ordered =
        migrations.stream()
            .sorted(
                Comparator.comparing(
                    m -> Objects.toString(m.getMetadata().getCreationTimestamp(), "")))
            .toList();
    int running = 0;
    int succeeded = 0;
    int failedSinceSuccess = 0;
    for (VirtualMachineInstanceMigration m : ordered) {
      String phase = m.getStatus() == null ? null : m.getStatus().getPhase();
      if ("Succeeded".equals(phase)) {
        succeeded++;
        failedSinceSuccess = 0;
      } else if ("Failed".equals(phase)) {
        failedSinceSuccess++;
      } else {
        running++;
      }
    }
    return new Vm.Migrations(running, succeeded, failedSinceSuccess);
  }

  @Override
  public void close() {
    discovery.shutdownNow();
    Informers i = informers;
    if (i != null) {
      i.stop();
    }
    client.close();
  }
}
