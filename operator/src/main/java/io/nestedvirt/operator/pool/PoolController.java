package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.nestedvirt.operator.Json;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.instance.ClusterCaches;
import io.nestedvirt.operator.instance.InstanceListing;
import io.nestedvirt.operator.instance.InstancePhase;
import io.nestedvirt.operator.launch.LaunchConfig;
import io.nestedvirt.operator.launch.LaunchConfigResolver;
import io.nestedvirt.operator.launch.LaunchSettingsHash;
import io.nestedvirt.operator.launch.UnavailableOfferings;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps a pool at its spec by creating and deleting its machines (NestedVirtInstances), as a
 * MachineSet does with Machines. A reconcile reads top to bottom: observe the pool's machines,
 * adopt what an earlier operator version left in status, check the spec and its instance types,
 * replace failed machines, plan the count (a pure function), delete the victims, create what is
 * missing where it fits, report. It never calls EC2 to launch or terminate; each machine does that
 * itself. Status is written once, at the end, and only when it changed.
 */
@ControllerConfiguration(
    name = PoolController.NAME,
    finalizerName = PoolController.FINALIZER,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
@GradualRetry(maxAttempts = -1, initialInterval = 1000, intervalMultiplier = 2, maxInterval = 60000)
public final class PoolController implements Reconciler<NestedVirtPool>, Cleaner<NestedVirtPool> {
  public static final String NAME = "nestedvirtpool";
  public static final String FINALIZER = "nestedvirt.io/finalizer";
  private static final Logger log = LoggerFactory.getLogger(PoolController.class);

  private final CloudProvider cloud;
  private final InstanceListing listing;
  private final LaunchConfigResolver resolver;
  private final UnavailableOfferings offerings;
  private final MachineFactory factory;
  private final Adoption adoption;
  private final EventRecorder events;
  private final ClusterCaches caches;
  private final Clock clock;
  private final Duration refreshPeriod;
  private final Duration offeringCooldown;
  private final OperatorMetrics metrics;

  /**
   * Machines this controller deleted that its cache does not show as deleting yet; they count as
   * leaving, so a reconcile in between never chooses another victim in their place.
   */
  private final Map<String, Instant> deleted = new ConcurrentHashMap<>();

  /** How long a deletion is remembered at most (the informer shows it long before). */
  private static final Duration DELETION_MEMORY = Duration.ofMinutes(2);

  private InformerEventSource<NestedVirtInstance, NestedVirtPool> machines;

  public PoolController(
      CloudProvider cloud,
      InstanceListing listing,
      LaunchConfigResolver resolver,
      UnavailableOfferings offerings,
      io.nestedvirt.operator.instance.LaunchLedger ledger,
      EventRecorder events,
      ClusterCaches caches,
      Clock clock,
      Duration refreshPeriod,
      Duration offeringCooldown,
      Duration launchGrace,
      OperatorMetrics metrics) {
    this.cloud = cloud;
    this.listing = listing;
    this.resolver = resolver;
    this.offerings = offerings;
    this.factory = new MachineFactory(ledger);
    this.adoption = new Adoption(listing, factory, events, launchGrace);
    this.events = events;
    this.caches = caches;
    this.clock = clock;
    this.refreshPeriod = refreshPeriod;
    this.offeringCooldown = offeringCooldown;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, NestedVirtPool>> prepareEventSources(
      EventSourceContext<NestedVirtPool> context) {
    machines =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(NestedVirtInstance.class, NestedVirtPool.class)
                .withName("machines")
                .withSecondaryToPrimaryMapper(
                    Mappers.fromOwnerReferences(NestedVirtPool.class, true))
                .build(),
            context);
    caches.attachPools(context.getPrimaryCache());
    return List.of(machines);
  }

  @Override
  public UpdateControl<NestedVirtPool> reconcile(
      NestedVirtPool pool, Context<NestedVirtPool> context) {
    long start = System.nanoTime();
    try (var mdc = MDC.putCloseable(LogFields.POOL, pool.name())) {
      Reconcile r = new Reconcile(pool, context.getClient());
      r.run();
      if (r.statusChanged()) {
        writeStatus(pool, r.status, context);
      }
      UpdateControl<NestedVirtPool> control = UpdateControl.noUpdate();
      return r.requeue == null ? control : control.rescheduleAfter(r.requeue.toMillis());
    } finally {
      metrics.reconciled(pool.name(), System.nanoTime() - start);
    }
  }

  /**
   * The pool is being deleted: every machine is deleted (each drains and terminates behind its own
   * finalizer), and anything EC2 still runs under the pool's uid that no machine claims is
   * terminated; the pool's finalizer goes once nothing is left.
   */
  @Override
  public DeleteControl cleanup(NestedVirtPool pool, Context<NestedVirtPool> context) {
    try (var mdc = MDC.putCloseable(LogFields.POOL, pool.name())) {
      List<NestedVirtInstance> left = machinesOf(pool);
      for (NestedVirtInstance m : left) {
        if (!m.isDeleting() && deleted.putIfAbsent(m.uid(), clock.instant()) == null) {
          context.getClient().resource(m).delete();
        }
      }
      List<String> unclaimed = left.isEmpty() ? unclaimedInstances(pool) : List.of();
      if (!unclaimed.isEmpty()) {
        cloud.terminate(unclaimed);
        log.warn(
            "pool {} deleted: terminated {}, which no machine claimed", pool.name(), unclaimed);
      }
      if (left.isEmpty() && unclaimed.isEmpty()) {
        log.info("pool {} deleted: every machine is gone", pool.name());
        metrics.poolDeleted(pool.name());
        resolver.forget(pool);
        return DeleteControl.defaultDelete();
      }
      Reconcile r = new Reconcile(pool, context.getClient());
      r.conditions.set(
          ConditionType.SCALED,
          false,
          ConditionReason.Deleting,
          "pool deleted: " + left.size() + " machine(s) draining and terminating");
      r.report(left, true);
      if (r.statusChanged()) {
        writeStatus(pool, r.status, context);
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(refreshPeriod.toMillis());
    }
  }

  /** Instances still running under the pool's uid that no machine claims (by id or token). */
  private List<String> unclaimedInstances(NestedVirtPool pool) {
    return listing.ofPool(pool.uid()).stream().map(Instance::id).toList();
  }

  private void writeStatus(
      NestedVirtPool pool, NestedVirtPoolStatus status, Context<NestedVirtPool> context) {
    PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(
        pool,
        context,
        p -> {
          p.setStatus(status);
          return p;
        });
  }

  /** The pool's machines as the cache (and our own recent writes) show them. */
  private List<NestedVirtInstance> machinesOf(NestedVirtPool pool) {
    Instant forgetBefore = clock.instant().minus(DELETION_MEMORY);
    deleted.values().removeIf(at -> at.isBefore(forgetBefore));
    List<NestedVirtInstance> owned = new ArrayList<>(machines.getSecondaryResources(pool));
    owned.stream().filter(NestedVirtInstance::isDeleting).forEach(m -> deleted.remove(m.uid()));
    return owned;
  }

  /** A machine that counts toward the pool: not failed, not leaving. */
  private boolean serves(NestedVirtInstance m) {
    return !m.isDeleting()
        && !deleted.containsKey(m.uid())
        && ScalePlanner.phase(m) != InstancePhase.Failed;
  }

  /** One reconcile of one pool; its fields are what the steps pass along, in order. */
  private final class Reconcile {
    private final NestedVirtPool pool;
    private final KubernetesClient client;
    private final Instant now = clock.instant();
    private final NestedVirtPoolStatus status;
    private final PoolConditions conditions;
    private final String statusAtStart;
    private Duration requeue;

    Reconcile(NestedVirtPool pool, KubernetesClient client) {
      this.pool = pool;
      this.client = client;
      this.status = copy(pool.getStatus());
      this.statusAtStart = Json.of(status);
      this.conditions =
          new PoolConditions(status.conditions, pool.getMetadata().getGeneration(), now);
    }

    void run() {
      List<NestedVirtInstance> machines = new ArrayList<>(machinesOf(pool));
      Adoption.Result adopted =
          step(
              "adopt",
              () ->
                  adoption.adopt(
                      client, pool, status, machines, PoolController.this.machines, now));
      machines.addAll(adopted.adopted());
      if (adopted.pending()) {
        requeueWithin(refreshPeriod);
      }
      boolean valid = step("checkSpec", this::checkSpec) && step("checkTypes", this::checkTypes);
      boolean configValid = true;
      boolean capacityShort = false;
      if (valid) {
        step("replaceFailed", () -> replaceFailed(machines));
        ScalePlanner.ScalePlan plan =
            step(
                "plan",
                () ->
                    ScalePlanner.plan(
                        pool.getSpec().replicas,
                        machines.stream().filter(PoolController.this::serves).toList(),
                        this::podsOn));
        step("scaleDown", () -> scaleDown(plan.toRemove()));
        if (plan.toLaunch() > 0 && !adopted.pending()) {
          Placed placed = step("scaleUp", () -> scaleUp(plan.toLaunch(), machines));
          configValid = placed.configValid();
          capacityShort = placed.unplaced() > 0;
        } else if (launchConfigNeedsRecheck()) {
          configValid = step("resolveLaunchConfig", () -> resolve(machines) != null);
        }
        configValid = configValid && !conditions.isFalse(ConditionType.LAUNCH_CONFIG_VALID);
        scaled(machines, capacityShort);
      }
      report(machines, valid && configValid && !adopted.pending());
    }

    private <T> T step(String name, Supplier<T> body) {
      long start = System.nanoTime();
      try {
        return body.get();
      } catch (RuntimeException e) {
        metrics.stepFailed(pool.name(), name);
        throw e;
      } finally {
        metrics.stepTook(name, System.nanoTime() - start);
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

    /** Failed machines are deleted (they drain and terminate) and so replaced. */
    private void replaceFailed(List<NestedVirtInstance> machines) {
      for (NestedVirtInstance m : machines) {
        if (m.isDeleting()
            || deleted.containsKey(m.uid())
            || ScalePlanner.phase(m) != InstancePhase.Failed) {
          continue;
        }
        var ready = readyCondition(m);
        String why = ready == null ? "failed" : ready.reason + ": " + ready.message;
        if ("LaunchRefused".equals(ready == null ? null : ready.reason)) {
          conditions.set(
              ConditionType.LAUNCH_CONFIG_VALID,
              false,
              ConditionReason.LaunchRefused,
              "EC2 refused to launch " + m.getSpec().instanceType + ": " + ready.message);
        }
        delete(m);
        try (var mdc =
            MDC.putCloseable(LogFields.INSTANCE, m.instanceId() == null ? "" : m.instanceId())) {
          events.warning(
              pool,
              EventReason.NodeReplaced,
              "replacing machine "
                  + m.name()
                  + (m.instanceId() == null ? "" : " (" + m.instanceId() + ")")
                  + ": "
                  + why);
        }
      }
    }

    private void scaleDown(List<NestedVirtInstance> victims) {
      if (victims.isEmpty()) {
        return;
      }
      victims.forEach(this::delete);
      events.normal(
          pool,
          EventReason.ScalingDown,
          "scaling down: removing "
              + victims.stream()
                  .map(m -> m.name() + (m.instanceId() == null ? "" : " (" + m.instanceId() + ")"))
                  .toList());
    }

    private void delete(NestedVirtInstance m) {
      if (deleted.putIfAbsent(m.uid(), now) == null) {
        client.resource(m).delete();
      }
    }

    /** What a scale-up could do. */
    private record Placed(boolean configValid, int unplaced) {}

    /** Creates the missing machines where an offering is available. */
    private Placed scaleUp(int count, List<NestedVirtInstance> machines) {
      LaunchConfig config = resolve(machines);
      if (config == null) {
        return new Placed(false, 0);
      }
      if (holdAfterRefusal()) {
        return new Placed(false, 0);
      }
      List<String> subnetsInUse =
          machines.stream()
              .filter(PoolController.this::serves)
              .map(m -> m.getSpec().subnetId)
              .toList();
      LaunchPlacement.Placement placement =
          LaunchPlacement.place(
              count,
              config.subnets(),
              pool.getSpec().instanceTypes,
              subnetsInUse,
              offerings::isUnavailable);
      if (placement.unplaced() > 0) {
        offerings.nextExpiry().ifPresent(this::requeueWithin);
      }
      String hash = LaunchSettingsHash.of(pool.getSpec());
      List<String> created = new ArrayList<>();
      for (LaunchPlacement.Slot slot : placement.slots()) {
        for (int i = 0; i < slot.count(); i++) {
          NestedVirtInstance m =
              factory.create(
                  client,
                  pool,
                  new MachineFactory.Decision(
                      slot.instanceType(),
                      slot.subnet().id(),
                      slot.subnet().zone(),
                      pool.getSpec().capacityType,
                      hash,
                      null),
                  PoolController.this.machines);
          machines.add(m);
          created.add(m.name() + " (" + slot.instanceType() + " in " + slot.subnet().zone() + ")");
        }
      }
      if (!created.isEmpty()) {
        events.normal(pool, EventReason.ScalingUp, "scaling up: creating " + created);
      }
      return new Placed(true, placement.unplaced());
    }

    /**
     * After EC2 refused a launch for its parameters, the pool stays Stalled until its spec changes
     * or a machine launches; meanwhile it tries again once per offering cooldown, not at once.
     */
    private boolean holdAfterRefusal() {
      var refusal = conditions.get(ConditionType.LAUNCH_CONFIG_VALID).orElse(null);
      if (refusal == null
          || !"False".equals(refusal.status)
          || !ConditionReason.LaunchRefused.name().equals(refusal.reason)
          || !pool.getMetadata().getGeneration().equals(refusal.observedGeneration)) {
        return false;
      }
      Instant retry = Instant.parse(refusal.lastTransitionTime).plus(offeringCooldown);
      if (now.isBefore(retry)) {
        requeueWithin(Duration.between(now, retry));
        return true;
      }
      return false;
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

    /** The pool's launch config, or null with LaunchConfigValid=False saying why. */
    private LaunchConfig resolve(List<NestedVirtInstance> machines) {
      var refused = conditions.get(ConditionType.LAUNCH_CONFIG_VALID).orElse(null);
      boolean refusalStands =
          refused != null
              && "False".equals(refused.status)
              && ConditionReason.LaunchRefused.name().equals(refused.reason)
              && pool.getMetadata().getGeneration().equals(refused.observedGeneration)
              && !launchedSince(machines, Instant.parse(refused.lastTransitionTime));
      LaunchConfigResolver.Result result = resolver.resolve(pool);
      if (result instanceof LaunchConfigResolver.Invalid invalid) {
        conditions.set(
            ConditionType.LAUNCH_CONFIG_VALID,
            false,
            ConditionReason.valueOf(invalid.problem().name()),
            invalid.message());
        if (conditions.transitioned(ConditionType.LAUNCH_CONFIG_VALID)) {
          events.warning(pool, EventReason.LaunchConfigInvalid, invalid.message());
        }
        return null;
      }
      if (!refusalStands) {
        conditions.set(
            ConditionType.LAUNCH_CONFIG_VALID,
            true,
            ConditionReason.Resolved,
            "subnets, security groups, image and bootstrap resolved");
      }
      return ((LaunchConfigResolver.Resolved) result).config();
    }

    /** Whether a machine of the pool launched after {@code since}. */
    private boolean launchedSince(List<NestedVirtInstance> machines, Instant since) {
      return machines.stream()
          .map(m -> m.getStatus() == null ? null : m.getStatus().launchTime)
          .filter(t -> t != null)
          .anyMatch(t -> Instant.parse(t).isAfter(since));
    }

    /** Pods on a machine's node, for choosing scale-down victims (only then). */
    private int podsOn(NestedVirtInstance m) {
      String node = m.getStatus() == null ? null : m.getStatus().nodeName;
      if (node == null) {
        return 0;
      }
      try {
        return client
            .pods()
            .inAnyNamespace()
            .withField("spec.nodeName", node)
            .list()
            .getItems()
            .size();
      } catch (KubernetesClientException e) {
        log.info(
            "pool {}: cannot count the pods of node {}: {}", pool.name(), node, e.getMessage());
        return 0;
      }
    }

    /**
     * The Scaled condition: does the pool have as many machines as it asks for, and if not, why.
     */
    private void scaled(List<NestedVirtInstance> machines, boolean capacityShort) {
      int desired = Math.max(0, pool.getSpec().replicas);
      List<NestedVirtInstance> serving =
          machines.stream().filter(PoolController.this::serves).toList();
      long leaving = machines.stream().filter(m -> !serves(m)).count();
      String count = serving.size() + " of " + desired + " machines";
      var launchTrouble = launchTrouble(serving);
      String drainStuck = drainStuck(machines);
      if (serving.size() == desired && leaving == 0) {
        conditions.set(ConditionType.SCALED, true, ConditionReason.Scaled, desired + " machines");
      } else if (drainStuck != null) {
        conditions.set(ConditionType.SCALED, false, ConditionReason.DrainStuck, drainStuck);
      } else if (capacityShort) {
        conditions.set(
            ConditionType.SCALED,
            false,
            ConditionReason.InsufficientCapacity,
            count
                + ": no capacity for the listed types in the subnets' zones; retrying, or add"
                + " instance types or subnets");
      } else if (launchTrouble != null) {
        conditions.set(
            ConditionType.SCALED,
            false,
            "Throttled".equals(launchTrouble.reason)
                ? ConditionReason.Throttled
                : ConditionReason.CloudError,
            count + ": " + launchTrouble.message);
      } else {
        conditions.set(
            ConditionType.SCALED,
            false,
            serving.size() < desired ? ConditionReason.ScalingUp : ConditionReason.ScalingDown,
            count + (leaving == 0 ? "" : ", " + leaving + " being removed"));
      }
    }

    void report(List<NestedVirtInstance> machines, boolean canConverge) {
      int desired =
          pool.getSpec() == null || pool.getSpec().replicas == null
              ? 0
              : Math.max(0, pool.getSpec().replicas);
      List<NestedVirtInstance> serving =
          machines.stream().filter(PoolController.this::serves).toList();
      long ready =
          serving.stream().filter(m -> ScalePlanner.phase(m) == InstancePhase.Ready).count();
      boolean anyLeaving = machines.stream().anyMatch(m -> !serves(m));
      boolean converged =
          canConverge && serving.size() == desired && ready == desired && !anyLeaving;
      status.conditions =
          conditions.finish(converged, ready + " of " + desired + " nodes verified and Ready");
      status.observedGeneration = pool.getMetadata().getGeneration();
      status.replicas = serving.size();
      status.readyReplicas = (int) ready;
      status.selector = NodeLabels.POOL + "=" + pool.name();
      status.phaseCounts = phaseCounts(machines);
      if (!converged) {
        requeueWithin(refreshPeriod);
      }
      metrics.poolObserved(pool.name(), desired, (int) ready, status.phaseCounts);
    }

    boolean statusChanged() {
      return !Json.of(status).equals(statusAtStart);
    }

    private void requeueWithin(Duration d) {
      Duration bounded = d.isNegative() ? Duration.ZERO : d;
      if (requeue == null || bounded.compareTo(requeue) < 0) {
        requeue = bounded;
      }
    }
  }

  /** Every phase, zeros included, so a pool's gauges and status show all of them. */
  static Map<String, Integer> phaseCounts(List<NestedVirtInstance> machines) {
    Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    for (InstancePhase phase : InstancePhase.values()) {
      counts.put(phase.name(), 0);
    }
    for (NestedVirtInstance m : machines) {
      InstancePhase phase =
          m.isDeleting() && ScalePlanner.phase(m) != InstancePhase.Draining
              ? InstancePhase.Terminating
              : ScalePlanner.phase(m);
      counts.merge(phase.name(), 1, Integer::sum);
    }
    return counts;
  }

  private static io.nestedvirt.operator.api.v1alpha1.Condition readyCondition(
      NestedVirtInstance m) {
    if (m.getStatus() == null || m.getStatus().conditions == null) {
      return null;
    }
    return m.getStatus().conditions.stream()
        .filter(c -> "Ready".equals(c.type))
        .findFirst()
        .orElse(null);
  }

  /** The Launched condition of the first machine still trying to launch, if any. */
  private static io.nestedvirt.operator.api.v1alpha1.Condition launchTrouble(
      List<NestedVirtInstance> serving) {
    for (NestedVirtInstance m : serving) {
      if (m.getStatus() == null || m.getStatus().conditions == null) {
        continue;
      }
      for (var c : m.getStatus().conditions) {
        if ("Launched".equals(c.type)
            && !"True".equals(c.status)
            && List.of("LaunchUncertain", "Throttled", "CloudError", "LaunchConfigInvalid")
                .contains(c.reason)) {
          return c;
        }
      }
    }
    return null;
  }

  /** The message of a leaving machine whose drain outlasted the pool's drainTimeout. */
  private static String drainStuck(List<NestedVirtInstance> machines) {
    for (NestedVirtInstance m : machines) {
      if (m.getStatus() == null || m.getStatus().conditions == null) {
        continue;
      }
      for (var c : m.getStatus().conditions) {
        if ("Draining".equals(c.type) && "DrainStuck".equals(c.reason)) {
          return c.message;
        }
      }
    }
    return null;
  }

  private static NestedVirtPoolStatus copy(NestedVirtPoolStatus s) {
    return s == null ? new NestedVirtPoolStatus() : Json.copy(s, NestedVirtPoolStatus.class);
  }
}
