package io.nestedvirt.operator.pool;

import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.nestedvirt.operator.api.v1alpha1.InstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.api.v1alpha1.PendingLaunch;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InsufficientCapacityException;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.cloud.ThrottledException;
import io.nestedvirt.operator.cloud.UnsupportedInstanceTypeException;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a pool's instance count at its spec. Reads top to bottom: check the instance types, observe
 * the pool's instances, finish launches decided earlier, plan, terminate the excess, launch what is
 * missing, report. Status is written at the end; the only other write records a launch decision
 * before EC2 is called, so a crash can never turn one decision into two launches.
 */
@ControllerConfiguration(name = "nestedvirtpool", finalizerName = PoolReconciler.FINALIZER)
public final class PoolReconciler implements Reconciler<NestedVirtPool>, Cleaner<NestedVirtPool> {
  public static final String FINALIZER = "nestedvirt.io/finalizer";
  private static final Logger log = LoggerFactory.getLogger(PoolReconciler.class);

  private final CloudProvider cloud;
  private final InstanceInventory inventory;
  private final LaunchConfigResolver resolver;
  private final LaunchRequestFactory requests;
  private final UnavailableOfferings offerings;
  private final EventRecorder events;
  private final PoolSettings settings;
  private final Clock clock;

  public PoolReconciler(
      CloudProvider cloud,
      InstanceInventory inventory,
      LaunchConfigResolver resolver,
      UnavailableOfferings offerings,
      EventRecorder events,
      PoolSettings settings,
      Clock clock) {
    this.cloud = cloud;
    this.inventory = inventory;
    this.resolver = resolver;
    this.requests = new LaunchRequestFactory(settings.clusterName());
    this.offerings = offerings;
    this.events = events;
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, NestedVirtPool>> prepareEventSources(
      EventSourceContext<NestedVirtPool> context) {
    return List.of(inventory.eventSource());
  }

  @Override
  public UpdateControl<NestedVirtPool> reconcile(
      NestedVirtPool pool, Context<NestedVirtPool> context) {
    Pass pass = new Pass(pool, context);
    pass.run();
    return pass.control();
  }

  @Override
  public DeleteControl cleanup(NestedVirtPool pool, Context<NestedVirtPool> context) {
    Instant now = clock.instant();
    NestedVirtPoolStatus status = pool.getStatus();
    boolean recentDecision =
        status != null
            && status.pendingLaunches.stream()
                .anyMatch(
                    p -> Instant.parse(p.decidedAt).plus(settings.launchGrace()).isAfter(now));
    List<Instance> live = owned(pool).stream().filter(i -> i.state().isActive()).toList();
    if (!live.isEmpty()) {
      List<String> ids = live.stream().map(Instance::id).sorted().toList();
      cloud.terminate(ids);
      log.info("pool {} deleted: terminating {}", pool.name(), ids);
      events.normal(pool, EventReason.Terminating, "pool deleted: terminating " + ids);
      return DeleteControl.noFinalizerRemoval()
          .rescheduleAfter(settings.refreshPeriod().toMillis());
    }
    if (recentDecision) {
      // A launch decided moments ago may not be listed yet; wait until it would be.
      return DeleteControl.noFinalizerRemoval()
          .rescheduleAfter(settings.refreshPeriod().toMillis());
    }
    log.info("pool {} deleted: every instance is shutting down or gone", pool.name());
    return DeleteControl.defaultDelete();
  }

  /**
   * EC2 reports nested virtualization per instance; only an endpoint that reports nothing (an
   * emulator that predates the option) can be told to trust the launch request instead.
   */
  private boolean runsNestedVirtualization(Instance i) {
    return switch (i.nestedVirtualization()) {
      case ENABLED -> true;
      case DISABLED -> false;
      case UNREPORTED -> settings.trustUnreportedNestedVirtualization();
    };
  }

  /** The pool's own instances: listed under its name and carrying its uid. */
  private List<Instance> owned(NestedVirtPool pool) {
    return inventory.of(pool).stream()
        .filter(i -> pool.uid().equals(i.tag(Tags.POOL_UID)))
        .toList();
  }

  /** One reconcile of one pool. */
  private final class Pass {
    private final NestedVirtPool pool;
    private final Context<NestedVirtPool> context;
    private final Instant now;
    private final NestedVirtPoolStatus status;
    private final PoolConditions conditions;

    /** Instances by id, as observed and then as changed by this pass. */
    private final Map<String, Instance> instances = new LinkedHashMap<>();

    /** Null when nothing needs a timed look (events from EC2 and the API server suffice). */
    private Duration requeue;

    private final String statusAtStart;
    private boolean capacityShort;
    private boolean typesValid;
    private boolean configValid = true;

    /** Set when a cloud error already explained why the pool is not scaled. */
    private boolean scaledReported;

    Pass(NestedVirtPool pool, Context<NestedVirtPool> context) {
      this.pool = pool;
      this.context = context;
      this.now = clock.instant();
      this.status = pool.getStatus() != null ? pool.getStatus() : new NestedVirtPoolStatus();
      this.conditions =
          new PoolConditions(status.conditions, pool.getMetadata().getGeneration(), now);
      this.statusAtStart = Json.of(status);
    }

    void run() {
      observe();
      typesValid = checkSpec() && checkInstanceTypes();
      if (typesValid) {
        finishPendingLaunches();
        ScalePlanner.ScalePlan plan = ScalePlanner.plan(pool.getSpec().replicas, active(), 0);
        terminate(plan.toTerminate());
        if (plan.toLaunch() > 0) {
          launch(plan.toLaunch());
        } else if (launchConfigNeedsRecheck()) {
          resolveLaunchConfig();
        }
      }
      report();
    }

    UpdateControl<NestedVirtPool> control() {
      UpdateControl<NestedVirtPool> control = UpdateControl.noUpdate();
      return requeue == null ? control : control.rescheduleAfter(requeue.toMillis());
    }

    private void observe() {
      owned(pool).forEach(i -> instances.put(i.id(), i));
      // A listing can lag behind a launch; an instance we recorded recently still counts.
      for (InstanceStatus s : status.instances) {
        if (!instances.containsKey(s.id)
            && s.launchTime != null
            && Instant.parse(s.launchTime).plus(settings.launchGrace()).isAfter(now)
            && InstanceState.fromWireName(s.state).isActive()) {
          instances.put(s.id, InstanceStatuses.toInstance(s, pool));
        }
      }
    }

    /**
     * Launch settings are checked only when launching, so a steady pool costs no Describe calls;
     * but a verdict of "invalid" is rechecked until it clears, and a spec change is checked at
     * once, so the condition never goes stale.
     */
    private boolean launchConfigNeedsRecheck() {
      return !conditions.isTrue(ConditionType.LAUNCH_CONFIG_VALID)
          || !pool.getMetadata().getGeneration().equals(status.observedGeneration);
    }

    private List<Instance> active() {
      return instances.values().stream().filter(i -> i.state().isActive()).toList();
    }

    private boolean checkSpec() {
      String problem = SpecCheck.problem(pool.getSpec());
      conditions.set(
          ConditionType.SPEC_VALID,
          problem == null,
          problem == null ? ConditionReason.Valid : ConditionReason.InvalidSpec,
          problem == null ? "spec is valid" : problem);
      if (problem != null && conditions.transitioned(ConditionType.SPEC_VALID)) {
        log.warn("pool {}: {}", pool.name(), problem);
        events.warning(pool, EventReason.InvalidSpec, problem);
      }
      return problem == null;
    }

    private boolean checkInstanceTypes() {
      List<String> types = pool.getSpec().instanceTypes;
      InstanceTypeCheck check =
          InstanceTypeCheck.of(
              types, cloud.describeInstanceTypes(types), cloud.capableInstanceTypes());
      conditions.set(
          ConditionType.INSTANCE_TYPES_VALID, check.valid(), check.reason(), check.message());
      if (!check.valid() && conditions.transitioned(ConditionType.INSTANCE_TYPES_VALID)) {
        log.warn("pool {}: {}", pool.name(), check.message());
        events.warning(pool, EventReason.InstanceTypeRefused, check.message());
      }
      return check.valid();
    }

    /** Repeats launches recorded in status with their own client tokens (idempotent). */
    private void finishPendingLaunches() {
      if (status.pendingLaunches.isEmpty()) {
        return;
      }
      LaunchConfig config = resolveLaunchConfig();
      List<PendingLaunch> pending = new ArrayList<>(status.pendingLaunches);
      status.pendingLaunches.clear();
      if (config == null) {
        return;
      }
      for (PendingLaunch p : pending) {
        // Instances carry their launch's client token: a launch the listing already shows is
        // done, and repeating it would rely on the endpoint's idempotency alone.
        long listed =
            instances.values().stream().filter(i -> p.clientToken.equals(i.clientToken())).count();
        if (listed < p.count) {
          runLaunch(config, p);
        }
      }
    }

    private void terminate(List<Instance> victims) {
      if (victims.isEmpty()) {
        return;
      }
      List<String> ids = victims.stream().map(Instance::id).toList();
      try {
        cloud.terminate(ids);
      } catch (CloudException e) {
        cloudTrouble("terminate " + ids, e);
        return;
      }
      log.info("pool {}: scaling down, terminating {}", pool.name(), ids);
      events.normal(pool, EventReason.Terminating, "scaling down: terminating " + ids);
      List<Instance> terminating =
          victims.stream()
              .map(v -> InstanceStatuses.withState(v, InstanceState.SHUTTING_DOWN))
              .toList();
      terminating.forEach(t -> instances.put(t.id(), t));
      inventory.recordTerminating(pool, terminating);
    }

    private void launch(int count) {
      if (count <= 0) {
        return;
      }
      LaunchConfig config = resolveLaunchConfig();
      if (config == null) {
        return;
      }
      LaunchPlacement.Placement placement =
          LaunchPlacement.place(
              count,
              config.subnets(),
              pool.getSpec().instanceTypes,
              active(),
              offerings::isUnavailable);
      if (placement.unplaced() > 0) {
        capacityShort = true;
        offerings.nextExpiry().ifPresent(this::requeueWithin);
      }
      if (placement.slots().isEmpty()) {
        return;
      }
      // Record the decision (with its client tokens) before calling EC2.
      long sequence = status.launchSequence == null ? 0 : status.launchSequence;
      List<PendingLaunch> decided = new ArrayList<>();
      for (LaunchPlacement.Slot slot : placement.slots()) {
        decided.add(
            new PendingLaunch(
                ClientTokens.forLaunch(pool.uid(), ++sequence),
                slot.count(),
                slot.instanceType(),
                slot.subnet().id(),
                now.toString()));
      }
      status.launchSequence = sequence;
      status.pendingLaunches.addAll(decided);
      writeStatus();
      for (PendingLaunch p : decided) {
        status.pendingLaunches.remove(p);
        runLaunch(config, p);
      }
    }

    /** One RunInstances for a recorded decision; on failure the decision is dropped. */
    private void runLaunch(LaunchConfig config, PendingLaunch p) {
      try {
        List<Instance> launched =
            cloud.launch(
                requests.build(pool, config, p.clientToken, p.count, p.instanceType, p.subnetId));
        launched.forEach(i -> instances.put(i.id(), i));
        inventory.recordLaunched(pool, launched);
        List<String> ids = launched.stream().map(Instance::id).toList();
        log.info("pool {}: launched {} {} in {}", pool.name(), p.instanceType, ids, p.subnetId);
        events.normal(
            pool,
            EventReason.Launched,
            "launched " + p.count + " " + p.instanceType + " in " + p.subnetId + ": " + ids);
      } catch (InsufficientCapacityException e) {
        String zone = zoneOf(config, p.subnetId);
        offerings.markUnavailable(p.instanceType, zone);
        capacityShort = true;
        requeueWithin(Duration.ZERO);
        String message =
            "no capacity for " + p.instanceType + " in " + zone + "; trying the next type or zone";
        log.warn("pool {}: {}", pool.name(), message);
        events.warning(pool, EventReason.CapacityFallback, message);
      } catch (UnsupportedInstanceTypeException e) {
        conditions.set(
            ConditionType.LAUNCH_CONFIG_VALID,
            false,
            ConditionReason.LaunchRefused,
            "EC2 refused " + p.instanceType + ": " + e.getMessage());
        configValid = false;
        events.warning(pool, EventReason.LaunchFailed, e.getMessage());
      } catch (CloudException e) {
        cloudTrouble("launch " + p.count + " " + p.instanceType, e);
      }
    }

    private LaunchConfig resolveLaunchConfig() {
      LaunchConfigResolver.Result result = resolver.resolve(pool.getSpec());
      if (result instanceof LaunchConfigResolver.Invalid invalid) {
        conditions.set(
            ConditionType.LAUNCH_CONFIG_VALID, false, invalid.reason(), invalid.message());
        configValid = false;
        if (conditions.transitioned(ConditionType.LAUNCH_CONFIG_VALID)) {
          log.warn("pool {}: {}", pool.name(), invalid.message());
          events.warning(pool, EventReason.LaunchConfigInvalid, invalid.message());
        }
        return null;
      }
      conditions.set(
          ConditionType.LAUNCH_CONFIG_VALID,
          true,
          ConditionReason.Resolved,
          "subnets, security groups and image resolved");
      return ((LaunchConfigResolver.Resolved) result).config();
    }

    private void cloudTrouble(String what, CloudException e) {
      log.warn("pool {}: {} failed: {} {}", pool.name(), what, e.code(), e.getMessage());
      scaledReported = true;
      conditions.set(
          ConditionType.SCALED,
          false,
          e instanceof ThrottledException ? ConditionReason.Throttled : ConditionReason.CloudError,
          what + " failed: " + e.getMessage());
      requeueWithin(Duration.ofSeconds(10));
    }

    private void requeueWithin(Duration d) {
      Duration bounded = d.isNegative() ? Duration.ZERO : d;
      if (requeue == null || bounded.compareTo(requeue) < 0) {
        requeue = bounded;
      }
    }

    private void report() {
      int desired = Math.max(0, pool.getSpec().replicas == null ? 0 : pool.getSpec().replicas);
      List<Instance> active = active();
      long ready =
          active.stream()
              .filter(i -> i.state() == InstanceState.RUNNING && runsNestedVirtualization(i))
              .count();
      if (typesValid && !scaledReported) {
        if (active.size() == desired) {
          conditions.set(
              ConditionType.SCALED, true, ConditionReason.Scaled, desired + " instances");
        } else if (capacityShort) {
          conditions.set(
              ConditionType.SCALED,
              false,
              ConditionReason.InsufficientCapacity,
              active.size()
                  + " of "
                  + desired
                  + " instances: no capacity for the listed types in the subnets' zones;"
                  + " retrying, or add instance types or subnets");
        } else {
          conditions.set(
              ConditionType.SCALED,
              false,
              active.size() < desired ? ConditionReason.ScalingUp : ConditionReason.ScalingDown,
              active.size() + " of " + desired + " instances");
        }
      }
      boolean converged =
          typesValid
              && configValid
              && active.size() == desired
              && ready == desired
              && status.pendingLaunches.isEmpty();
      status.conditions =
          conditions.finish(
              converged,
              ready + " of " + desired + " instances running with nested virtualization");
      status.observedGeneration = pool.getMetadata().getGeneration();
      status.replicas = active.size();
      status.readyReplicas = (int) ready;
      status.selector = "nestedvirt.io/pool=" + pool.name();
      status.instances =
          instances.values().stream()
              .filter(i -> i.state() != InstanceState.TERMINATED)
              .sorted(Comparator.comparing(Instance::id))
              .map(InstanceStatuses::of)
              .toList();
      if (!converged) {
        requeueWithin(settings.refreshPeriod());
      }
      // A steady pool writes nothing: no API server load, no watch events for others.
      if (!Json.of(status).equals(statusAtStart)) {
        writeStatus();
      }
    }

    private void writeStatus() {
      NestedVirtPool written =
          PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
              pool,
              context,
              p -> {
                p.setStatus(status);
                return p;
              });
      pool.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
    }

    private String zoneOf(LaunchConfig config, String subnetId) {
      return config.subnets().stream()
          .filter(s -> s.id().equals(subnetId))
          .map(s -> s.zone())
          .findFirst()
          .orElse("unknown");
    }
  }
}
