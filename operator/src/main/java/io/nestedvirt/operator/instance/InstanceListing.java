package io.nestedvirt.operator.instance;

import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.health.Status;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.launch.ClientTokens;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's EC2 instances, from one paginated, tag-filtered DescribeInstances per refresh
 * period for the whole cluster (never one per pool or machine), shared by the instance controller,
 * the pool controller and the garbage collector. It is the instance controller's event source: when
 * a refresh shows that a machine's instance changed (launched, running, gone), that
 * NestedVirtInstance is reconciled.
 *
 * <p>Instances are found by id and by client token (a machine's token derives from its uid), so a
 * machine whose launch response was lost still finds its instance here. The first listing happens
 * when the source starts: the operator reconciles nothing before it knows which instances exist.
 */
public final class InstanceListing extends AbstractEventSource<Instance, NestedVirtInstance> {
  private static final Logger log = LoggerFactory.getLogger(InstanceListing.class);
  public static final String NAME = "instances";

  /** One listing, indexed. Replaced whole by each refresh; amended by our own launches. */
  private record Snapshot(Map<String, Instance> byId, Map<String, Instance> byToken) {
    static Snapshot of(Collection<Instance> instances) {
      Map<String, Instance> byId = new HashMap<>();
      Map<String, Instance> byToken = new HashMap<>();
      for (Instance i : instances) {
        byId.put(i.id(), i);
        if (i.clientToken() != null && !i.clientToken().isEmpty()) {
          byToken.put(i.clientToken(), i);
        }
      }
      return new Snapshot(Map.copyOf(byId), Map.copyOf(byToken));
    }
  }

  /** What we learned from EC2 outside the listing (a launch, a termination), and when. */
  private record Recorded(Instance instance, Instant at) {}

  private final CloudProvider cloud;
  private final Duration period;
  private final Duration grace;
  private final Clock clock;
  private final OperatorMetrics metrics;
  private volatile Snapshot snapshot = Snapshot.of(List.of());

  /**
   * Launches and terminations EC2 answered since the last listing, which may not show them yet.
   * Each stays until a listing shows its instance, or for the grace period at most.
   */
  private final Map<String, Recorded> recorded = new ConcurrentHashMap<>();

  private volatile Status status = Status.UNKNOWN;

  /** Told when a listing succeeds after one failed: EC2 answers again. */
  private final List<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();

  private volatile Function<Instance, Set<ResourceID>> owners = i -> Set.of();
  private ScheduledExecutorService timer;

  /**
   * @param grace how long a launch EC2 answered is believed while listings do not show it yet
   */
  public InstanceListing(
      CloudProvider cloud, Duration period, Duration grace, Clock clock, OperatorMetrics metrics) {
    super(Instance.class, NAME);
    this.cloud = cloud;
    this.period = period;
    this.grace = grace;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** How a listed instance finds the machines it belongs to (set by the instance controller). */
  void owners(Function<Instance, Set<ResourceID>> owners) {
    this.owners = owners;
  }

  @Override
  public synchronized void start() throws OperatorException {
    if (isRunning()) {
      return;
    }
    refresh(); // throws: without a first listing no reconcile may run
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("instance-listing").unstarted(r));
    long millis = period.toMillis();
    // At a fixed rate, not with a fixed delay: a listing of many pages takes a good part of the
    // period, and the contract is one listing per period (a slow one is followed at once by the
    // next, never overlapped).
    timer.scheduleAtFixedRate(this::refreshQuietly, millis, millis, TimeUnit.MILLISECONDS);
    super.start();
  }

  @Override
  public synchronized void stop() throws OperatorException {
    if (timer != null) {
      timer.shutdownNow();
    }
    super.stop();
  }

  /**
   * Runs {@code listener} whenever a listing succeeds after a failed one, so that whatever backs
   * off while EC2 fails (a pool's retried reconcile) can try again at once instead of at its next
   * back-off interval.
   */
  public void onRecovered(Runnable listener) {
    recoveryListeners.add(listener);
  }

  @Override
  public Status getStatus() {
    return status;
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      if (timer.isShutdown()) {
        // stop() interrupted the listing in flight: nothing failed that anyone should hear of.
        log.debug("listing interrupted by stop: {}", e.getMessage());
      } else {
        log.warn("listing the cluster's instances failed: {}", e.getMessage());
      }
    }
  }

  /** One listing; machines whose instance changed are reconciled. */
  void refresh() {
    long start = System.nanoTime();
    List<Instance> listed;
    try {
      listed = cloud.listClusterInstances();
    } catch (RuntimeException e) {
      status = Status.UNHEALTHY;
      metrics.instancesListed(System.nanoTime() - start, false);
      throw e;
    }
    metrics.instancesListed(System.nanoTime() - start, true);
    Snapshot before = snapshot;
    Snapshot after = Snapshot.of(listed);
    snapshot = after;
    Instant now = clock.instant();
    recorded
        .entrySet()
        .removeIf(
            e ->
                after.byId().containsKey(e.getKey())
                    || !now.isBefore(e.getValue().at().plus(grace)));
    boolean recovered = status == Status.UNHEALTHY;
    status = Status.HEALTHY;
    if (recovered) {
      recoveryListeners.forEach(Runnable::run);
    }
    if (getEventHandler() == null || !isRunning()) {
      return; // the first listing: every machine is reconciled at start anyway
    }
    for (Instance current : after.byId().values()) {
      if (!current.equals(before.byId().get(current.id()))) {
        wake(current);
      }
    }
    for (Instance gone : before.byId().values()) {
      if (!after.byId().containsKey(gone.id())) {
        wake(gone);
      }
    }
  }

  private void wake(Instance instance) {
    for (ResourceID machine : owners.apply(instance)) {
      getEventHandler().handleEvent(new Event(machine));
    }
  }

  /** The instance with this id in the last listing (or as EC2 answered since), if any. */
  public Optional<Instance> byId(String id) {
    if (id == null) {
      return Optional.empty();
    }
    Recorded since = recorded.get(id);
    return since != null
        ? Optional.of(since.instance())
        : Optional.ofNullable(snapshot.byId().get(id));
  }

  /** The instance a machine's launch created, by the machine's client token, if known. */
  public Optional<Instance> byClientToken(String token) {
    Instance listed = snapshot.byToken().get(token);
    if (listed != null) {
      return byId(listed.id());
    }
    return recorded.values().stream()
        .map(Recorded::instance)
        .filter(i -> token.equals(i.clientToken()))
        .findFirst();
  }

  /** Every instance of the cluster in the last listing, and as EC2 answered since. */
  public Collection<Instance> all() {
    if (recorded.isEmpty()) {
      return snapshot.byId().values();
    }
    Map<String, Instance> all = new HashMap<>(snapshot.byId());
    recorded.forEach((id, r) -> all.put(id, r.instance()));
    return all.values();
  }

  /** Active instances tagged with a pool's uid. */
  public List<Instance> ofPool(String poolUid) {
    return all().stream()
        .filter(i -> poolUid.equals(i.tag(Tags.POOL_UID)))
        .filter(i -> i.state().isActive())
        .toList();
  }

  /**
   * Makes a launch visible before the next refresh, so no reconcile in between looks for it in vain
   * (EC2 listings are eventually consistent).
   */
  public void recordLaunched(Instance launched) {
    recorded.put(launched.id(), new Recorded(launched, clock.instant()));
  }

  /** Makes a state EC2 reported outside the listing (after a termination) visible at once. */
  public void recordState(String id, InstanceState state) {
    byId(id)
        .filter(before -> before.state() != state)
        .ifPresent(
            before -> recorded.put(id, new Recorded(before.withState(state), clock.instant())));
  }

  @Override
  public Set<Instance> getSecondaryResources(NestedVirtInstance machine) {
    return of(machine).map(Set::of).orElse(Set.of());
  }

  /** The machine's instance: by its recorded id, else by its client token. */
  public Optional<Instance> of(NestedVirtInstance machine) {
    Optional<Instance> byId = byId(machine.instanceId());
    if (byId.isPresent() || machine.uid() == null) {
      return byId;
    }
    return byClientToken(ClientTokens.forInstance(machine.uid()))
        .filter(i -> machine.instanceId() == null || Objects.equals(i.id(), machine.instanceId()));
  }
}
