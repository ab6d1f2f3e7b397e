package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LogFields;
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
import io.nestedvirt.operator.metrics.OperatorMetrics;
import io.nestedvirt.operator.node.NodeConditions;
import io.nestedvirt.operator.node.NodeShape;
import io.nestedvirt.operator.node.ProviderIds;
import io.nestedvirt.operator.node.bootstrap.NodeLabels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Keeps a pool at its spec. A pass reads top to bottom (see {@code Pass.run}): check the spec and
 * instance types, observe the pool's instances and their Nodes, finish launches decided earlier,
 * classify each instance (PhaseRules), shape the nodes (NodeShape), replace the failed, plan the
 * scale, drain and terminate what leaves, launch what is missing, report. Status is written at the
 * end; the only other write records a launch decision before EC2 is called, so a crash can never
 * turn one decision into two launches.
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
  private final NodeDrains drains;
  private final UserDataFactory userData;
  private final PoolSettings settings;
  private final Clock clock;
  private final OperatorMetrics metrics;
  private final ClusterCaches caches;

  /** Forged nodes already reported, so each earns one Event, not one per reconcile. */
  private final Set<String> reportedForgeries = ConcurrentHashMap.newKeySet();

  /** Instances whose drain a PodDisruptionBudget held, already reported once. */
  private final Set<String> reportedRefusals = ConcurrentHashMap.newKeySet();

  public PoolReconciler(
      CloudProvider cloud,
      InstanceInventory inventory,
      LaunchConfigResolver resolver,
      UnavailableOfferings offerings,
      EventRecorder events,
      NodeDrains drains,
      UserDataFactory userData,
      PoolSettings settings,
      Clock clock,
      OperatorMetrics metrics,
      ClusterCaches caches) {
    this.caches = caches;
    this.drains = drains;
    this.userData = userData;
    this.cloud = cloud;
    this.inventory = inventory;
    this.resolver = resolver;
    this.requests = new LaunchRequestFactory(settings.clusterName());
    this.offerings = offerings;
    this.events = events;
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, NestedVirtPool>> prepareEventSources(
      EventSourceContext<NestedVirtPool> context) {
    var nodes = NodeEvents.source(context, inventory);
    caches.attach(context.getPrimaryCache(), nodes);
    return List.of(inventory.eventSource(), nodes);
  }

  @Override
  public UpdateControl<NestedVirtPool> reconcile(
      NestedVirtPool pool, Context<NestedVirtPool> context) {
    long start = System.nanoTime();
    try (var mdc = MDC.putCloseable(LogFields.POOL, pool.name())) {
      Pass pass = new Pass(pool, context);
      pass.run();
      return pass.control();
    } finally {
      metrics.reconciled(pool.name(), System.nanoTime() - start);
    }
  }

  @Override
  public DeleteControl cleanup(NestedVirtPool pool, Context<NestedVirtPool> context) {
    try (var mdc = MDC.putCloseable(LogFields.POOL, pool.name())) {
      Pass pass = new Pass(pool, context);
      boolean gone = pass.runDelete();
      if (gone) {
        log.info("pool {} deleted: every instance is shutting down or gone", pool.name());
        metrics.poolDeleted(pool.name());
        return DeleteControl.defaultDelete();
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(pass.requeueMillis());
    }
  }

  /** The pool's own instances: listed under its name and carrying its uid. */
  private List<Instance> owned(NestedVirtPool pool) {
    return inventory.of(pool).stream()
        .filter(i -> pool.uid().equals(i.tag(Tags.POOL_UID)))
        .toList();
  }

  /** One reconcile of one pool: a pass over what EC2 and the API server say about it. */
  private final class Pass {
    private final NestedVirtPool pool;
    private final Context<NestedVirtPool> context;
    private final Instant now;
    private final NestedVirtPoolStatus status;
    private final PoolConditions conditions;
    private final String statusAtStart;

    /** Each instance's phase as the last status reported it, to see transitions. */
    private final Map<String, String> phasesAtStart = new HashMap<>();

    /** Instances by id, as observed and then as changed by this pass. */
    private final Map<String, Instance> instances = new LinkedHashMap<>();

    /** The registered Node of each instance that has one. */
    private final Map<String, Node> nodes = new HashMap<>();

    /** Each instance's phase and why. */
    private final Map<String, PhaseRules.Verdict> verdicts = new HashMap<>();

    /** Instances being removed (drained, then terminated), with when their drain began. */
    private final Map<String, Instant> leaving = new LinkedHashMap<>();

    /** Null when nothing needs a timed look (events from EC2 and the API server suffice). */
    private Duration requeue;

    private boolean capacityShort;
    private boolean typesValid;
    private boolean configValid = true;

    /** Set when a cloud error or a stuck drain already explained why the pool is not scaled. */
    private boolean scaledReported;

    Pass(NestedVirtPool pool, Context<NestedVirtPool> context) {
      this.pool = pool;
      this.context = context;
      this.now = clock.instant();
      this.status = pool.getStatus() != null ? pool.getStatus() : new NestedVirtPoolStatus();
      this.conditions =
          new PoolConditions(status.conditions, pool.getMetadata().getGeneration(), now);
      this.statusAtStart = Json.of(status);
      status.instances.forEach(s -> phasesAtStart.put(s.id, s.phase));
    }

    void run() {
      step("observe", this::observe);
      typesValid =
          step("checkSpec", this::checkSpec) && step("checkTypes", this::checkInstanceTypes);
      if (typesValid) {
        step("finishLaunches", this::finishPendingLaunches);
        step("classify", this::classify);
        step("shapeNodes", this::shapeNodes);
        step("replaceFailed", this::replaceFailed);
        int toLaunch = step("scale", this::scale);
        step("drain", this::drainLeaving);
        if (toLaunch > 0) {
          step("launch", () -> launch(toLaunch));
        } else if (launchConfigNeedsRecheck()) {
          step("resolveLaunchConfig", this::resolveLaunchConfig);
        }
      }
      step("report", this::report);
    }

    /** The pool is being deleted: drain and terminate everything. True once nothing runs. */
    boolean runDelete() {
      step("observe", this::observe);
      for (Instance i : instances.values()) {
        if (i.state().isActive()) {
          leaving.putIfAbsent(i.id(), now);
        }
      }
      step("classify", this::classify);
      step("drain", this::drainLeaving);
      boolean recentDecision =
          status.pendingLaunches.stream()
              .anyMatch(p -> Instant.parse(p.decidedAt).plus(settings.launchGrace()).isAfter(now));
      boolean anyActive = instances.values().stream().anyMatch(i -> i.state().isActive());
      if (!anyActive && !recentDecision) {
        return true;
      }
      // A launch decided moments ago may not be listed yet; wait until it would be.
      requeueWithin(settings.refreshPeriod());
      conditions.set(
          ConditionType.SCALED,
          false,
          ConditionReason.Deleting,
          "pool deleted: draining and terminating its instances");
      scaledReported = true;
      step("report", this::report);
      return false;
    }

    /** Runs one step of the pass, timed; a step that throws is counted against the pool. */
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

    long requeueMillis() {
      return (requeue == null ? settings.refreshPeriod() : requeue).toMillis();
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
        // Once chosen for removal, an instance stays chosen: its drain resumes where it was.
        if (s.drainStartedAt != null) {
          leaving.put(s.id, Instant.parse(s.drainStartedAt));
        }
      }
      leaving.keySet().removeIf(id -> !instances.containsKey(id));
      matchNodes();
    }

    /**
     * A Node belongs to this pool only if its providerID names one of the pool's instances (EC2
     * tagged it for this pool). A Node that claims the pool's label without that gets nothing, and
     * one Event says why.
     */
    private void matchNodes() {
      // As a stream, not getSecondaryResources: that collects into a HashSet, hashing every Node
      // in full (status quantities as BigDecimals), which was a tenth of a reconcile at 10,000
      // Nodes; the event source's own Set has no duplicates already.
      for (Node node :
          (Iterable<Node>) context.getSecondaryResourcesAsStream(Node.class)::iterator) {
        Optional<String> instanceId = ProviderIds.instanceId(node);
        if (instanceId.isPresent() && instances.containsKey(instanceId.get())) {
          nodes.put(instanceId.get(), node);
          continue;
        }
        Map<String, String> labels = node.getMetadata().getLabels();
        boolean claims = labels != null && pool.name().equals(labels.get(NodeLabels.POOL));
        if (claims && reportedForgeries.add(node.getMetadata().getUid())) {
          String message =
              "node "
                  + node.getMetadata().getName()
                  + " claims pool "
                  + pool.name()
                  + " but its providerID ("
                  + (node.getSpec() == null ? null : node.getSpec().getProviderID())
                  + ") names no instance EC2 reports for this pool; it gets no labels or trust";
          events.warning(pool, EventReason.ForgedNodeIgnored, message);
        }
      }
    }

    private void classify() {
      PhaseRules.Limits limits =
          new PhaseRules.Limits(
              Durations.parse(pool.getSpec().joinTimeout),
              Durations.parse(pool.getSpec().verificationGracePeriod),
              settings.trustUnreportedNestedVirtualization());
      for (Instance i : instances.values()) {
        verdicts.put(
            i.id(),
            PhaseRules.phase(i, nodes.get(i.id()), leaving.containsKey(i.id()), now, limits));
      }
    }

    /** Instances that serve or will serve the pool: active, not leaving. */
    private List<Instance> active() {
      return instances.values().stream()
          .filter(i -> i.state().isActive() && !leaving.containsKey(i.id()))
          .toList();
    }

    private InstancePhase phaseOf(Instance i) {
      return verdicts.get(i.id()).phase();
    }

    /** Labels and taints on the nodes that serve the pool; the startup taint follows KVM. */
    private void shapeNodes() {
      for (Instance i : instances.values()) {
        Node node = nodes.get(i.id());
        InstancePhase phase = phaseOf(i);
        if (node == null || phase == InstancePhase.Draining || phase == InstancePhase.Terminating) {
          continue;
        }
        boolean verified = NodeConditions.kvmVerified(node);
        NodeShape.reshape(
                node,
                pool.name(),
                NodeTemplates.labels(pool.getSpec()),
                NodeTemplates.taints(pool.getSpec()),
                verified)
            .ifPresent(shaped -> writeNode(i, node, shaped));
      }
    }

    private void writeNode(Instance i, Node before, Node shaped) {
      try {
        Node written = context.getClient().nodes().resource(shaped).update();
        nodes.put(i.id(), written);
        String name = before.getMetadata().getName();
        try (var mdc = MDC.putCloseable(LogFields.INSTANCE, i.id())) {
          if (NodeShape.isVerified(written) && !NodeShape.isVerified(before)) {
            events.normal(
                pool,
                EventReason.NodeVerified,
                "node "
                    + name
                    + " ("
                    + i.id()
                    + ") verified: "
                    + NodeConditions.kvmMessage(written)
                    + "; startup taint removed");
          } else {
            log.info(
                "pool {}: node {} ({}) labelled and tainted for the pool{}",
                pool.name(),
                name,
                i.id(),
                NodeConditions.kvmVerified(written) ? "" : ", awaiting KVM verification");
          }
        }
      } catch (KubernetesClientException e) {
        // A conflict means the node changed under us; the next pass sees the new version.
        log.info(
            "pool {}: node {} not updated yet: {}",
            pool.name(),
            before.getMetadata().getName(),
            e.getMessage());
        requeueWithin(Duration.ofSeconds(2));
      }
    }

    /** Failed instances leave: drained when they have a node, then terminated, and replaced. */
    private void replaceFailed() {
      for (Instance i : instances.values()) {
        PhaseRules.Verdict v = verdicts.get(i.id());
        if (v.phase() == InstancePhase.Failed && !leaving.containsKey(i.id())) {
          startLeaving(i, "replacing: " + v.reason());
          try (var mdc = MDC.putCloseable(LogFields.INSTANCE, i.id())) {
            events.warning(
                pool, EventReason.NodeReplaced, "replacing " + i.id() + ": " + v.reason());
          }
        }
      }
    }

    private void startLeaving(Instance i, String reason) {
      leaving.put(i.id(), now);
      verdicts.put(i.id(), new PhaseRules.Verdict(InstancePhase.Draining, reason));
    }

    /** Picks victims when there are too many instances; returns how many to launch. */
    private int scale() {
      List<Instance> serving =
          instances.values().stream()
              .filter(i -> phaseOf(i).countsTowardReplicas() && !leaving.containsKey(i.id()))
              .toList();
      ScalePlanner.ScalePlan plan =
          ScalePlanner.plan(pool.getSpec().replicas, serving, i -> phaseOf(i), this::podsOn);
      for (Instance victim : plan.toTerminate()) {
        startLeaving(victim, "scaling down: cordoned, evicting pods");
      }
      if (!plan.toTerminate().isEmpty()) {
        List<String> ids = plan.toTerminate().stream().map(Instance::id).toList();
        events.normal(pool, EventReason.ScalingDown, "scaling down: removing " + ids);
      }
      return plan.toLaunch();
    }

    /** Pods on an instance's node, for choosing scale-down victims (only then). */
    private int podsOn(Instance i) {
      Node node = nodes.get(i.id());
      if (node == null) {
        return 0;
      }
      return context
          .getClient()
          .pods()
          .inAnyNamespace()
          .withField("spec.nodeName", node.getMetadata().getName())
          .list()
          .getItems()
          .size();
    }

    /**
     * One drain step per leaving instance that has a node; once its pods are away (or it has no
     * node), the instance is terminated and its Node deleted.
     */
    private void drainLeaving() {
      Duration drainTimeout = Durations.parse(pool.getSpec().drainTimeout);
      boolean forceAllowed = Boolean.TRUE.equals(pool.getSpec().forceDrain);
      List<String> toTerminate = new ArrayList<>();
      for (Map.Entry<String, Instant> e : leaving.entrySet()) {
        Instance i = instances.get(e.getKey());
        if (i == null || !i.state().isActive()) {
          continue;
        }
        Node node = nodes.get(i.id());
        if (node == null) {
          toTerminate.add(i.id());
          continue;
        }
        boolean overdue = now.isAfter(e.getValue().plus(drainTimeout));
        NodeDrains.Step step = drains.drain(node.getMetadata().getName(), overdue && forceAllowed);
        if (step.evictionsRefused() > 0) {
          metrics.evictionsRefused(pool.name(), step.evictionsRefused());
          // At the first refusal, not only at drainTimeout: the admin can act on the budget now.
          if (reportedRefusals.add(i.id())) {
            try (var mdc = MDC.putCloseable(LogFields.INSTANCE, i.id())) {
              events.warning(
                  pool,
                  EventReason.DrainBlocked,
                  "draining node "
                      + node.getMetadata().getName()
                      + ": "
                      + step.summary()
                      + "; retrying until drainTimeout "
                      + pool.getSpec().drainTimeout);
            }
          }
        }
        if (step.done()) {
          metrics.drained(Duration.between(e.getValue(), now));
          toTerminate.add(i.id());
          continue;
        }
        requeueWithin(Duration.ofSeconds(5));
        if (overdue && !forceAllowed) {
          String message =
              "draining node "
                  + node.getMetadata().getName()
                  + " has taken longer than drainTimeout "
                  + pool.getSpec().drainTimeout
                  + ": "
                  + step.summary()
                  + ". Resolve the PodDisruptionBudget or set forceDrain.";
          conditions.set(ConditionType.SCALED, false, ConditionReason.DrainStuck, message);
          scaledReported = true;
          if (conditions.transitioned(ConditionType.SCALED)) {
            try (var mdc = MDC.putCloseable(LogFields.INSTANCE, i.id())) {
              events.warning(pool, EventReason.DrainBlocked, message);
            }
          }
        }
      }
      if (toTerminate.isEmpty()) {
        return;
      }
      try {
        cloud.terminate(toTerminate);
      } catch (CloudException e) {
        cloudTrouble("terminate " + toTerminate, e);
        return;
      }
      metrics.terminated(pool.name(), toTerminate.size());
      events.normal(pool, EventReason.Terminating, "terminating " + toTerminate);
      List<Instance> terminating = new ArrayList<>();
      for (String id : toTerminate) {
        Instance t = InstanceStatuses.withState(instances.get(id), InstanceState.SHUTTING_DOWN);
        instances.put(id, t);
        terminating.add(t);
        verdicts.put(
            id, new PhaseRules.Verdict(InstancePhase.Terminating, "terminated by the operator"));
        Node node = nodes.remove(id);
        if (node != null) {
          context.getClient().nodes().withName(node.getMetadata().getName()).delete();
        }
      }
      leaving.keySet().removeAll(toTerminate);
      reportedRefusals.removeAll(toTerminate);
      inventory.recordTerminating(pool, terminating);
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

    private boolean checkInstanceTypes() {
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
        metrics.launched(pool.name(), p.instanceType, launched.size());
        try (var mdc = MDC.putCloseable(LogFields.INSTANCE, String.join(",", ids))) {
          events.normal(
              pool,
              EventReason.Launched,
              "launched "
                  + launched.size()
                  + " "
                  + p.instanceType
                  + " in "
                  + p.subnetId
                  + ": "
                  + ids);
        }
      } catch (InsufficientCapacityException e) {
        String zone = zoneOf(config, p.subnetId);
        offerings.markUnavailable(p.instanceType, zone);
        capacityShort = true;
        requeueWithin(Duration.ZERO);
        String message =
            "no capacity for " + p.instanceType + " in " + zone + "; trying the next type or zone";
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
          events.warning(pool, EventReason.LaunchConfigInvalid, invalid.message());
        }
        return null;
      }
      UserDataFactory.Result rendered = userData.render(pool);
      if (rendered instanceof UserDataFactory.Invalid invalid) {
        conditions.set(
            ConditionType.LAUNCH_CONFIG_VALID,
            false,
            ConditionReason.BootstrapInvalid,
            invalid.message());
        configValid = false;
        if (conditions.transitioned(ConditionType.LAUNCH_CONFIG_VALID)) {
          events.warning(pool, EventReason.LaunchConfigInvalid, invalid.message());
        }
        return null;
      }
      conditions.set(
          ConditionType.LAUNCH_CONFIG_VALID,
          true,
          ConditionReason.Resolved,
          "subnets, security groups, image and bootstrap resolved");
      return ((LaunchConfigResolver.Resolved) result)
          .config()
          .withUserData(((UserDataFactory.Rendered) rendered).userData());
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

    private void report() {
      int desired = Math.max(0, pool.getSpec().replicas == null ? 0 : pool.getSpec().replicas);
      List<Instance> counted =
          instances.values().stream()
              .filter(i -> i.state().isActive())
              // Without a verdict (the spec is unusable) an instance simply counts.
              .filter(
                  i ->
                      !verdicts.containsKey(i.id())
                          || phaseOf(i).countsTowardReplicas() && !leaving.containsKey(i.id()))
              .toList();
      long ready =
          counted.stream()
              .filter(i -> verdicts.containsKey(i.id()) && phaseOf(i) == InstancePhase.Ready)
              .count();
      if (typesValid && !scaledReported) {
        if (counted.size() == desired && leaving.isEmpty()) {
          conditions.set(
              ConditionType.SCALED, true, ConditionReason.Scaled, desired + " instances");
        } else if (capacityShort) {
          conditions.set(
              ConditionType.SCALED,
              false,
              ConditionReason.InsufficientCapacity,
              counted.size()
                  + " of "
                  + desired
                  + " instances: no capacity for the listed types in the subnets' zones;"
                  + " retrying, or add instance types or subnets");
        } else {
          conditions.set(
              ConditionType.SCALED,
              false,
              counted.size() < desired ? ConditionReason.ScalingUp : ConditionReason.ScalingDown,
              counted.size()
                  + " of "
                  + desired
                  + " instances"
                  + (leaving.isEmpty() ? "" : ", " + leaving.size() + " being removed"));
        }
      }
      boolean converged =
          typesValid
              && configValid
              && counted.size() == desired
              && ready == desired
              && leaving.isEmpty()
              && status.pendingLaunches.isEmpty();
      status.conditions =
          conditions.finish(converged, ready + " of " + desired + " nodes verified and Ready");
      status.observedGeneration = pool.getMetadata().getGeneration();
      status.replicas = counted.size();
      status.readyReplicas = (int) ready;
      status.selector = NodeLabels.POOL + "=" + pool.name();
      status.instances =
          instances.values().stream()
              .filter(i -> i.state() != InstanceState.TERMINATED)
              .sorted(Comparator.comparing(Instance::id))
              .map(
                  i ->
                      InstanceStatuses.of(
                          i,
                          verdicts.get(i.id()),
                          nodes.containsKey(i.id())
                              ? nodes.get(i.id()).getMetadata().getName()
                              : null,
                          leaving.get(i.id())))
              .toList();
      if (!converged) {
        requeueWithin(settings.refreshPeriod());
      }
      observeMetrics(desired, (int) ready);
      // A steady pool writes nothing: no API server load, no watch events for others.
      if (!Json.of(status).equals(statusAtStart)) {
        writeStatus();
      }
    }

    /** The pool's gauges, and the milestones its instances reached in this reconcile. */
    private void observeMetrics(int desired, int ready) {
      Map<String, Integer> byPhase = new HashMap<>();
      for (InstancePhase phase : InstancePhase.values()) {
        byPhase.put(phase.name(), 0);
      }
      for (InstanceStatus s : status.instances) {
        if (s.phase != null) {
          byPhase.merge(s.phase, 1, Integer::sum);
        }
        Instance i = instances.get(s.id);
        Node node = nodes.get(s.id);
        if (i == null || i.launchTime() == null || node == null) {
          continue;
        }
        NodeMilestones.Reached reached =
            NodeMilestones.of(phasesAtStart.get(s.id), s.phase, i.launchTime(), node, now);
        reached.registered().ifPresent(metrics::nodeRegistered);
        reached.verified().ifPresent(metrics::nodeVerified);
        reached.ready().ifPresent(metrics::nodeReady);
      }
      metrics.poolObserved(pool.name(), desired, ready, byPhase);
    }
  }
}
