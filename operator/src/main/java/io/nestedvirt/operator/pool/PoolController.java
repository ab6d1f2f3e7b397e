package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.Json;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.ReconcileRetry;
import io.nestedvirt.operator.api.v1alpha1.Condition;
import io.nestedvirt.operator.api.v1alpha1.DisruptionSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.api.v1alpha1.PoolCapacityType;
import io.nestedvirt.operator.api.v1alpha1.RepairSpec;
import io.nestedvirt.operator.api.v1alpha1.RolloutStatus;
import io.nestedvirt.operator.autoscaling.ScaleDecision;
import io.nestedvirt.operator.autoscaling.ScaleDecisions;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.demand.NodeOffer;
import io.nestedvirt.operator.demand.ScaleUpPlanner.NewNode;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.events.UnreadableObjects;
import io.nestedvirt.operator.instance.ClusterCaches;
import io.nestedvirt.operator.instance.InstanceConditions;
import io.nestedvirt.operator.instance.InstanceListing;
import io.nestedvirt.operator.instance.InstancePhase;
import io.nestedvirt.operator.instance.LaunchBackoff;
import io.nestedvirt.operator.instance.LaunchLedger;
import io.nestedvirt.operator.instance.MachineCache;
import io.nestedvirt.operator.kubevirt.Vm;
import io.nestedvirt.operator.kubevirt.VmInventory;
import io.nestedvirt.operator.launch.ImageChanges;
import io.nestedvirt.operator.launch.LaunchConfig;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import io.nestedvirt.operator.launch.LaunchSettingsHash;
import io.nestedvirt.operator.launch.SpotRefusals;
import io.nestedvirt.operator.launch.UnavailableOfferings;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.DoNotDisrupt;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps a pool at its spec by creating and deleting its machines (NestedVirtInstances), as a
 * MachineSet does with Machines. A reconcile reads top to bottom (see {@link Reconcile#run}):
 * observe the pool's machines, adopt what an earlier operator version left in status, check the
 * spec and its instance types, replace failed machines, repair unhealthy ones, plan the count (a
 * pure function), delete the victims, create what is missing where it fits, report. It never
 * launches or terminates an instance itself; each machine does. Status is written once, at the end,
 * only when it changed.
 */
@ControllerConfiguration(
    name = PoolController.NAME,
    finalizerName = PoolController.FINALIZER,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@GradualRetry(
    maxAttempts = ReconcileRetry.MAX_ATTEMPTS,
    initialInterval = ReconcileRetry.INITIAL_MILLIS,
    intervalMultiplier = ReconcileRetry.MULTIPLIER,
    maxInterval = ReconcileRetry.MAX_MILLIS)
public final class PoolController implements Reconciler<NestedVirtPool>, Cleaner<NestedVirtPool> {
  public static final String NAME = "nestedvirtpool";
  public static final String FINALIZER = "nestedvirt.io/finalizer";
  private static final Logger log = LoggerFactory.getLogger(PoolController.class);

  /** How long a deletion is remembered at most (the informer shows it long before). */
  private static final Duration DELETION_MEMORY = Duration.ofMinutes(2);

  private final CloudProvider cloud;
  private final InstanceListing listing;
  private final LaunchConfigResolver resolver;
  private final LaunchConfigCheck launchConfig;
  private final UnavailableOfferings offerings;
  private final MachineFactory factory;
  private final Adoption adoption;
  private final EventRecorder events;
  private final ClusterCaches caches;
  private final Clock clock;
  private final Duration refreshPeriod;
  private final UnreadableObjects unreadable;
  private final LaunchBackoff launchBackoff;
  private final OperatorMetrics metrics;
  private final VmInventory vms;

  /** The AMI a pool's new launches use, from the image cache (no API call when cached). */
  private final Function<NestedVirtPool, Optional<String>> images;

  /** The autoscaler's decisions for autoscaled pools, each taken once (see {@link #autoscale}). */
  private final ScaleDecisions decisions;

  private final ImageChanges<NestedVirtPool> imageChanges;
  private final SpotRefusals spotRefusals;

  /**
   * Machines this controller deleted that its cache does not show as deleting yet; they count as
   * leaving, so a reconcile in between never chooses another victim in their place.
   */
  private final Map<String, Instant> deleted = new ConcurrentHashMap<>();

  /** Scale-down victims: they drain before they are deleted, so the pool can take them back. */
  private final ScaleDownMarks marks = new ScaleDownMarks();

  private final MachineCache machines;

  /** Pools whose reconcile failed, woken when EC2 answers again. */
  private final RecoveryEvents recovery;

  /** The step each pool's failed reconcile was in, for its status (see updateErrorStatus). */
  private final Map<String, String> failedStep = new ConcurrentHashMap<>();

  public PoolController(
      CloudProvider cloud,
      InstanceListing listing,
      LaunchConfigResolver resolver,
      UnavailableOfferings offerings,
      LaunchLedger ledger,
      MachineCache machines,
      EventRecorder events,
      ClusterCaches caches,
      Clock clock,
      Duration refreshPeriod,
      Duration offeringCooldown,
      Duration launchGrace,
      UnreadableObjects unreadable,
      LaunchBackoff launchBackoff,
      OperatorMetrics metrics,
      VmInventory vms,
      ScaleDecisions decisions,
      Function<NestedVirtPool, Optional<String>> images,
      ImageChanges<NestedVirtPool> imageChanges,
      SpotRefusals spotRefusals) {
    this.cloud = cloud;
    this.spotRefusals = spotRefusals;
    this.launchBackoff = launchBackoff;
    this.unreadable = unreadable;
    this.listing = listing;
    this.recovery = new RecoveryEvents();
    this.resolver = resolver;
    this.launchConfig = new LaunchConfigCheck(resolver, cloud, events, offeringCooldown);
    this.offerings = offerings;
    this.machines = machines;
    this.factory = new MachineFactory(ledger);
    this.adoption = new Adoption(listing, factory, events, launchGrace);
    this.events = events;
    this.caches = caches;
    this.clock = clock;
    this.refreshPeriod = refreshPeriod;
    this.metrics = metrics;
    this.vms = vms;
    this.decisions = decisions;
    this.images = images;
    this.imageChanges = imageChanges;
  }

  @Override
  public List<EventSource<?, NestedVirtPool>> prepareEventSources(
      EventSourceContext<NestedVirtPool> context) {
    caches.attachPools(context.getPrimaryCache());
    return List.of(
        new MachineEvents(machines), recovery.listeningTo(listing), decisions, imageChanges);
  }

  @Override
  public UpdateControl<NestedVirtPool> reconcile(
      NestedVirtPool pool, Context<NestedVirtPool> context) {
    if (unreadable.skip(cached(pool, context))) {
      return UpdateControl.noUpdate();
    }
    long start = System.nanoTime();
    try (var mdc = MDC.putCloseable(LogFields.POOL, pool.name())) {
      Reconcile r = new Reconcile(pool, context.getClient());
      r.run();
      recovery.succeeded(pool);
      r.writeIfChanged(context);
      UpdateControl<NestedVirtPool> control = UpdateControl.noUpdate();
      return r.requeue == null ? control : control.rescheduleAfter(r.requeue.toMillis());
    } finally {
      metrics.reconciled(pool.name(), System.nanoTime() - start);
    }
  }

  /**
   * A reconcile threw (EC2 throttled every call, the API server refused a write, a bug): JOSDK
   * retries it with {@link ReconcileRetry}'s back-off, and the pool says so meanwhile, {@code
   * Reconciling=True} with reason {@code RetryingAfterError}, what failed and when the next attempt
   * is, so a pool never sits without status while errors last. Never throws: a status that cannot
   * be written is logged, and the retry goes on regardless.
   */
  @Override
  public ErrorStatusUpdateControl<NestedVirtPool> updateErrorStatus(
      NestedVirtPool pool, Context<NestedVirtPool> context, Exception e) {
    String step = failedStep.remove(pool.uid());
    recovery.failed(pool);
    try (var mdc = MDC.putCloseable(LogFields.POOL, pool.name())) {
      int attempts = context.getRetryInfo().map(RetryInfo::getAttemptCount).orElse(0);
      Instant now = clock.instant();
      String message = ErrorMessages.retrying(step, e, attempts, now);
      log.warn("pool {}: {}", pool.name(), message);
      NestedVirtPoolStatus status =
          pool.getStatus() == null
              ? new NestedVirtPoolStatus()
              : Json.copy(pool.getStatus(), NestedVirtPoolStatus.class);
      status.conditions =
          new PoolConditions(status.conditions, pool.getMetadata().getGeneration(), now)
              .retrying(message);
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
          pool,
          context,
          p -> {
            p.setStatus(status);
            return p;
          });
    } catch (RuntimeException writeFailed) {
      log.warn(
          "pool {}: cannot record the failed reconcile in its status: {}",
          pool.name(),
          writeFailed.getMessage());
    }
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /**
   * The pool is being deleted: every machine is deleted (each drains and terminates behind its own
   * finalizer), and whatever EC2 still runs under the pool's uid that no machine claims is
   * terminated; the pool's finalizer goes once nothing is left.
   */
  @Override
  public DeleteControl cleanup(NestedVirtPool pool, Context<NestedVirtPool> context) {
    try (var mdc = MDC.putCloseable(LogFields.POOL, pool.name())) {
      Reconcile r = new Reconcile(pool, context.getClient());
      List<NestedVirtInstance> left = machinesOf(pool);
      left.stream().filter(m -> !m.isDeleting()).forEach(r::delete);
      List<String> unclaimed =
          left.isEmpty()
              ? listing.ofPool(pool.uid()).stream().map(Instance::id).toList()
              : List.of();
      if (!unclaimed.isEmpty()) {
        cloud.terminate(unclaimed).forEach(listing::recordState);
        log.warn(
            "pool {} deleted: terminated {}, which no machine claimed", pool.name(), unclaimed);
      }
      if (left.isEmpty() && unclaimed.isEmpty()) {
        log.info("pool {} deleted: every machine is gone", pool.name());
        metrics.poolDeleted(pool.name());
        resolver.forget(pool);
        unreadable.forget(pool);
        launchBackoff.forget(pool.uid());
        failedStep.remove(pool.uid());
        decisions.take(pool.name());
        return DeleteControl.defaultDelete();
      }
      r.conditions.set(
          ConditionType.SCALED,
          false,
          ConditionReason.Deleting,
          "pool deleted: " + left.size() + " machine(s) draining and terminating");
      r.report(left, false);
      r.writeIfChanged(context);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(refreshPeriod.toMillis());
    }
  }

  /**
   * The informer's own copy of the pool: JOSDK reconciles a clone made through JSON, which lost the
   * mark of a pool that could not be read.
   */
  private static NestedVirtPool cached(NestedVirtPool pool, Context<NestedVirtPool> context) {
    return context.getPrimaryCache().get(ResourceID.fromResource(pool)).orElse(pool);
  }

  /** The pool's machines as the cache (and our own recent writes) show them. */
  private List<NestedVirtInstance> machinesOf(NestedVirtPool pool) {
    Instant forgetBefore = clock.instant().minus(DELETION_MEMORY);
    deleted.values().removeIf(at -> at.isBefore(forgetBefore));
    marks.forgetBefore(forgetBefore);
    List<NestedVirtInstance> owned = machines.ofPool(pool);
    owned.stream().filter(NestedVirtInstance::isDeleting).forEach(m -> deleted.remove(m.uid()));
    return owned;
  }

  /** A machine that counts toward the pool: not failed, not leaving (nor chosen to). */
  private boolean serves(NestedVirtInstance m) {
    return !m.isDeleting()
        && !deleted.containsKey(m.uid())
        && !marks.isMarked(m)
        && ScalePlanner.phase(m) != InstancePhase.Failed;
  }

  /** A scale-down victim still draining: marked, not deleted yet. */
  private boolean draining(NestedVirtInstance m) {
    return !m.isDeleting() && !deleted.containsKey(m.uid()) && marks.isMarked(m);
  }

  /** One reconcile of one pool: the steps in order, and what they pass along. */
  private final class Reconcile {
    private final NestedVirtPool pool;
    private final KubernetesClient client;
    private final Instant now = clock.instant();
    private final NestedVirtPoolStatus status;
    private final PoolConditions conditions;
    private final String statusAtStart;
    private Duration requeue;

    /** How many machines the pool is to have (see {@link NestedVirtPool#targetReplicas}). */
    private int target;

    /** The autoscaler's decision this reconcile acts on, if one came. */
    private ScaleDecision decision;

    /** How many machines served the pool when the decision was taken. */
    private int servingAtDecision;

    /** The serving machines that drifted or expired, found before the count is decided. */
    private OutdatedMachines outdated = OutdatedMachines.NONE;

    /** The rolling replacement's plan: its surge is added to the count the pool launches for. */
    private RolloutPlanner.RolloutPlan rollout = RolloutPlanner.RolloutPlan.NONE;

    /** Replacements under way after this reconcile's: victims draining. */
    private int replacing;

    Reconcile(NestedVirtPool pool, KubernetesClient client) {
      this.pool = pool;
      this.client = client;
      this.status =
          pool.getStatus() == null
              ? new NestedVirtPoolStatus()
              : Json.copy(pool.getStatus(), NestedVirtPoolStatus.class);
      this.statusAtStart = Json.of(status);
      this.conditions =
          new PoolConditions(status.conditions, pool.getMetadata().getGeneration(), now);
      this.target = pool.targetReplicas();
    }

    void run() {
      List<NestedVirtInstance> all = new ArrayList<>(machinesOf(pool));
      Adoption.Result adopted =
          step("adopt", () -> adoption.adopt(client, pool, status, all, machines, now));
      all.addAll(adopted.adopted());
      if (adopted.pending()) {
        requeueWithin(refreshPeriod);
      }
      List<NestedVirtInstance> unreadableMachines =
          all.stream().filter(m -> m.unreadable().isPresent()).toList();
      boolean valid =
          step("checkSpec", this::checkSpec)
              && step("checkTypes", this::checkTypes)
              && readable(unreadableMachines);
      boolean capacityShort = false;
      if (valid) {
        step("spot", this::reportSpot);
        step("replaceFailed", () -> replaceFailed(all));
        step("repair", () -> repair(all));
        step("drift", () -> findOutdated(all));
        step("autoscale", () -> autoscale(all));
        step("cancelScaleDown", () -> cancelScaleDown(all));
        step("rollout", () -> rollout(all));
        ScalePlanner.ScalePlan plan =
            step(
                "plan",
                () ->
                    ScalePlanner.plan(
                        target + rollout.surge(),
                        all.stream().filter(PoolController.this::serves).toList(),
                        this::workloadOn,
                        victims()));
        step("scaleDown", () -> scaleDown(plan.toRemove()));
        step("removeDrained", () -> removeDrained(all));
        if (plan.toLaunch() > 0 && !adopted.pending()) {
          capacityShort = step("scaleUp", () -> scaleUp(plan.toLaunch(), all)) > 0;
        } else if (LaunchConfigCheck.needsRecheck(pool, conditions, status.observedGeneration)) {
          step("resolveLaunchConfig", () -> launchConfig.resolve(pool, conditions, all));
        }
        reportOf(all).scaled(conditions, capacityShort);
        launchesHeldBack();
        scaleDownBlocked(plan);
      }
      boolean canConverge =
          valid
              && !conditions.isFalse(ConditionType.LAUNCH_CONFIG_VALID)
              && !adopted.pending()
              && rollout.waiting() != RolloutPlanner.Waiting.ROLLING
              && replacing == 0;
      report(all, canConverge);
    }

    private boolean checkSpec() {
      String problem = SpecCheck.problem(pool.getSpec());
      conditions.set(
          ConditionType.SPEC_VALID,
          problem == null,
          problem == null ? ConditionReason.Valid : ConditionReason.InvalidSpec,
          problem == null ? "spec is valid" : problem);
      if (problem != null && conditions.transitioned(ConditionType.SPEC_VALID)) {
        events.warning(pool, EventReason.InvalidSpec, problem);
      }
      return problem == null;
    }

    /**
     * A machine this version cannot read may run an instance or may not: the pool neither counts it
     * nor replaces it, so it does not scale until the machine is readable (fixed or deleted).
     */
    private boolean readable(List<NestedVirtInstance> unreadableMachines) {
      if (unreadableMachines.isEmpty()) {
        return true;
      }
      conditions.set(
          ConditionType.SCALED,
          false,
          ConditionReason.UnreadableMachine,
          "not scaling: this operator version cannot read machine(s) "
              + unreadableMachines.stream().map(NestedVirtInstance::name).toList()
              + " (see their Events); fix or delete them, or run a newer operator");
      return false;
    }

    private boolean checkTypes() {
      List<String> types = pool.getSpec().instanceTypes;
      InstanceTypeCheck check =
          InstanceTypeCheck.of(
              types, cloud.describeInstanceTypes(types), cloud.capableInstanceTypes());
      conditions.set(
          ConditionType.INSTANCE_TYPES_VALID, check.valid(), check.reason(), check.message());
      if (!check.valid() && conditions.transitioned(ConditionType.INSTANCE_TYPES_VALID)) {
        events.warning(pool, EventReason.InstanceTypeRefused, check.message());
      }
      return check.valid();
    }

    /**
     * A pool that buys Spot says whether EC2 lately refused one of its types on Spot for nested
     * virtualization (see {@link SpotRefusals}), and what that means for it.
     */
    private void reportSpot() {
      PoolCapacityType capacity = pool.getSpec().capacityType;
      if (capacity == null || !capacity.spot()) {
        conditions.remove(ConditionType.SPOT_ACCEPTED);
        return;
      }
      List<SpotRefusals.Refusal> refusals = spotRefusals.refusals(pool.getSpec().instanceTypes);
      if (refusals.isEmpty()) {
        conditions.set(
            ConditionType.SPOT_ACCEPTED,
            true,
            ConditionReason.SpotAccepted,
            "EC2 refused none of the pool's types on Spot in the last "
                + Durations.format(SpotRefusals.REMEMBERED));
        return;
      }
      String types =
          String.join(", ", refusals.stream().map(SpotRefusals.Refusal::instanceType).toList());
      String message =
          refusals.getFirst().message()
              + (capacity == PoolCapacityType.SPOT_THEN_ON_DEMAND
                  ? "; " + types + " launch on-demand until " + refusals.getFirst().until()
                  : "; spec.capacityType is spot, so "
                      + types
                      + " cannot launch until "
                      + refusals.getFirst().until()
                      + ": set spot-then-on-demand to fall back to on-demand");
      conditions.set(ConditionType.SPOT_ACCEPTED, false, ConditionReason.SpotRefused, message);
      if (conditions.transitioned(ConditionType.SPOT_ACCEPTED)) {
        events.warning(pool, EventReason.SpotFallback, message);
      }
      refusals.stream()
          .map(r -> Duration.between(now, r.until()).plusMillis(1))
          .min(Duration::compareTo)
          .ifPresent(this::requeueWithin);
    }

    /** Failed machines are deleted (they drain and terminate) and so replaced. */
    private void replaceFailed(List<NestedVirtInstance> all) {
      for (NestedVirtInstance m : all) {
        if (m.isDeleting()
            || deleted.containsKey(m.uid())
            || ScalePlanner.phase(m) != InstancePhase.Failed) {
          continue;
        }
        Optional<Condition> why = MachineConditions.get(m, InstanceConditions.READY);
        why.filter(c -> "LaunchRefused".equals(c.reason))
            .ifPresent(c -> LaunchConfigCheck.refused(conditions, m, c.message));
        replace(m, why.map(c -> c.reason + ": " + c.message).orElse("failed"));
      }
    }

    /**
     * An autoscaled pool acts on the autoscaler's latest decision, once: its count becomes the
     * machines serving now, plus the nodes to launch, minus the idle ones, within [minReplicas,
     * maxReplicas], and is kept in {@code status.desiredReplicas} until the next decision. Without
     * a new decision the pool holds the count it has.
     */
    private void autoscale(List<NestedVirtInstance> all) {
      if (!pool.getSpec().autoscaled()) {
        conditions.remove(ConditionType.DEMAND_SERVED);
        return;
      }
      List<NestedVirtInstance> serving = all.stream().filter(PoolController.this::serves).toList();
      int counted = serving.size() - surgeAhead(serving.size());
      decision = decisions.take(pool.name()).orElse(null);
      if (decision == null) {
        // Between decisions the pool holds what it has (a failed machine is replaced, a victim
        // taken back stays): only a decision, or a lower maxReplicas, removes nodes.
        target = pool.getSpec().autoscaling.clamp(Math.max(target, counted));
        return;
      }
      servingAtDecision = counted;
      int idle = (int) serving.stream().filter(m -> decision.idle().contains(m.name())).count();
      target = pool.getSpec().autoscaling.clamp(counted + decision.launches().size() - idle);
      List<String> waiting = decision.waitingAtMax();
      if (waiting.isEmpty()) {
        conditions.set(
            ConditionType.DEMAND_SERVED,
            true,
            ConditionReason.DemandServed,
            "no pending pod that fits the pool waits for a node it may not launch");
        return;
      }
      String message =
          waiting.size()
              + " pending pod(s) fit the pool but it is at maxReplicas "
              + pool.getSpec().autoscaling.max()
              + ": "
              + String.join(", ", waiting.subList(0, Math.min(5, waiting.size())))
              + (waiting.size() > 5 ? " and " + (waiting.size() - 5) + " more" : "")
              + "; raise spec.autoscaling.maxReplicas or add a pool they fit";
      conditions.set(
          ConditionType.DEMAND_SERVED, false, ConditionReason.MaxReplicasReached, message);
      if (conditions.transitioned(ConditionType.DEMAND_SERVED)) {
        events.warning(pool, EventReason.MaxReplicasReached, message);
      }
    }

    /**
     * Finds the serving machines that drifted (settings, instance type or image no longer the
     * pool's) or expired, and shows the image new launches use. Before the count is decided: the
     * machines a rollout launched ahead are not part of it.
     */
    private void findOutdated(List<NestedVirtInstance> all) {
      Optional<String> image = images.apply(pool);
      image.ifPresent(id -> status.image = id);
      List<NestedVirtInstance> serving = all.stream().filter(PoolController.this::serves).toList();
      outdated = OutdatedMachines.of(serving, pool.getSpec(), image, now);
      outdated.nextExpiry().ifPresent(t -> requeueWithin(Duration.between(now, t).plusMillis(1)));
      status.updatedReplicas = serving.size() - outdated.why().size();
      RolloutStatus previous = status.rollout == null ? new RolloutStatus() : status.rollout;
      if (outdated.drifted() > previous.drifted) {
        events.normal(
            pool,
            EventReason.Drifted,
            outdated.drifted() + " machine(s) drifted: " + outdated.describe());
      }
    }

    /**
     * How many of the serving machines a rollout launched ahead of the pool's count (its surge): an
     * autoscaled pool must not take them for demand, or each rollout would grow it.
     */
    private int surgeAhead(int serving) {
      if (outdated.isEmpty()) {
        return 0;
      }
      return Math.min(DisruptionSpec.of(pool.getSpec()).surge(), Math.max(0, serving - target));
    }

    /**
     * Replaces outdated machines within spec.disruption's budget and window (see {@link
     * RolloutPlanner}): a machine with a node is marked, drains (its VMs migrate) and is deleted
     * once drained; one without a node is deleted at once. Their successors launch as for any
     * missing machine, the surge ones ahead.
     */
    private void rollout(List<NestedVirtInstance> all) {
      DisruptionSpec spec = DisruptionSpec.of(pool.getSpec());
      Optional<DisruptionWindow> window = DisruptionWindow.of(spec.schedule, spec.duration);
      boolean open = window.map(w -> w.isOpen(now)).orElse(true);
      List<NestedVirtInstance> serving = all.stream().filter(PoolController.this::serves).toList();
      int underWay =
          (int)
              all.stream().filter(PoolController.this::draining).filter(marks::isReplaced).count();
      // EC2 does not wait for the window: a change it scheduled is replaced ahead of it anyway,
      // while the rest waits for the window.
      boolean scheduledOnly = !open && !outdated.scheduled().isEmpty();
      rollout =
          RolloutPlanner.plan(
              target,
              serving,
              scheduledOnly ? outdated.scheduledOnly() : outdated.why(),
              underWay,
              new RolloutPlanner.Budget(spec.surge(), spec.unavailable()),
              open || scheduledOnly,
              this::workloadOn);
      for (NestedVirtInstance m : rollout.toReplace()) {
        String why = outdated.why().get(m.name());
        if (RolloutPlanner.hasNode(m)) {
          marks.markReplaced(client, m, why, now);
          underWay++;
          events.normal(
              pool,
              EventReason.Replacing,
              "replacing " + describe(m) + " (" + why + "): draining its node");
        } else {
          delete(m);
          events.normal(
              pool,
              EventReason.Replacing,
              "replacing " + describe(m) + " (" + why + "): it has no node yet, deleted");
        }
      }
      replacing = underWay;
      RolloutStatus r = rolloutStatus();
      if (r.drifted + r.expired + scheduled(r) + r.replacing == 0
          && (!outdated.isEmpty() || replacing > 0)) {
        r.replaced = 0; // a new rollout begins
      }
      r.scheduled = outdated.scheduled().size();
      r.drifted = outdated.drifted();
      r.expired = outdated.expired();
      r.replacing = replacing;
      reportRollout(spec, window);
    }

    /** NodesUpToDate, with a Warning Event when the rollout comes to wait and one when it ends. */
    /** A status written by an older version has no scheduled count. */
    private static int scheduled(RolloutStatus r) {
      return r.scheduled == null ? 0 : r.scheduled;
    }

    private void reportRollout(DisruptionSpec spec, Optional<DisruptionWindow> window) {
      if (outdated.isEmpty() && replacing == 0) {
        conditions.set(
            ConditionType.NODES_UP_TO_DATE,
            true,
            ConditionReason.UpToDate,
            "every node matches the pool");
        if (conditions.transitioned(ConditionType.NODES_UP_TO_DATE)
            && rolloutStatus().replaced > 0) {
          events.normal(
              pool,
              EventReason.RolloutComplete,
              "every node matches the pool: " + rolloutStatus().replaced + " replaced");
        }
        return;
      }
      String what =
          outdated.why().size()
              + " node(s) to replace"
              + (outdated.isEmpty() ? "" : ": " + outdated.describe())
              + (replacing == 0 ? "" : "; " + replacing + " being replaced");
      String held =
          rollout.held().isEmpty()
              ? ""
              : "; held: "
                  + String.join(
                      "; ", rollout.held().stream().map(ScalePlanner.Held::describe).toList());
      switch (rollout.waiting()) {
        case WINDOW -> {
          DisruptionWindow w = window.orElseThrow();
          requeueWithin(Duration.between(now, w.opensAt(now)));
          waiting(
              ConditionReason.WindowClosed,
              what + "; voluntary replacement waits for the disruption window: " + w.describe(now));
        }
        case HELD ->
            waiting(
                ConditionReason.DisruptionBlocked,
                what
                    + "; every one that could go next is held"
                    + held
                    + ". The rollout goes on as soon as they are released: a VMI becomes"
                    + " migratable or stops, an annotation "
                    + DoNotDisrupt.ANNOTATION
                    + " is removed");
        default ->
            conditions.set(
                ConditionType.NODES_UP_TO_DATE,
                false,
                ConditionReason.Rolling,
                what
                    + (replacing > 0
                        ? " (at most " + (spec.surge() + spec.unavailable()) + " at once)"
                        : "; waiting for the budget: the next old node drains once the pool"
                            + " has more than "
                            + Math.max(0, target - spec.unavailable())
                            + " Ready node(s) (maxSurge "
                            + spec.surge()
                            + ", maxUnavailable "
                            + spec.unavailable()
                            + ")")
                    + held);
      }
    }

    private void waiting(ConditionReason reason, String message) {
      conditions.set(ConditionType.NODES_UP_TO_DATE, false, reason, message);
      if (conditions.changed(ConditionType.NODES_UP_TO_DATE)) {
        events.warning(pool, EventReason.RolloutWaiting, message);
      }
      requeueWithin(refreshPeriod);
    }

    private RolloutStatus rolloutStatus() {
      if (status.rollout == null) {
        status.rollout = new RolloutStatus();
      }
      return status.rollout;
    }

    /**
     * Which machines a scale-down may take: any, except for an autoscaler's decision, which removes
     * only the idle nodes it names (unless the pool is above maxReplicas: then any, idle first).
     */
    private ScalePlanner.Victims victims() {
      if (decision == null) {
        // A shrinking pool gives up outdated machines first: each is one replacement fewer.
        return new ScalePlanner.Victims(outdated.why().keySet(), false);
      }
      return new ScalePlanner.Victims(
          decision.idle(), servingAtDecision <= pool.getSpec().autoscaling.max());
    }

    /** Launches that keep failing wait (see LaunchBackoff); Scaled says so and until when. */
    private void launchesHeldBack() {
      if (conditions.isTrue(ConditionType.SCALED)) {
        return;
      }
      launchBackoff
          .holding(pool.uid(), now)
          .ifPresent(
              s -> {
                conditions.set(
                    ConditionType.SCALED,
                    false,
                    ConditionReason.LaunchBackoff,
                    s.failures()
                        + " launch(es) in a row failed (last: "
                        + s.lastError()
                        + "); launching again into a type and zone that failed not before "
                        + s.notBefore().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                requeueWithin(Duration.between(now, s.notBefore()));
              });
    }

    /**
     * Machines unhealthy for the pool's notReadyTimeout are deleted (they drain and terminate) and
     * so replaced, unless too many are unhealthy at once (see {@link RepairPlanner}).
     */
    private void repair(List<NestedVirtInstance> all) {
      RepairPlanner.RepairPlan plan =
          RepairPlanner.plan(
              RepairSpec.of(pool.getSpec()),
              all.stream().filter(PoolController.this::serves).toList(),
              all.stream().filter(m -> !serves(m)).toList(),
              now);
      String message = plan.report(conditions);
      if (plan.blocked() && conditions.transitioned(ConditionType.NODES_HEALTHY)) {
        events.warning(pool, EventReason.RepairBlocked, message);
      }
      plan.nextDeadline()
          .ifPresent(deadline -> requeueWithin(Duration.between(now, deadline).plusMillis(1)));
      for (NestedVirtInstance m : plan.toRepair()) {
        Condition why = MachineConditions.get(m, InstanceConditions.HEALTHY).orElseThrow();
        replace(
            m,
            "unhealthy for longer than "
                + Durations.format(plan.timeout())
                + " (spec.repair.notReadyTimeout): "
                + why.reason
                + ": "
                + why.message);
      }
    }

    /**
     * Victims with a node are marked and drain first (they can still be taken back); the others
     * have nothing to drain and are deleted at once.
     */
    private void scaleDown(List<NestedVirtInstance> victims) {
      if (victims.isEmpty()) {
        return;
      }
      List<String> draining = new ArrayList<>();
      List<String> removed = new ArrayList<>();
      for (NestedVirtInstance m : victims) {
        if (m.getStatus() != null && m.getStatus().nodeName != null) {
          marks.mark(client, m, now);
          draining.add(describe(m));
        } else {
          delete(m);
          removed.add(describe(m));
        }
      }
      events.normal(
          pool,
          EventReason.ScalingDown,
          "scaling down: "
              + (draining.isEmpty() ? "" : "draining " + draining)
              + (draining.isEmpty() || removed.isEmpty() ? "" : ", ")
              + (removed.isEmpty() ? "" : "removing " + removed));
    }

    /** Scale-down victims the pool needs again are taken back while their drain evicted nothing. */
    private void cancelScaleDown(List<NestedVirtInstance> all) {
      List<NestedVirtInstance> victims =
          all.stream().filter(PoolController.this::draining).toList();
      if (victims.isEmpty()) {
        return;
      }
      List<NestedVirtInstance> held = ScaleDownCancel.heldByDoNotDisrupt(victims);
      if (!held.isEmpty()) {
        held.forEach(m -> marks.unmark(client, m, now));
        events.normal(
            pool,
            EventReason.ScaleDownCancelled,
            "keeping "
                + held.stream().map(PoolController::describe).toList()
                + ": their nodes came to carry "
                + DoNotDisrupt.ANNOTATION
                + " before their drains began; choosing other nodes");
        victims = victims.stream().filter(v -> !held.contains(v)).toList();
      }
      if (pool.getSpec().autoscaled()) {
        // Its victims are idle nodes, which the pending pods the autoscaler launches for did not
        // fit: taking one back would launch again for the same pods.
        return;
      }
      int serving = (int) all.stream().filter(PoolController.this::serves).count();
      List<NestedVirtInstance> kept =
          ScaleDownCancel.choose(
              target,
              serving,
              // A replaced machine is not taken back: its successor is what the pool wants.
              victims.stream().filter(v -> !marks.isReplaced(v)).toList());
      if (kept.isEmpty()) {
        return;
      }
      kept.forEach(m -> marks.unmark(client, m, now));
      events.normal(
          pool,
          EventReason.ScaleDownCancelled,
          "keeping "
              + kept.stream().map(PoolController::describe).toList()
              + " instead of launching: their drains had evicted no pod");
    }

    /**
     * Scale-down victims whose node is drained are deleted: they terminate behind the finalizer.
     */
    private void removeDrained(List<NestedVirtInstance> all) {
      all.stream()
          .filter(PoolController.this::draining)
          .filter(
              m ->
                  MachineConditions.get(m, InstanceConditions.DRAINED)
                      .filter(c -> "True".equals(c.status))
                      .isPresent())
          .forEach(
              m -> {
                if (marks.isReplaced(m) && !deleted.containsKey(m.uid())) {
                  rolloutStatus().replaced++;
                  String why = m.replacedBecause().orElse("drifted");
                  metrics.replaced(
                      pool.name(), why.split(":", 2)[0]); // scheduled, drifted, expired
                }
                delete(m);
              });
    }

    /** Deletes a machine so that the pool launches a successor, and says why. */
    private void replace(NestedVirtInstance m, String why) {
      delete(m);
      try (var mdc =
          MDC.putCloseable(LogFields.INSTANCE, m.instanceId() == null ? "" : m.instanceId())) {
        events.warning(
            pool, EventReason.NodeReplaced, "replacing machine " + describe(m) + ": " + why);
      }
    }

    /** Deletes a machine once; its termination runs behind its finalizer. */
    void delete(NestedVirtInstance m) {
      if (deleted.putIfAbsent(m.uid(), now) == null) {
        client.resource(m).delete();
      }
    }

    /** Creates the missing machines where an offering is available; returns how many found none. */
    private int scaleUp(int count, List<NestedVirtInstance> all) {
      Optional<LaunchConfig> config = launchConfig.resolve(pool, conditions, all);
      if (config.isEmpty()) {
        return 0;
      }
      Optional<Duration> hold = launchConfig.holdAfterRefusal(pool, conditions, now);
      if (hold.isPresent()) {
        requeueWithin(hold.get());
        return 0;
      }
      List<String> inUse =
          new ArrayList<>(
              all.stream()
                  .filter(PoolController.this::serves)
                  .map(m -> m.getSpec().subnetId)
                  .toList());
      List<LaunchPlacement.Slot> slots = new ArrayList<>();
      int unplaced = 0;
      // The autoscaler's new nodes first, each on a type and zone that holds its pods.
      List<NewNode> typed = decision == null ? List.of() : decision.launches();
      for (NewNode node : typed.subList(0, Math.min(count, typed.size()))) {
        Set<String> fits =
            node.offers().stream()
                .map(o -> o.instanceType() + "/" + o.zone())
                .collect(Collectors.toSet());
        LaunchPlacement.Placement one =
            LaunchPlacement.place(
                1,
                config.get().subnets(),
                node.offers().stream().map(NodeOffer::instanceType).distinct().toList(),
                inUse,
                cloud.zoneOfferings(),
                (type, zone) ->
                    offerings.isUnavailable(type, zone) || !fits.contains(type + "/" + zone));
        one.slots().forEach(slot -> inUse.add(slot.subnet().id()));
        slots.addAll(one.slots());
        unplaced += one.unplaced();
      }
      LaunchPlacement.Placement rest =
          LaunchPlacement.place(
              count - Math.min(count, typed.size()),
              config.get().subnets(),
              pool.getSpec().instanceTypes,
              inUse,
              cloud.zoneOfferings(),
              offerings::isUnavailable);
      slots.addAll(rest.slots());
      unplaced += rest.unplaced();
      if (unplaced > 0) {
        offerings.nextExpiry().ifPresent(this::requeueWithin);
      }
      String hash = LaunchSettingsHash.of(pool.getSpec());
      List<String> created = new ArrayList<>();
      for (LaunchPlacement.Slot slot : slots) {
        var decision =
            new MachineFactory.Decision(
                slot.instanceType(),
                slot.subnet().id(),
                slot.subnet().zone(),
                spotRefusals.forMachine(pool.getSpec().capacityType, slot.instanceType()),
                hash,
                null);
        for (int i = 0; i < slot.count(); i++) {
          NestedVirtInstance m = factory.create(client, pool, decision, machines);
          all.add(m);
          created.add(m.name() + " (" + slot.instanceType() + " in " + slot.subnet().zone() + ")");
        }
      }
      if (!created.isEmpty()) {
        events.normal(pool, EventReason.ScalingUp, "scaling up: creating " + created);
      }
      return unplaced;
    }

    /**
     * What runs on a machine's node, for choosing scale-down victims (only then): one pod list per
     * node, for both the count and {@link DoNotDisrupt}. The Node is read with its pods rather than
     * from the informer's cache, so that an annotation set just before a scale-down holds for it.
     */
    private NodeWorkload workloadOn(NestedVirtInstance m) {
      String node = m.getStatus() == null ? null : m.getStatus().nodeName;
      if (node == null) {
        return NodeWorkload.NONE;
      }
      List<Vm> onNode = vms.onNode(node);
      try {
        return NodeWorkload.of(
            client.nodes().withName(node).get(),
            client.pods().inAnyNamespace().withField("spec.nodeName", node).list().getItems(),
            onNode);
      } catch (KubernetesClientException e) {
        log.info(
            "pool {}: cannot read node {} and its pods: {}", pool.name(), node, e.getMessage());
        return NodeWorkload.unreadable(e.getMessage(), onNode);
      }
    }

    /**
     * Fewer machines can go than the pool has too many: Scaled says which nodes stay and what holds
     * each, with a Warning Event when that changes (not on every reconcile). Releasing a hold
     * changes a pod, a VMI or a Node, none of which wakes the pool (Node changes wake its machine,
     * whose status does not change): a blocked pool looks again every refresh period.
     */
    private void scaleDownBlocked(ScalePlanner.ScalePlan plan) {
      if (plan.blocked() == 0) {
        return;
      }
      String message = plan.blockedMessage();
      conditions.set(ConditionType.SCALED, false, ConditionReason.ScaleDownBlocked, message);
      if (conditions.changed(ConditionType.SCALED)) {
        events.warning(pool, EventReason.ScaleDownBlocked, message);
      }
      requeueWithin(refreshPeriod);
    }

    private PoolReport reportOf(List<NestedVirtInstance> all) {
      return new PoolReport(
          target + rollout.surge(), all.stream().filter(PoolController.this::serves).toList(), all);
    }

    /** The status from the machines: counts, and the kstatus conditions from the step ones. */
    void report(List<NestedVirtInstance> all, boolean canConverge) {
      PoolReport report = reportOf(all);
      boolean converged = canConverge && report.complete();
      status.conditions =
          conditions.finish(
              converged, report.ready() + " of " + report.desired() + " nodes verified and Ready");
      status.observedGeneration = pool.getMetadata().getGeneration();
      status.desiredReplicas = target;
      status.replicas = report.serving().size();
      status.readyReplicas = (int) report.ready();
      status.selector = NodeLabels.POOL + "=" + pool.name();
      status.phaseCounts = report.phaseCounts();
      if (!converged) {
        requeueWithin(refreshPeriod);
      }
      metrics.poolObserved(
          pool.name(),
          report.desired(),
          (int) report.ready(),
          outdated.why().size(),
          status.phaseCounts);
    }

    private <T> T step(String name, Supplier<T> body) {
      try {
        return metrics.step(pool.name(), name, body);
      } catch (RuntimeException e) {
        failedStep.put(pool.uid(), name);
        throw e;
      }
    }

    private void step(String name, Runnable body) {
      step(
          name,
          () -> {
            body.run();
            return null;
          });
    }

    void writeIfChanged(Context<NestedVirtPool> context) {
      if (Json.of(status).equals(statusAtStart)) {
        return; // a steady pool writes nothing: no API server load, no watch events for others
      }
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
          pool,
          context,
          p -> {
            p.setStatus(status);
            return p;
          });
    }

    private void requeueWithin(Duration d) {
      Duration bounded = d.isNegative() ? Duration.ZERO : d;
      if (requeue == null || bounded.compareTo(requeue) < 0) {
        requeue = bounded;
      }
    }
  }

  /** A machine as Events name it: its name, and its instance once it has one. */
  private static String describe(NestedVirtInstance m) {
    return m.name() + (m.instanceId() == null ? "" : " (" + m.instanceId() + ")");
  }
}
