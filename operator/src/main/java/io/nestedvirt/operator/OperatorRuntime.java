package io.nestedvirt.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.nestedvirt.operator.autoscaling.Autoscaler;
import io.nestedvirt.operator.autoscaling.ScaleDecisions;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.events.UnreadableObjects;
import io.nestedvirt.operator.instance.BootstrapTokens;
import io.nestedvirt.operator.instance.ClusterCaches;
import io.nestedvirt.operator.instance.GarbageCollector;
import io.nestedvirt.operator.instance.InstanceLifecycle;
import io.nestedvirt.operator.instance.InstanceListing;
import io.nestedvirt.operator.instance.LaunchBackoff;
import io.nestedvirt.operator.instance.LaunchLedger;
import io.nestedvirt.operator.instance.MachineCache;
import io.nestedvirt.operator.instance.NodeDrains;
import io.nestedvirt.operator.interruption.InterruptionQueueReader;
import io.nestedvirt.operator.interruption.Interruptions;
import io.nestedvirt.operator.interruption.ScheduledEventsPoll;
import io.nestedvirt.operator.kubevirt.KubeVirtInventory;
import io.nestedvirt.operator.launch.ImageCache;
import io.nestedvirt.operator.launch.ImageChanges;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import io.nestedvirt.operator.launch.SpotRefusals;
import io.nestedvirt.operator.launch.UnavailableOfferings;
import io.nestedvirt.operator.launch.UserDataFactory;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.drain.DrainStep;
import io.nestedvirt.operator.node.drain.NodeDrainer;
import io.nestedvirt.operator.pool.PoolController;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's controllers wired onto JOSDK, shared by the {@code run} and {@code sandbox}
 * commands and by the integration tests, so all three run the same code.
 */
public final class OperatorRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperatorRuntime.class);

  /**
   * Run as one replica of several: only the holder of the Lease {@code namespace/leaseName}
   * reconciles and collects garbage. A holder renews every {@code retryPeriod}; one that has not
   * renewed within {@code renewDeadline} stops; a standby takes a lease not renewed for {@code
   * leaseDuration}, checking every {@code retryPeriod} plus up to 120% jitter (fabric8's
   * LeaderElector). So a replica that dies without releasing its lease is replaced between {@code
   * leaseDuration} and {@code leaseDuration + 2.2 * retryPeriod} after its last renewal.
   */
  public record LeaderElection(
      String leaseName,
      String namespace,
      String identity,
      Duration leaseDuration,
      Duration renewDeadline,
      Duration retryPeriod) {
    public LeaderElection {
      if (renewDeadline.compareTo(leaseDuration) >= 0) {
        throw new IllegalArgumentException(
            "the renew deadline ("
                + Durations.format(renewDeadline)
                + ") must be shorter than the lease duration ("
                + Durations.format(leaseDuration)
                + "), or two replicas could both think they lead");
      }
      if (retryPeriod.compareTo(renewDeadline) >= 0) {
        throw new IllegalArgumentException(
            "the retry period ("
                + Durations.format(retryPeriod)
                + ") must be shorter than the renew deadline ("
                + Durations.format(renewDeadline)
                + "), or the holder cannot renew in time");
      }
    }
  }

  private final Operator operator;
  private final ScheduledExecutorService collector;
  private final AtomicBoolean closing;
  private final KubeVirtInventory vms;
  private final Autoscaler autoscaler;
  private final BootstrapTokens tokens;
  private final Optional<InterruptionQueueReader> queueReader;

  private OperatorRuntime(
      Operator operator,
      ScheduledExecutorService collector,
      AtomicBoolean closing,
      KubeVirtInventory vms,
      Autoscaler autoscaler,
      BootstrapTokens tokens,
      Optional<InterruptionQueueReader> queueReader) {
    this.tokens = tokens;
    this.queueReader = queueReader;
    this.operator = operator;
    this.collector = collector;
    this.closing = closing;
    this.vms = vms;
    this.autoscaler = autoscaler;
  }

  /**
   * Starts reconciling at once (no leader election: the sandbox and the in-process tests); returns
   * once the informers and the first instance listing are in place.
   *
   * @param serverSideApply JOSDK's production default; off only for API servers without it (the
   *     sandbox's embedded one)
   */
  public static OperatorRuntime start(
      KubernetesClient client,
      CloudProvider cloud,
      OperatorSettings settings,
      Supplier<String> kubernetesVersion,
      Clock clock,
      boolean serverSideApply,
      OperatorMetrics metrics) {
    return start(
        client,
        cloud,
        settings,
        kubernetesVersion,
        clock,
        serverSideApply,
        Optional.empty(),
        metrics);
  }

  /**
   * Starts the operator; with {@code leaderElection} it reconciles only while it holds the lease.
   * Informers and the instance listing (read-only) run on every replica, so a new leader starts
   * with warm caches; reconciles and the garbage collector (the only code that changes EC2 or the
   * API server) run on the leader alone.
   */
  public static OperatorRuntime start(
      KubernetesClient client,
      CloudProvider cloud,
      OperatorSettings settings,
      Supplier<String> kubernetesVersion,
      Clock clock,
      boolean serverSideApply,
      Optional<LeaderElection> leaderElection,
      OperatorMetrics metrics) {
    EventRecorder events = new EventRecorder(client, clock, metrics);
    UnreadableObjects unreadable = new UnreadableObjects(events, metrics);
    LaunchBackoff launchBackoff = new LaunchBackoff();
    InstanceListing listing =
        new InstanceListing(
            cloud, settings.refreshPeriod(), settings.launchGrace(), clock, metrics);
    ImageCache images = new ImageCache(cloud, kubernetesVersion, clock);
    LaunchConfigResolver resolver =
        new LaunchConfigResolver(
            cloud,
            images,
            new UserDataFactory(settings.cluster()),
            clock,
            settings.resolveCacheTtl());
    UnavailableOfferings offerings = new UnavailableOfferings(clock, settings.offeringCooldown());
    LaunchLedger ledger = new LaunchLedger();
    SpotRefusals spotRefusals = new SpotRefusals(clock);
    ClusterCaches caches = new ClusterCaches();
    MachineCache machineCache = new MachineCache();
    // Informers on KubeVirt's objects run on every replica, like the others, once KubeVirt is
    // there.
    KubeVirtInventory vms = KubeVirtInventory.start(client, settings.refreshPeriod());
    BootstrapTokens tokens = new BootstrapTokens(client);
    ScaleDecisions decisions = new ScaleDecisions();
    Autoscaler autoscaler =
        new Autoscaler(
            client,
            caches,
            machineCache,
            cloud,
            resolver,
            vms,
            decisions,
            events,
            clock,
            settings,
            metrics);
    PoolController pools =
        new PoolController(
            cloud,
            listing,
            resolver,
            offerings,
            ledger,
            machineCache,
            events,
            caches,
            clock,
            settings.refreshPeriod(),
            settings.offeringCooldown(),
            settings.launchGrace(),
            unreadable,
            launchBackoff,
            metrics,
            vms,
            decisions,
            images::inUse,
            ImageChanges.forPools(images),
            spotRefusals);
    InstanceLifecycle machines =
        InstanceLifecycle.create(
            client,
            cloud,
            listing,
            resolver,
            offerings,
            ledger,
            events,
            drains(new NodeDrainer(client, clock, vms)),
            caches,
            machineCache,
            settings,
            clock,
            unreadable,
            launchBackoff,
            metrics,
            vms,
            images,
            tokens,
            spotRefusals);
    GarbageCollector gc =
        new GarbageCollector(
            cloud, listing, client, caches, events, clock, settings.launchGrace(), metrics, tokens);
    Interruptions interruptions = new Interruptions(client, machineCache, metrics);
    // EC2's warnings: from the queue when there is one (Spot interruptions, state changes,
    // scheduled changes, rebalance recommendations), else scheduled events from
    // DescribeInstanceStatus once per refresh.
    Optional<InterruptionQueueReader> queueReader =
        Optional.ofNullable(settings.interruptionQueue())
            .map(
                name ->
                    new InterruptionQueueReader(
                        cloud.noticeQueue(name),
                        name,
                        interruptions,
                        metrics,
                        settings.refreshPeriod()));
    ScheduledEventsPoll scheduledEvents = new ScheduledEventsPoll(cloud, interruptions, clock);
    ScheduledExecutorService collector =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("garbage-collector").unstarted(r));
    long period = settings.refreshPeriod().toMillis();
    long imageRefresh = settings.imageRefresh().toMillis();
    // The garbage collector, the autoscaler and the interruption handling change things
    // (instances, pool counts, machines, Events), so they run on the leader only. So does the image
    // refresh: only the leader's reconciles
    // resolve images, so a standby's image cache is empty and has nothing to refresh.
    Runnable startCollecting =
        () -> {
          collector.scheduleWithFixedDelay(gc::collect, period, period, TimeUnit.MILLISECONDS);
          collector.scheduleWithFixedDelay(
              images::refresh, imageRefresh, imageRefresh, TimeUnit.MILLISECONDS);
          queueReader.ifPresentOrElse(
              InterruptionQueueReader::start,
              () ->
                  collector.scheduleWithFixedDelay(
                      scheduledEvents::poll, 0, period, TimeUnit.MILLISECONDS));
          autoscaler.start();
        };
    AtomicBoolean closing = new AtomicBoolean();
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics.registry()))
                  .withCloseClientOnStop(false)
                  .withUseSSAToPatchPrimaryResource(serverSideApply);
              leaderElection.ifPresent(
                  le ->
                      o.withLeaderElectionConfiguration(
                          LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                                  le.leaseName())
                              .withLeaseNamespace(le.namespace())
                              .withIdentity(le.identity())
                              .withLeaseDuration(le.leaseDuration())
                              .withRenewDeadline(le.renewDeadline())
                              .withRetryPeriod(le.retryPeriod())
                              .withLeaderCallbacks(
                                  callbacks(le, startCollecting, collector, closing, metrics))
                              // We exit ourselves (see callbacks): JOSDK's exit also runs when
                              // the operator stops on SIGTERM (stopping cancels the election),
                              // that is inside the JVM's shutdown hook, where System.exit
                              // blocks forever.
                              .withExitOnStopLeading(false)
                              .build()));
            });
    // Machines first, with the store the pool controller reads too (MachineCache); the pool
    // controller's event source waits until that cache is in sync.
    operator.register(machines, o -> o.withItemStore(machineCache.store()));
    operator.register(pools);
    operator.start();
    if (leaderElection.isEmpty()) {
      metrics.leading(true);
      startCollecting.run();
    }
    return new OperatorRuntime(operator, collector, closing, vms, autoscaler, tokens, queueReader);
  }

  /**
   * For {@code /healthz} (liveness): unhealthy only when an informer has stopped, which a restart
   * mends. A failing instance listing (AWS unreachable, credentials refused) does not count: a
   * restart cannot fix AWS, and restarting in a loop would only hide the error in the log.
   */
  public Optional<String> health() {
    var runtime = operator.getRuntimeInfo();
    if (!runtime.isStarted()) {
      return Optional.empty();
    }
    return unhealthy(runtime.unhealthyInformerWrappingEventSourceHealthIndicator());
  }

  /**
   * For {@code /readyz}: ready once the informers have synced and the first instance listing is in,
   * and while every event source works, the instance listing included (a standby replica is ready
   * too: it serves metrics and waits for the lease).
   */
  public Optional<String> readiness() {
    var runtime = operator.getRuntimeInfo();
    if (!runtime.isStarted()) {
      return Optional.of("starting: informers not synced yet");
    }
    return unhealthy(runtime.unhealthyEventSources());
  }

  /** "unhealthy event sources: controller/source, ..." or empty. */
  private static Optional<String> unhealthy(Map<String, ? extends Map<String, ?>> byController) {
    List<String> names = new ArrayList<>();
    byController.forEach(
        (controller, sources) -> sources.keySet().forEach(s -> names.add(controller + "/" + s)));
    return names.isEmpty()
        ? Optional.empty()
        : Optional.of("unhealthy event sources: " + String.join(", ", names));
  }

  /**
   * The garbage collector terminates instances, so, like the reconciler, it runs only while this
   * replica holds the lease: started on the lease's acquisition, stopped on its loss. A replica
   * that loses the lease (it could not renew within the renew deadline, for example cut off from
   * the API server) exits with status 1 and its pod restarts as a candidate: JOSDK's default, kept,
   * because a replica that went on working after another one took over would be a second leader
   * launching and terminating instances.
   */
  private static LeaderCallbacks callbacks(
      LeaderElection le,
      Runnable startCollecting,
      ScheduledExecutorService collector,
      AtomicBoolean closing,
      OperatorMetrics metrics) {
    return new LeaderCallbacks(
        () -> {
          metrics.leading(true);
          log.info(
              "leader election: {} leads (lease {}/{})",
              le.identity(),
              le.namespace(),
              le.leaseName());
          startCollecting.run();
        },
        () -> {
          metrics.leading(false);
          collector.shutdownNow();
          if (!closing.get()) {
            log.error("leader election: {} lost the lease; exiting", le.identity());
            // From another thread: this one holds the elector's lock, which the shutdown hook
            // (closing the operator cancels the election) needs.
            Thread.ofPlatform().name("lease-lost").start(() -> System.exit(1));
          }
        },
        leader -> {
          if (!leader.equals(le.identity())) {
            log.info("leader election: {} leads, {} stands by", leader, le.identity());
          }
        });
  }

  private static NodeDrains drains(NodeDrainer drainer) {
    return new NodeDrains() {
      @Override
      public Step drain(String node, boolean force) {
        DrainStep step = drainer.drain(node, force);
        return new Step(step.done(), step.summary(), step.evictionsRefused(), step.evicted());
      }

      @Override
      public void uncordon(String node) {
        drainer.uncordon(node);
      }
    };
  }

  @Override
  public void close() {
    closing.set(true);
    collector.shutdownNow();
    queueReader.ifPresent(InterruptionQueueReader::close);
    autoscaler.close();
    operator.stop();
    vms.close();
    tokens.close();
  }
}
