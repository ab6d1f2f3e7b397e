package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.OperatorSettings;
import io.nestedvirt.operator.ReconcileRetry;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.events.UnreadableObjects;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.launch.ImageCache;
import io.nestedvirt.operator.launch.ImageChanges;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import io.nestedvirt.operator.launch.LaunchRequestFactory;
import io.nestedvirt.operator.launch.SpotRefusals;
import io.nestedvirt.operator.launch.UnavailableOfferings;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.AgentHeartbeat;
import io.nestedvirt.operator.node.ProviderIds;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.MDC;

/**
 * The lifecycle of one machine (NestedVirtInstance), read top to bottom as small steps, each owning
 * its condition: launch (Launched), registration (Registered), verification (Verified), liveness
 * (whether it is Failed), health (Healthy, once verified); Ready and the phase are derived from
 * them, the status is written once at the end, and the machine is looked at again after the
 * shortest wait any step asked for. A machine the pool chose to remove on scale-down drains before
 * it is deleted (scale-down). Behind the finalizer, termination drains, terminates and removes what
 * is left.
 */
@ControllerConfiguration(
    name = InstanceLifecycle.NAME,
    finalizerName = InstanceLifecycle.FINALIZER,
    // Generation-aware, plus the scale-down mark (an annotation): see MachineUpdates.
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = MachineUpdates.class),
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@GradualRetry(
    maxAttempts = ReconcileRetry.MAX_ATTEMPTS,
    initialInterval = ReconcileRetry.INITIAL_MILLIS,
    intervalMultiplier = ReconcileRetry.MULTIPLIER,
    maxInterval = ReconcileRetry.MAX_MILLIS)
public final class InstanceLifecycle
    implements Reconciler<NestedVirtInstance>, Cleaner<NestedVirtInstance> {
  public static final String NAME = "nestedvirtinstance";
  public static final String FINALIZER = "nestedvirt.io/termination";

  private final InstanceListing listing;
  private final Launch launch;
  private final Registration registration;
  private final Verification verification;
  private final Liveness liveness;
  private final Health health;
  private final DriftCheck drift;
  private final InterruptionCheck interruption;
  private final ScaleDownDrain scaleDown;
  private final Termination termination;
  private final VolumeAttachmentEvents volumeAttachments;
  private final ClusterCaches caches;
  private final MachineCache machineCache;
  private final Clock clock;
  private final Duration refreshPeriod;
  private final UnreadableObjects unreadable;
  private final OperatorMetrics metrics;

  /** Its changes wake the machines of the pools whose image moved on (see DriftCheck). */
  private final ImageCache images;

  private InformerEventSource<Node, NestedVirtInstance> nodes;
  private InformerEventSource<NestedVirtPool, NestedVirtInstance> pools;

  /** The controller with its steps, wired from the operator's shared parts. */
  public static InstanceLifecycle create(
      KubernetesClient client,
      CloudProvider cloud,
      InstanceListing listing,
      LaunchConfigResolver resolver,
      UnavailableOfferings offerings,
      LaunchLedger ledger,
      EventRecorder events,
      NodeDrains drains,
      ClusterCaches caches,
      MachineCache machineCache,
      OperatorSettings settings,
      Clock clock,
      UnreadableObjects unreadable,
      LaunchBackoff launchBackoff,
      OperatorMetrics metrics,
      VmInventory vms,
      ImageCache images,
      BootstrapTokens tokens,
      SpotRefusals spotRefusals) {
    Backoff backoff = new Backoff(Duration.ofSeconds(1), settings.refreshPeriod());
    VmDrainGate gate =
        new VmDrainGate(
            vms,
            caches,
            node ->
                client.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems());
    Drain drain = new Drain(drains, events, metrics, settings.refreshPeriod(), gate, vms);
    VolumeAttachmentEvents volumeAttachments = new VolumeAttachmentEvents();
    AgentHeartbeat heartbeat = new AgentHeartbeat(settings.agentInterval());
    return new InstanceLifecycle(
        listing,
        new Launch(
            cloud,
            listing,
            resolver,
            new LaunchRequestFactory(settings.clusterName()),
            offerings,
            ledger,
            backoff,
            launchBackoff,
            events,
            metrics,
            tokens,
            spotRefusals),
        new Registration(events, tokens),
        new Verification(client, events, heartbeat, settings.refreshPeriod()),
        new Liveness(settings.trustUnreportedNestedVirtualization()),
        new Health(heartbeat),
        new DriftCheck(images::current, events),
        new InterruptionCheck(events),
        new ScaleDownDrain(drain, events),
        new Termination(
            cloud,
            listing,
            drain,
            volumeAttachments,
            client,
            ledger,
            events,
            metrics,
            settings.launchGrace(),
            settings.refreshPeriod(),
            tokens),
        volumeAttachments,
        caches,
        machineCache,
        clock,
        settings.refreshPeriod(),
        unreadable,
        metrics,
        images);
  }

  InstanceLifecycle(
      InstanceListing listing,
      Launch launch,
      Registration registration,
      Verification verification,
      Liveness liveness,
      Health health,
      DriftCheck drift,
      InterruptionCheck interruption,
      ScaleDownDrain scaleDown,
      Termination termination,
      VolumeAttachmentEvents volumeAttachments,
      ClusterCaches caches,
      MachineCache machineCache,
      Clock clock,
      Duration refreshPeriod,
      UnreadableObjects unreadable,
      OperatorMetrics metrics,
      ImageCache images) {
    this.listing = listing;
    this.images = images;
    this.unreadable = unreadable;
    this.launch = launch;
    this.registration = registration;
    this.verification = verification;
    this.liveness = liveness;
    this.health = health;
    this.drift = drift;
    this.interruption = interruption;
    this.scaleDown = scaleDown;
    this.termination = termination;
    this.volumeAttachments = volumeAttachments;
    this.caches = caches;
    this.machineCache = machineCache;
    this.clock = clock;
    this.refreshPeriod = refreshPeriod;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, NestedVirtInstance>> prepareEventSources(
      EventSourceContext<NestedVirtInstance> context) {
    IndexerResourceCache<NestedVirtInstance> machines = context.getPrimaryCache();
    machines.addIndexers(MachineIndex.all());
    machineCache.attach(machines);
    listing.owners(instance -> MachineIndex.machinesOf(instance, machines));
    nodes = NodeEvents.source(context, listing);
    pools =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(NestedVirtPool.class, NestedVirtInstance.class)
                .withName("pools")
                .withSecondaryToPrimaryMapper(
                    pool ->
                        machines.byIndex(MachineIndex.POOL, pool.name()).stream()
                            .map(ResourceID::fromResource)
                            .collect(java.util.stream.Collectors.toSet()))
                .withPrimaryToSecondaryMapper(
                    (NestedVirtInstance m) ->
                        m.poolName() == null ? Set.of() : Set.of(new ResourceID(m.poolName())))
                // Only what the machines read: the spec, and whether the pool is going. The pool's
                // status changes often and is no concern of its machines.
                .withOnUpdateFilter(
                    (now, before) ->
                        !Objects.equals(
                                now.getMetadata().getGeneration(),
                                before.getMetadata().getGeneration())
                            || !Objects.equals(
                                now.getMetadata().getDeletionTimestamp(),
                                before.getMetadata().getDeletionTimestamp()))
                .build(),
            context);
    caches.attachMachines(machines, nodes);
    ImageChanges<NestedVirtInstance> imageChanges =
        new ImageChanges<>(
            images,
            NestedVirtInstance.class,
            pool ->
                machines.byIndex(MachineIndex.POOL, pool).stream()
                    .map(ResourceID::fromResource)
                    .toList());
    return List.of(listing, nodes, pools, volumeAttachments.source(context), imageChanges);
  }

  @Override
  public UpdateControl<NestedVirtInstance> reconcile(
      NestedVirtInstance object, Context<NestedVirtInstance> context) {
    if (leftAlone(object, context)) {
      return UpdateControl.noUpdate();
    }
    try (var pool = MDC.putCloseable(LogFields.POOL, object.poolName());
        var machine = MDC.putCloseable(LogFields.MACHINE, object.name())) {
      Machine m = observe(object);
      String phaseBefore = m.status.phase;
      metrics.step(object.poolName(), "launch", () -> launch.reconcile(m));
      metrics.step(object.poolName(), "drift", () -> drift.reconcile(m));
      metrics.step(object.poolName(), "interruption", () -> interruption.reconcile(m));
      m.claimants = claimants(m);
      metrics.step(object.poolName(), "registration", () -> registration.reconcile(m));
      metrics.step(object.poolName(), "verification", () -> verification.reconcile(m));
      metrics.step(object.poolName(), "liveness", () -> liveness.reconcile(m));
      metrics.step(object.poolName(), "health", () -> health.reconcile(m));
      InstancePhase derived = Readiness.derive(m);
      InstancePhase phase =
          metrics.step(object.poolName(), "scaleDown", () -> scaleDown.reconcile(m, derived));
      NestedVirtInstanceStatus status = m.finish(phase);
      milestones(m, phaseBefore, phase);
      if (phase != InstancePhase.Ready && phase != InstancePhase.Failed) {
        m.requeueWithin(refreshPeriod);
      }
      if (m.changed(status)) {
        writeStatus(object, status, context);
      }
      UpdateControl<NestedVirtInstance> control = UpdateControl.noUpdate();
      return m.requeue().map(d -> control.rescheduleAfter(d.toMillis())).orElse(control);
    }
  }

  @Override
  public DeleteControl cleanup(NestedVirtInstance object, Context<NestedVirtInstance> context) {
    if (leftAlone(object, context)) {
      return DeleteControl.noFinalizerRemoval(); // its instance may run: never drop it unseen
    }
    try (var pool = MDC.putCloseable(LogFields.POOL, object.poolName());
        var machine = MDC.putCloseable(LogFields.MACHINE, object.name())) {
      Machine m = observe(object);
      m.claimants = claimants(m);
      m.node = boundNode(m);
      interruption.reconcile(m);
      boolean done = metrics.step(object.poolName(), "termination", () -> termination.reconcile(m));
      if (done) {
        registration.forget(object.uid());
        verification.forget(object.uid());
        unreadable.forget(object);
        return DeleteControl.defaultDelete();
      }
      NestedVirtInstanceStatus status = m.finish(Termination.phase(m));
      if (m.changed(status)) {
        writeStatus(object, status, context);
      }
      return DeleteControl.noFinalizerRemoval()
          .rescheduleAfter(m.requeue().orElse(refreshPeriod).toMillis());
    }
  }

  /**
   * Replaces the status, guarded by the resourceVersion the reconcile read: a machine changed
   * meanwhile (its deletion began) conflicts, and the reconcile is repeated on the new version. A
   * launch whose record is lost that way is found again by its client token.
   */
  private static void writeStatus(
      NestedVirtInstance object,
      NestedVirtInstanceStatus status,
      Context<NestedVirtInstance> context) {
    PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
        object,
        context,
        o -> {
          o.setStatus(status);
          return o;
        });
  }

  /**
   * A machine this version cannot read, or one whose pool it cannot read, is left as it is: neither
   * launched nor verified nor terminated, since what it says is unknown. The machine is reported (a
   * pool by the pool controller); the informer's own copy carries the mark, not JOSDK's clone.
   */
  private boolean leftAlone(NestedVirtInstance object, Context<NestedVirtInstance> context) {
    NestedVirtInstance cached =
        context.getPrimaryCache().get(ResourceID.fromResource(object)).orElse(object);
    if (unreadable.skip(cached)) {
      return true;
    }
    return object.poolName() != null
        && pools
            .get(new ResourceID(object.poolName()))
            .filter(p -> p.unreadable().isPresent())
            .isPresent();
  }

  /** The machine, its pool (if it is still the one that owns it), and its recorded instance. */
  private Machine observe(NestedVirtInstance object) {
    NestedVirtPool pool =
        object.poolName() == null
            ? null
            : pools.get(new ResourceID(object.poolName())).filter(object::ownedBy).orElse(null);
    Machine m = new Machine(object, pool, clock.instant());
    // By its recorded id only: finding a launch by its client token is the launch step's.
    listing.byId(object.instanceId()).ifPresent(m::observed);
    return m;
  }

  /** Nodes whose providerID names the instance. */
  private List<Node> claimants(Machine m) {
    String instanceId = m.instanceId();
    if (instanceId == null) {
      return List.of();
    }
    List<Node> claimants = new ArrayList<>(nodes.byIndex(NodeEvents.BY_INSTANCE, instanceId));
    // The bound node is also read by name: fabric8 updates an index after its store, without a
    // lock for readers, so a Node being updated can be missing from the index for a moment, and
    // a machine must never take its node for gone (it would terminate without draining).
    String pinned = m.status.nodeName;
    if (pinned != null
        && claimants.stream().noneMatch(n -> pinned.equals(n.getMetadata().getName()))) {
      nodes
          .get(new ResourceID(pinned))
          .filter(n -> ProviderIds.instanceId(n).filter(instanceId::equals).isPresent())
          .ifPresent(claimants::add);
    }
    return claimants;
  }

  /** The node a leaving machine is bound to: its pinned node, else the only one claiming it. */
  private static Node boundNode(Machine m) {
    String pinned = m.status.nodeName;
    if (pinned != null) {
      return m.claimants.stream()
          .filter(n -> pinned.equals(n.getMetadata().getName()))
          .findFirst()
          .orElse(null);
    }
    return m.claimants.size() == 1 ? m.claimants.getFirst() : null;
  }

  /** The node's milestones reached in this reconcile, as histograms of time since launch. */
  private void milestones(Machine m, String phaseBefore, InstancePhase phase) {
    if (m.node == null || m.launchTime().isEmpty()) {
      return;
    }
    NodeMilestones.Reached reached =
        NodeMilestones.of(phaseBefore, phase.name(), m.launchTime().get(), m.node, m.now);
    reached.registered().ifPresent(metrics::nodeRegistered);
    reached.verified().ifPresent(metrics::nodeVerified);
    reached.ready().ifPresent(metrics::nodeReady);
  }
}
