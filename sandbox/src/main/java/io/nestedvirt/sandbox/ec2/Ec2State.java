package io.nestedvirt.sandbox.ec2;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.ec2.EmulatedInstance.BlockDevice;
import io.nestedvirt.sandbox.ec2.EmulatedInstance.CpuOptions;
import io.nestedvirt.sandbox.ec2.EmulatedInstance.GroupRef;
import io.nestedvirt.sandbox.ec2.EmulatedInstance.MetadataOptions;
import io.nestedvirt.sandbox.ec2.InstanceCatalog.InstanceTypeSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the emulated account holds, behind one lock. Instance lifecycles are driven by the
 * injected clock and evaluated lazily at the start of every operation, so a test that moves its
 * clock sees exactly the states that time implies, with no background thread involved.
 */
final class Ec2State {
  static final String ACCOUNT_ID = "123456789012";
  private static final Logger log = LoggerFactory.getLogger(Ec2State.class);
  private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8}([0-9a-f]{9})?");
  private static final Pattern IMAGE_ID = Pattern.compile("ami-[0-9a-f]{8}([0-9a-f]{9})?");

  private final ReentrantLock lock = new ReentrantLock();
  private final InstantSource clock;
  private final Duration bootDelay;
  private final Duration shutdownDelay;
  private final Duration terminatedRetention;
  private final InstanceCatalog catalog;
  private final Faults faults;
  private final Random random;

  private final Map<String, String> vpcs = new LinkedHashMap<>(); // id -> cidr
  private final Map<String, EmulatedSubnet> subnets = new LinkedHashMap<>();
  private final Map<String, SubnetAddresses> addresses = new HashMap<>();
  private final Map<String, EmulatedSecurityGroup> groups = new LinkedHashMap<>();
  private final Map<String, EmulatedImage> images = new LinkedHashMap<>();
  private final Map<String, SsmParameter> parameters = new HashMap<>();
  // Offerings are every catalogued type in every subnet's zone except these (type, zone) pairs;
  // the unlisted ones are refused at launch although DescribeInstanceTypeOfferings still lists
  // them.
  private final Set<Offering> withdrawn = new HashSet<>();
  private final Set<Offering> refusedButListed = new HashSet<>();

  // Instances in launch order: the sequence number is the pagination cursor, which stays valid
  // when instances before it disappear.
  private final TreeMap<Long, EmulatedInstance> instancesBySeq = new TreeMap<>();
  private final Map<String, Long> seqById = new HashMap<>();
  private final Map<String, String> instanceByVolume = new HashMap<>();
  private final Map<String, Launch> launchesByToken = new HashMap<>();
  private final Map<String, List<ScheduledEvent>> eventsByInstance = new HashMap<>();
  private final PriorityQueue<Transition> transitions =
      new PriorityQueue<>(
          Comparator.comparing(Transition::due).thenComparingLong(Transition::order));
  private final Set<String> usedIds = new HashSet<>();
  private long nextSeq;
  private long nextTransition;

  /** How long a launched instance stays out of DescribeInstances (eventual consistency). */
  private Duration listingLag = Duration.ZERO;

  /** When each instance still within the listing lag becomes visible to DescribeInstances. */
  private final Map<String, Instant> listedFrom = new HashMap<>();

  private final ConcurrentLinkedQueue<EmulatedInstance> pendingEvents =
      new ConcurrentLinkedQueue<>();
  private final List<Consumer<EmulatedInstance>> listeners = new CopyOnWriteArrayList<>();
  private final ReentrantLock dispatchLock = new ReentrantLock();

  /**
   * A state change due at a time; a lifecycle step is stale when the instance has left {@code from}
   * meanwhile, a reclaim (EC2 taking a Spot instance back) when the instance is no longer active.
   */
  private record Transition(
      Instant due, long order, String instanceId, InstanceState from, boolean reclaim) {}

  /** A scheduled event of an instance, as DescribeInstanceStatus lists it in {@code eventsSet}. */
  record ScheduledEvent(
      String instanceEventId,
      String code,
      String description,
      Instant notBefore,
      Instant notAfter) {}

  /** One instance with its scheduled events, a DescribeInstanceStatus item. */
  record InstanceStatus(EmulatedInstance instance, List<ScheduledEvent> events) {}

  /** What a client token launched, to answer a retry with the same reservation. */
  private record Launch(String fingerprint, String reservationId, List<String> instanceIds) {}

  /** An instance type offered in an Availability Zone. */
  record Offering(String instanceType, String zone) {}

  record SsmParameter(String name, String value, long version, Instant lastModified) {}

  record Termination(String instanceId, InstanceState previous, InstanceState current) {}

  /** A reservation as RunInstances returns it. */
  record Reservation(String reservationId, List<EmulatedInstance> instances) {}

  /** Private addresses of one subnet; AWS reserves the first four and the last one. */
  private static final class SubnetAddresses {
    final long base;
    final int size;
    final ArrayDeque<Integer> released = new ArrayDeque<>();
    int nextOffset = 4;
    int inUse;

    SubnetAddresses(String cidr) {
      String[] parts = cidr.split("/");
      String[] octets = parts[0].split("\\.");
      long ip = 0;
      for (String octet : octets) {
        ip = (ip << 8) | Integer.parseInt(octet);
      }
      this.base = ip;
      this.size = 1 << (32 - Integer.parseInt(parts[1]));
    }

    int available() {
      return size - 5 - inUse;
    }

    String allocate() {
      int offset = released.isEmpty() ? nextOffset++ : released.poll();
      inUse++;
      long ip = base + offset;
      return ((ip >> 24) & 255)
          + "."
          + ((ip >> 16) & 255)
          + "."
          + ((ip >> 8) & 255)
          + "."
          + (ip & 255);
    }

    void release(String ip) {
      String[] octets = ip.split("\\.");
      long value = 0;
      for (String octet : octets) {
        value = (value << 8) | Integer.parseInt(octet);
      }
      released.add((int) (value - base));
      inUse--;
    }
  }

  Ec2State(
      InstantSource clock,
      Duration bootDelay,
      Duration shutdownDelay,
      Duration terminatedRetention,
      InstanceCatalog catalog,
      Faults faults,
      long seed) {
    this.clock = clock;
    this.bootDelay = bootDelay;
    this.shutdownDelay = shutdownDelay;
    this.terminatedRetention = terminatedRetention;
    this.catalog = catalog;
    this.faults = faults;
    this.random = new Random(seed);
  }

  // ---- locking, lifecycle and events ----

  /** Runs {@code body} under the lock after advancing lifecycles; then tells listeners. */
  private <T> T locked(Supplier<T> body) {
    lock.lock();
    try {
      advance();
      return body.get();
    } finally {
      lock.unlock();
      // Nested calls leave dispatching to the outermost one, which no longer holds the lock.
      if (!lock.isHeldByCurrentThread()) {
        dispatchEvents();
      }
    }
  }

  private void advance() {
    Instant now = clock.instant();
    while (!transitions.isEmpty() && !transitions.peek().due().isAfter(now)) {
      Transition transition = transitions.poll();
      Long seq = seqById.get(transition.instanceId());
      EmulatedInstance instance = seq == null ? null : instancesBySeq.get(seq);
      if (instance == null) {
        continue;
      }
      Instant at = transition.due();
      if (transition.reclaim()) {
        if (instance.state().isActive()) {
          shutDown(instance, at, EmulatedInstance.StateReason.SPOT_TERMINATION);
        }
        continue;
      }
      if (instance.state() != transition.from()) {
        continue;
      }
      switch (instance.state()) {
        case PENDING -> replace(instance.withState(InstanceState.RUNNING, at), true);
        case SHUTTING_DOWN -> {
          replace(instance.withState(InstanceState.TERMINATED, at), true);
          addresses.get(instance.subnetId()).release(instance.privateIpAddress());
          schedule(at.plus(terminatedRetention), instance.id(), InstanceState.TERMINATED);
        }
        case TERMINATED -> forget(instance);
        case STOPPING -> replace(instance.withState(InstanceState.STOPPED, at), true);
        default -> {}
      }
    }
  }

  private void schedule(Instant due, String instanceId, InstanceState from) {
    transitions.add(new Transition(due, nextTransition++, instanceId, from, false));
  }

  /** Shutting-down from {@code at}, terminated after the shutdown delay. */
  private void shutDown(EmulatedInstance instance, Instant at, EmulatedInstance.StateReason why) {
    replace(instance.withState(InstanceState.SHUTTING_DOWN, at, why), true);
    schedule(at.plus(shutdownDelay), instance.id(), InstanceState.SHUTTING_DOWN);
  }

  private void replace(EmulatedInstance instance, boolean stateChanged) {
    instancesBySeq.put(seqById.get(instance.id()), instance);
    if (stateChanged) {
      pendingEvents.add(instance);
    }
  }

  private void forget(EmulatedInstance instance) {
    instancesBySeq.remove(seqById.remove(instance.id()));
    eventsByInstance.remove(instance.id());
    for (BlockDevice device : instance.blockDevices()) {
      instanceByVolume.remove(device.volumeId());
    }
  }

  /** Events go out in order, outside the state lock, so a listener may call the emulator. */
  private void dispatchEvents() {
    if (pendingEvents.isEmpty()) {
      return;
    }
    dispatchLock.lock();
    try {
      EmulatedInstance event;
      while ((event = pendingEvents.poll()) != null) {
        for (Consumer<EmulatedInstance> listener : listeners) {
          try {
            listener.accept(event);
          } catch (RuntimeException e) {
            log.warn("State listener failed for {}", event.id(), e);
          }
        }
      }
    } finally {
      dispatchLock.unlock();
    }
  }

  void addListener(Consumer<EmulatedInstance> listener) {
    listeners.add(listener);
  }

  /** Evaluates lifecycles now: for a ticker, or a test that moved its clock without calling. */
  void tick() {
    locked(() -> null);
  }

  String newId(String prefix) {
    lock.lock();
    try {
      String id;
      do {
        StringBuilder hex = new StringBuilder(prefix);
        for (int i = 0; i < 17; i++) {
          hex.append(Character.forDigit(random.nextInt(16), 16));
        }
        id = hex.toString();
      } while (!usedIds.add(id));
      return id;
    } finally {
      lock.unlock();
    }
  }

  // ---- seeding ----

  String addVpc(String cidr) {
    return locked(
        () -> {
          String id = newId("vpc-");
          vpcs.put(id, cidr);
          String groupId = newId("sg-");
          groups.put(
              groupId,
              new EmulatedSecurityGroup(
                  groupId, "default", "default VPC security group", id, Map.of()));
          return id;
        });
  }

  EmulatedSubnet addSubnet(String vpcId, String zone, String cidr, Map<String, String> tags) {
    return locked(
        () -> {
          requireVpc(vpcId);
          EmulatedSubnet subnet = new EmulatedSubnet(newId("subnet-"), vpcId, zone, cidr, tags);
          subnets.put(subnet.id(), subnet);
          addresses.put(subnet.id(), new SubnetAddresses(cidr));
          return subnet;
        });
  }

  EmulatedSecurityGroup addSecurityGroup(String vpcId, String name, Map<String, String> tags) {
    return locked(
        () -> {
          requireVpc(vpcId);
          EmulatedSecurityGroup group =
              new EmulatedSecurityGroup(newId("sg-"), name, name, vpcId, tags);
          groups.put(group.id(), group);
          return group;
        });
  }

  EmulatedImage addImage(
      String name, String architecture, String ownerAlias, Map<String, String> tags) {
    return locked(
        () -> {
          String owner = "amazon".equals(ownerAlias) ? "602401143452" : ACCOUNT_ID;
          EmulatedImage image =
              new EmulatedImage(
                  newId("ami-"),
                  name,
                  architecture,
                  owner,
                  ownerAlias,
                  clock.instant().truncatedTo(ChronoUnit.SECONDS),
                  tags);
          images.put(image.id(), image);
          return image;
        });
  }

  void putParameter(String name, String value) {
    putParameter(name, value, true);
  }

  /**
   * Creates the parameter, or with {@code overwrite} replaces its value (the version goes up by
   * one, LastModifiedDate is now); an existing one without {@code overwrite} is {@code
   * ParameterAlreadyExists}, as SSM answers.
   */
  SsmParameter putParameter(String name, String value, boolean overwrite) {
    return locked(
        () -> {
          SsmParameter old = parameters.get(name);
          if (old != null && !overwrite) {
            throw Ec2Error.client(
                "ParameterAlreadyExists",
                "The parameter already exists. To overwrite this"
                    + " value, set the overwrite option in the request to true.");
          }
          long version = old == null ? 1 : old.version() + 1;
          SsmParameter parameter = new SsmParameter(name, value, version, clock.instant());
          parameters.put(name, parameter);
          return parameter;
        });
  }

  SsmParameter parameter(String name) {
    return locked(() -> parameters.get(name));
  }

  private void requireVpc(String vpcId) {
    if (!vpcs.containsKey(vpcId)) {
      throw Ec2Error.client("InvalidVpcID.NotFound", "The vpc ID '" + vpcId + "' does not exist");
    }
  }

  // ---- instances ----

  Reservation launch(LaunchSpec spec) {
    return locked(
        () -> {
          if (spec.clientToken() != null) {
            Launch earlier = launchesByToken.get(spec.clientToken());
            if (earlier != null) {
              if (!earlier.fingerprint().equals(spec.fingerprint())) {
                throw Ec2Error.client(
                    "IdempotentParameterMismatch",
                    "Arguments on this idempotent request are inconsistent with arguments used in"
                        + " previous request(s).");
              }
              // Terminated instances that have since disappeared are simply left out.
              List<EmulatedInstance> same = new ArrayList<>();
              for (String id : earlier.instanceIds()) {
                Long seq = seqById.get(id);
                if (seq != null) {
                  same.add(instancesBySeq.get(seq));
                }
              }
              return new Reservation(earlier.reservationId(), same);
            }
          }
          return launchNew(spec);
        });
  }

  private Reservation launchNew(LaunchSpec spec) {
    InstanceTypeSpec type =
        catalog
            .find(spec.instanceType())
            .orElseThrow(
                () ->
                    Ec2Error.invalidParameterValue(
                        "Invalid value '" + spec.instanceType() + "' for InstanceType."));
    EmulatedImage image = image(spec.imageId());
    if (spec.nestedVirtualization() && !type.nestedVirtualization()) {
      throw Ec2Error.client(
          "UnsupportedOperation",
          "The instance type '" + type.name() + "' does not support nested virtualization.");
    }
    if (!type.architecture().equals(image.architecture())) {
      throw Ec2Error.invalidParameterValue(
          "The architecture '"
              + type.architecture()
              + "' of the specified instance type does not match the architecture '"
              + image.architecture()
              + "' of the specified AMI. Specify an instance type and an AMI that have matching"
              + " architectures, and try again.");
    }
    CpuOptions cpu = cpuOptions(spec, type);
    if (cpu.nestedVirtualization() && faults.takeDroppedNestedVirtualization()) {
      cpu = new CpuOptions(cpu.coreCount(), cpu.threadsPerCore(), false);
    }
    if (spec.subnetId() == null) {
      throw Ec2Error.client("VPCIdNotSpecified", "No default VPC for this user.");
    }
    EmulatedSubnet subnet = subnets(List.of(spec.subnetId())).getFirst();
    List<GroupRef> groupRefs = new ArrayList<>();
    if (spec.securityGroupIds().isEmpty()) {
      groups.values().stream()
          .filter(g -> g.vpcId().equals(subnet.vpcId()) && g.name().equals("default"))
          .forEach(g -> groupRefs.add(new GroupRef(g.id(), g.name())));
    }
    // Without ids the lookup would answer every group of the account: only the default applies.
    List<EmulatedSecurityGroup> given =
        spec.securityGroupIds().isEmpty() ? List.of() : securityGroups(spec.securityGroupIds());
    for (EmulatedSecurityGroup group : given) {
      if (!group.vpcId().equals(subnet.vpcId())) {
        throw Ec2Error.client(
            "InvalidParameter",
            "Security group "
                + group.id()
                + " and subnet "
                + subnet.id()
                + " belong to different networks.");
      }
      groupRefs.add(new GroupRef(group.id(), group.name()));
    }
    if (refuses(type.name(), subnet.zone())) {
      throw Ec2Error.client("Unsupported", unsupportedInZoneMessage(type.name(), subnet.zone()));
    }
    if (faults.takeCapacityFault(type.name(), subnet.zone())) {
      throw new Ec2Error(500, "InsufficientInstanceCapacity", capacityMessage(type, subnet));
    }
    SubnetAddresses free = addresses.get(subnet.id());
    if (free.available() < spec.minCount()) {
      throw Ec2Error.client(
          "InsufficientFreeAddressesInSubnet",
          "There are not enough free addresses in subnet '"
              + subnet.id()
              + "' to satisfy the requested number of instances.");
    }
    int count = Math.min(spec.maxCount(), free.available());
    MetadataOptions metadata =
        new MetadataOptions(
            spec.httpTokens() == null ? "optional" : spec.httpTokens(),
            spec.httpPutResponseHopLimit() == null ? 1 : spec.httpPutResponseHopLimit(),
            spec.httpEndpoint() == null ? "enabled" : spec.httpEndpoint());
    String profileArn = spec.iamInstanceProfileArn();
    if (profileArn == null && spec.iamInstanceProfileName() != null) {
      profileArn =
          "arn:aws:iam::" + ACCOUNT_ID + ":instance-profile/" + spec.iamInstanceProfileName();
    }
    Instant now = clock.instant();
    // EC2 reports launch times with second precision.
    Instant launchTime = now.truncatedTo(ChronoUnit.SECONDS);
    String reservationId = newId("r-");
    List<EmulatedInstance> launched = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = newId("i-");
      String ip = free.allocate();
      EmulatedInstance instance =
          new EmulatedInstance(
              id,
              reservationId,
              type.name(),
              type.architecture(),
              image.id(),
              subnet.vpcId(),
              subnet.id(),
              subnet.zone(),
              ip,
              "ip-" + ip.replace('.', '-') + ".ec2.internal",
              groupRefs,
              launchTime,
              InstanceState.PENDING,
              now,
              cpu,
              metadata,
              spec.userData(),
              spec.marketType(),
              null,
              profileArn,
              blockDevices(spec),
              spec.instanceTags(),
              spec.clientToken());
      long seq = nextSeq++;
      seqById.put(id, seq);
      instancesBySeq.put(seq, instance);
      for (BlockDevice device : instance.blockDevices()) {
        instanceByVolume.put(device.volumeId(), id);
      }
      pendingEvents.add(instance);
      schedule(now.plus(bootDelay), id, InstanceState.PENDING);
      if (listingLag.isPositive()) {
        listedFrom.put(id, now.plus(listingLag));
      }
      launched.add(instance);
    }
    if (spec.clientToken() != null) {
      launchesByToken.put(
          spec.clientToken(),
          new Launch(
              spec.fingerprint(),
              reservationId,
              launched.stream().map(EmulatedInstance::id).toList()));
    }
    return new Reservation(reservationId, launched);
  }

  /** EC2's in-zone refusal, naming the zones (of this account's subnets) that do offer the type. */
  private String unsupportedInZoneMessage(String instanceType, String zone) {
    List<String> offeringZones = zones().stream().filter(z -> !refuses(instanceType, z)).toList();
    String message =
        "Your requested instance type ("
            + instanceType
            + ") is not supported in your requested Availability Zone ("
            + zone
            + ").";
    if (offeringZones.isEmpty()) {
      return message;
    }
    return message
        + " Please retry your request by not specifying an Availability Zone or choosing "
        + String.join(", ", offeringZones)
        + ".";
  }

  private boolean refuses(String instanceType, String zone) {
    Offering offering = new Offering(instanceType, zone);
    return withdrawn.contains(offering) || refusedButListed.contains(offering);
  }

  /** The zones of this account's subnets, sorted: the emulated region's zones. */
  private List<String> zones() {
    return subnets.values().stream().map(EmulatedSubnet::zone).distinct().sorted().toList();
  }

  /**
   * Every catalogued type in every zone that offers it, by type then zone, as
   * DescribeInstanceTypeOfferings lists them.
   */
  List<Offering> offerings() {
    return locked(
        () -> {
          List<Offering> offered = new ArrayList<>();
          List<String> zones = zones();
          for (InstanceTypeSpec type : catalog.all()) {
            for (String zone : zones) {
              if (!withdrawn.contains(new Offering(type.name(), zone))) {
                offered.add(new Offering(type.name(), zone));
              }
            }
          }
          return offered;
        });
  }

  /**
   * Withdraws (or, with {@code listed}, refuses at launch while still listing) a type in a zone;
   * {@link #restoreOffering} undoes either.
   */
  void withdrawOffering(String instanceType, String zone, boolean listed) {
    locked(
        () -> {
          Offering offering = new Offering(instanceType, zone);
          (listed ? refusedButListed : withdrawn).add(offering);
          (listed ? withdrawn : refusedButListed).remove(offering);
          return null;
        });
  }

  void restoreOffering(String instanceType, String zone) {
    locked(
        () -> {
          withdrawn.remove(new Offering(instanceType, zone));
          refusedButListed.remove(new Offering(instanceType, zone));
          return null;
        });
  }

  private String capacityMessage(InstanceTypeSpec type, EmulatedSubnet subnet) {
    List<String> otherZones =
        subnets.values().stream()
            .map(EmulatedSubnet::zone)
            .filter(z -> !z.equals(subnet.zone()))
            .distinct()
            .sorted()
            .toList();
    return "We currently do not have sufficient "
        + type.name()
        + " capacity in the Availability Zone you requested ("
        + subnet.zone()
        + "). Our system will be working on provisioning additional capacity. You can currently"
        + " get "
        + type.name()
        + " capacity by not specifying an Availability Zone in your request or choosing "
        + String.join(", ", otherZones)
        + ".";
  }

  private static CpuOptions cpuOptions(LaunchSpec spec, InstanceTypeSpec type) {
    int threads = spec.threadsPerCore() == null ? type.threadsPerCore() : spec.threadsPerCore();
    int cores = spec.coreCount() == null ? type.cores() : spec.coreCount();
    if (threads < 1 || threads > type.threadsPerCore()) {
      throw Ec2Error.invalidParameterValue(
          "Invalid value '" + threads + "' for CpuOptions.ThreadsPerCore for " + type.name() + ".");
    }
    if (cores < 1 || cores > type.cores()) {
      throw Ec2Error.invalidParameterValue(
          "Invalid value '" + cores + "' for CpuOptions.CoreCount for " + type.name() + ".");
    }
    return new CpuOptions(cores, threads, spec.nestedVirtualization());
  }

  /** The root volume first (from the image, overridden by a mapping of its device), then others. */
  private List<BlockDevice> blockDevices(LaunchSpec spec) {
    List<BlockDevice> devices = new ArrayList<>();
    LaunchSpec.DeviceSpec root =
        spec.blockDevices().stream()
            .filter(d -> d.deviceName().equals(EmulatedImage.ROOT_DEVICE))
            .findFirst()
            .orElse(new LaunchSpec.DeviceSpec(EmulatedImage.ROOT_DEVICE, null, null, null, null));
    devices.add(volume(root, spec.volumeTags()));
    for (LaunchSpec.DeviceSpec device : spec.blockDevices()) {
      if (device != root) {
        devices.add(volume(device, spec.volumeTags()));
      }
    }
    return devices;
  }

  private BlockDevice volume(LaunchSpec.DeviceSpec device, Map<String, String> tags) {
    return new BlockDevice(
        device.deviceName(),
        newId("vol-"),
        device.sizeGiB() == null ? 20 : device.sizeGiB(),
        device.volumeType() == null ? "gp3" : device.volumeType(),
        Boolean.TRUE.equals(device.encrypted()),
        device.kmsKeyId(),
        tags);
  }

  /**
   * Instances in launch order that match, one page at a time. With ids, every id must exist (as on
   * AWS, one unknown id fails the whole call).
   */
  Page<EmulatedInstance> describeInstances(
      List<String> ids, Predicate<EmulatedInstance> filter, int pageSize, String token) {
    return locked(
        () -> {
          Instant now = clock.instant();
          listedFrom.values().removeIf(from -> !from.isAfter(now));
          Collection<EmulatedInstance> candidates;
          if (ids.isEmpty()) {
            candidates = instancesBySeq.tailMap(Page.decodeToken(token), true).values();
          } else {
            // An id launched moments ago is unknown to the listing, as on EC2.
            List<String> unlisted = ids.stream().filter(listedFrom::containsKey).toList();
            if (!unlisted.isEmpty()) {
              throw Ec2Error.client(
                  "InvalidInstanceID.NotFound",
                  "The instance ID '" + unlisted.getFirst() + "' does not exist");
            }
            candidates = byIds(ids).values();
          }
          List<EmulatedInstance> page = new ArrayList<>();
          String next = null;
          for (EmulatedInstance instance : candidates) {
            if (!filter.test(instance) || listedFrom.containsKey(instance.id())) {
              continue;
            }
            if (page.size() == pageSize) {
              next = Page.encodeToken(seqById.get(instance.id()));
              break;
            }
            page.add(instance);
          }
          return new Page<>(page, next);
        });
  }

  /** The instances with these ids, in launch order; throws NotFound naming the missing ones. */
  private TreeMap<Long, EmulatedInstance> byIds(Collection<String> ids) {
    TreeMap<Long, EmulatedInstance> found = new TreeMap<>();
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      if (!INSTANCE_ID.matcher(id).matches()) {
        throw Ec2Error.client("InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"");
      }
      Long seq = seqById.get(id);
      if (seq == null) {
        missing.add(id);
      } else {
        found.put(seq, instancesBySeq.get(seq));
      }
    }
    if (missing.size() == 1) {
      throw Ec2Error.client(
          "InvalidInstanceID.NotFound",
          "The instance ID '" + missing.getFirst() + "' does not exist");
    }
    if (!missing.isEmpty()) {
      throw Ec2Error.client(
          "InvalidInstanceID.NotFound",
          "The instance IDs '" + String.join(", ", missing) + "' do not exist");
    }
    return found;
  }

  List<Termination> terminate(List<String> ids) {
    return locked(
        () -> {
          if (ids.isEmpty()) {
            throw Ec2Error.missingParameter("InstanceId");
          }
          Instant now = clock.instant();
          List<Termination> result = new ArrayList<>();
          for (EmulatedInstance instance : byIds(distinct(ids)).values()) {
            InstanceState previous = instance.state();
            if (previous.isActive()) {
              shutDown(instance, now, EmulatedInstance.StateReason.USER_INITIATED);
            }
            EmulatedInstance current = instancesBySeq.get(seqById.get(instance.id()));
            result.add(new Termination(instance.id(), previous, current.state()));
          }
          return result;
        });
  }

  /**
   * Stops running (or pending) instances as a user or an EC2 retirement does: stopping now, stopped
   * after the shutdown delay. Returns the ids it stopped.
   */
  List<String> stop(List<String> ids) {
    return locked(
        () -> {
          Instant now = clock.instant();
          List<String> stopped = new ArrayList<>();
          for (EmulatedInstance instance : byIds(distinct(ids)).values()) {
            InstanceState previous = instance.state();
            if (previous == InstanceState.RUNNING || previous == InstanceState.PENDING) {
              replace(instance.withState(InstanceState.STOPPING, now), true);
              schedule(now.plus(shutdownDelay), instance.id(), InstanceState.STOPPING);
              stopped.add(instance.id());
            }
          }
          return stopped;
        });
  }

  /**
   * EC2 takes a Spot instance back at {@code at}: shutting-down then, terminated after the shutdown
   * delay (nothing happens if it has ended by then). Returns the instance as it is now.
   */
  EmulatedInstance reclaim(String instanceId, Instant at) {
    return locked(
        () -> {
          EmulatedInstance instance = byIds(List.of(instanceId)).firstEntry().getValue();
          transitions.add(new Transition(at, nextTransition++, instanceId, null, true));
          return instance;
        });
  }

  /** The instance as it is now; {@code InvalidInstanceID.NotFound} if EC2 does not know it. */
  EmulatedInstance instance(String instanceId) {
    return locked(() -> byIds(List.of(instanceId)).firstEntry().getValue());
  }

  /** Adds a scheduled event to an instance, with a new {@code instance-event-...} id. */
  ScheduledEvent scheduleEvent(
      String instanceId, String code, String description, Instant notBefore, Instant notAfter) {
    return locked(
        () -> {
          byIds(List.of(instanceId));
          ScheduledEvent event =
              new ScheduledEvent(newId("instance-event-"), code, description, notBefore, notAfter);
          eventsByInstance.computeIfAbsent(instanceId, id -> new ArrayList<>()).add(event);
          return event;
        });
  }

  /**
   * Instances with their scheduled events in launch order, one page at a time, as
   * DescribeInstanceStatus lists them: only running instances unless {@code includeAll}; with ids,
   * every id must exist.
   */
  Page<InstanceStatus> instanceStatuses(
      List<String> ids,
      Predicate<InstanceStatus> filter,
      boolean includeAll,
      int pageSize,
      String token) {
    return locked(
        () -> {
          Instant now = clock.instant();
          listedFrom.values().removeIf(from -> !from.isAfter(now));
          Collection<EmulatedInstance> candidates =
              ids.isEmpty()
                  ? instancesBySeq.tailMap(Page.decodeToken(token), true).values()
                  : byIds(ids).values();
          List<InstanceStatus> page = new ArrayList<>();
          String next = null;
          for (EmulatedInstance instance : candidates) {
            InstanceStatus status =
                new InstanceStatus(
                    instance, List.copyOf(eventsByInstance.getOrDefault(instance.id(), List.of())));
            if ((!includeAll && instance.state() != InstanceState.RUNNING)
                || listedFrom.containsKey(instance.id())
                || !filter.test(status)) {
              continue;
            }
            if (page.size() == pageSize) {
              next = Page.encodeToken(seqById.get(instance.id()));
              break;
            }
            page.add(status);
          }
          return new Page<>(page, next);
        });
  }

  /** Ids de-duplicated, order kept: EC2 answers once per resource. */
  private static List<String> distinct(List<String> ids) {
    return List.copyOf(new LinkedHashSet<>(ids));
  }

  List<EmulatedInstance> instances() {
    return locked(() -> List.copyOf(instancesBySeq.values()));
  }

  void listingLag(Duration lag) {
    if (lag.isNegative()) {
      throw new IllegalArgumentException("listing lag must not be negative: " + lag);
    }
    locked(
        () -> {
          listingLag = lag;
          return null;
        });
  }

  // ---- other resources ----

  List<EmulatedSubnet> subnets(List<String> ids) {
    return locked(
        () ->
            lookup(
                subnets,
                ids,
                "InvalidSubnetID.NotFound",
                id -> "The subnet ID '" + id + "' does not exist"));
  }

  int availableAddresses(String subnetId) {
    return locked(() -> addresses.get(subnetId).available());
  }

  List<EmulatedSecurityGroup> securityGroups(List<String> ids) {
    return locked(
        () ->
            lookup(
                groups,
                ids,
                "InvalidGroup.NotFound",
                id -> "The security group '" + id + "' does not exist"));
  }

  /**
   * Images by id. Like EC2, a malformed id is {@code InvalidAMIID.Malformed} and a well-formed
   * unknown id is {@code InvalidAMIID.NotFound} (DescribeImages with ImageId errors rather than
   * returning an empty set; only filters return empty).
   */
  List<EmulatedImage> images(List<String> ids) {
    return locked(
        () -> {
          for (String id : ids) {
            if (!IMAGE_ID.matcher(id).matches()) {
              throw Ec2Error.client(
                  "InvalidAMIID.Malformed", "Invalid id: \"" + id + "\" (expecting \"ami-...\")");
            }
          }
          return lookup(
              images,
              ids,
              "InvalidAMIID.NotFound",
              id -> "The image id '[" + id + "]' does not exist");
        });
  }

  private EmulatedImage image(String id) {
    return images(List.of(id)).getFirst();
  }

  private static <T> List<T> lookup(
      Map<String, T> all, List<String> ids, String code, Function<String, String> message) {
    if (ids.isEmpty()) {
      return List.copyOf(all.values());
    }
    List<T> found = new ArrayList<>();
    for (String id : distinct(ids)) {
      T item = all.get(id);
      if (item == null) {
        throw Ec2Error.client(code, message.apply(id));
      }
      found.add(item);
    }
    return found;
  }

  /** CreateTags: all resources must exist before any is tagged. */
  void createTags(List<String> resourceIds, Map<String, String> tags) {
    locked(
        () -> {
          if (resourceIds.isEmpty()) {
            throw Ec2Error.missingParameter("ResourceId");
          }
          for (String id : resourceIds) {
            requireTaggable(id);
          }
          for (String id : resourceIds) {
            applyTags(id, tags);
          }
          return null;
        });
  }

  private void requireTaggable(String id) {
    boolean exists =
        switch (id.substring(0, Math.max(0, id.indexOf('-')))) {
          case "i" -> {
            byIds(List.of(id));
            yield true;
          }
          case "vol" -> instanceByVolume.containsKey(id);
          case "subnet" -> subnets.containsKey(id);
          case "sg" -> groups.containsKey(id);
          case "ami" -> images.containsKey(id);
          case "vpc" -> vpcs.containsKey(id);
          default -> throw Ec2Error.client("InvalidID", "The ID '" + id + "' is not valid");
        };
    if (!exists) {
      String code =
          switch (id.substring(0, id.indexOf('-'))) {
            case "vol" -> "InvalidVolume.NotFound";
            case "subnet" -> "InvalidSubnetID.NotFound";
            case "sg" -> "InvalidGroup.NotFound";
            case "ami" -> "InvalidAMIID.NotFound";
            default -> "InvalidVpcID.NotFound";
          };
      throw Ec2Error.client(code, "The ID '" + id + "' does not exist");
    }
  }

  private void applyTags(String id, Map<String, String> tags) {
    if (id.startsWith("i-")) {
      EmulatedInstance instance = instancesBySeq.get(seqById.get(id));
      replace(instance.withTags(merge(instance.tags(), tags)), false);
    } else if (id.startsWith("vol-")) {
      EmulatedInstance instance = instancesBySeq.get(seqById.get(instanceByVolume.get(id)));
      List<BlockDevice> devices = new ArrayList<>();
      for (BlockDevice d : instance.blockDevices()) {
        devices.add(
            d.volumeId().equals(id)
                ? new BlockDevice(
                    d.deviceName(),
                    d.volumeId(),
                    d.sizeGiB(),
                    d.volumeType(),
                    d.encrypted(),
                    d.kmsKeyId(),
                    merge(d.tags(), tags))
                : d);
      }
      replace(instance.withBlockDevices(devices), false);
    } else if (id.startsWith("subnet-")) {
      subnets.computeIfPresent(id, (k, s) -> s.withTags(merge(s.tags(), tags)));
    } else if (id.startsWith("sg-")) {
      groups.computeIfPresent(id, (k, g) -> g.withTags(merge(g.tags(), tags)));
    } else if (id.startsWith("ami-")) {
      images.computeIfPresent(id, (k, i) -> i.withTags(merge(i.tags(), tags)));
    }
  }

  private static Map<String, String> merge(Map<String, String> old, Map<String, String> added) {
    Map<String, String> merged = new LinkedHashMap<>(old);
    merged.putAll(added);
    return merged;
  }
}
