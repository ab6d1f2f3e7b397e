package io.nestedvirt.operator.pool;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.CapacityType;
import io.nestedvirt.operator.api.v1alpha1.InstanceStatus;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolStatus;
import io.nestedvirt.operator.api.v1alpha1.PendingLaunch;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.instance.InstanceListing;
import io.nestedvirt.operator.instance.MachineCache;
import io.nestedvirt.operator.launch.ClientTokens;
import io.nestedvirt.operator.launch.LaunchSettingsHash;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Upgrading keeps running nodes. A pool written by an operator version that kept its instances in
 * its own status ({@code status.instances}, {@code pendingLaunches}) gets one NestedVirtInstance
 * per running instance tagged with its uid, carrying that instance's id, so nothing is terminated
 * or launched again. Launches that version decided but that no listing shows yet are waited for
 * (EC2 listings lag launches); only then do the old status fields go, and only then does the pool
 * launch what is still missing.
 */
final class Adoption {
  /** The machines adopted now, and whether old launches may still show up. */
  record Result(List<NestedVirtInstance> adopted, boolean pending) {
    static final Result NONE = new Result(List.of(), false);
  }

  private final InstanceListing listing;
  private final MachineFactory factory;
  private final EventRecorder events;
  private final Duration launchGrace;

  Adoption(
      InstanceListing listing, MachineFactory factory, EventRecorder events, Duration launchGrace) {
    this.listing = listing;
    this.factory = factory;
    this.events = events;
    this.launchGrace = launchGrace;
  }

  /**
   * Adopts what the listing shows; clears the old fields in {@code status} once nothing more can
   * show up.
   */
  Result adopt(
      KubernetesClient client,
      NestedVirtPool pool,
      NestedVirtPoolStatus status,
      List<NestedVirtInstance> machines,
      MachineCache cache,
      Instant now) {
    if (!status.hasLegacyFields()) {
      return Result.NONE;
    }
    Set<String> claimed = new HashSet<>();
    for (NestedVirtInstance m : machines) {
      if (m.instanceId() != null) {
        claimed.add(m.instanceId());
      }
      listing.byClientToken(ClientTokens.forInstance(m.uid())).ifPresent(i -> claimed.add(i.id()));
    }
    String hash = LaunchSettingsHash.of(pool.getSpec());
    List<NestedVirtInstance> adopted = new ArrayList<>();
    for (Instance i : listing.ofPool(pool.uid())) {
      if (claimed.add(i.id())) {
        adopted.add(factory.create(client, pool, decision(i, hash), cache));
      }
    }
    boolean pending = launchesInFlight(status, now) || unlistedRecentInstances(status, now);
    if (!adopted.isEmpty()) {
      events.normal(
          pool,
          EventReason.Adopted,
          "adopted "
              + adopted.size()
              + " running instance(s) as NestedVirtInstances: "
              + adopted.stream().map(m -> m.getSpec().instanceId + " as " + m.name()).toList());
    }
    if (!pending) {
      status.clearLegacyFields();
    }
    return new Result(adopted, pending);
  }

  private static MachineFactory.Decision decision(Instance i, String hash) {
    return new MachineFactory.Decision(
        i.instanceType(),
        i.subnetId(),
        i.zone(),
        i.capacityType() == io.nestedvirt.operator.cloud.CapacityType.SPOT
            ? CapacityType.SPOT
            : CapacityType.ON_DEMAND,
        hash,
        i.id());
  }

  /** A launch the old version recorded, decided moments ago, that no listing shows yet. */
  private boolean launchesInFlight(NestedVirtPoolStatus status, Instant now) {
    if (status.pendingLaunches == null) {
      return false;
    }
    for (PendingLaunch p : status.pendingLaunches) {
      boolean listed = p.clientToken != null && listing.byClientToken(p.clientToken).isPresent();
      boolean recent =
          p.decidedAt != null && now.isBefore(Instant.parse(p.decidedAt).plus(launchGrace));
      if (!listed && recent) {
        return true;
      }
    }
    return false;
  }

  /** An instance the old status lists as launched moments ago, not listed yet. */
  private boolean unlistedRecentInstances(NestedVirtPoolStatus status, Instant now) {
    if (status.instances == null) {
      return false;
    }
    for (InstanceStatus s : status.instances) {
      boolean active = s.state != null && InstanceState.fromWireName(s.state).isActive();
      boolean recent =
          s.launchTime != null && now.isBefore(Instant.parse(s.launchTime).plus(launchGrace));
      if (active && recent && listing.byId(s.id).isEmpty()) {
        return true;
      }
    }
    return false;
  }
}
