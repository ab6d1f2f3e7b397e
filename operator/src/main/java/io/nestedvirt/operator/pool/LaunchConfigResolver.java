package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.ResourceSelectorSpec;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.ResourceNotFoundException;
import io.nestedvirt.operator.cloud.ResourceSelector;
import io.nestedvirt.operator.cloud.Subnet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Resolves a pool's subnets, security groups and image against the cloud, only when the pool is
 * about to launch, and caches the answer briefly so that a scale-up of many pools does not cost a
 * Describe call per pool per reconcile.
 */
public final class LaunchConfigResolver {

  /** The outcome: a launch config, or the reason the spec cannot be launched as written. */
  public sealed interface Result {}

  public record Resolved(LaunchConfig config) implements Result {}

  public record Invalid(ConditionReason reason, String message) implements Result {}

  private record Key(
      ResourceSelector subnets, ResourceSelector securityGroups, String image, String version) {}

  private record Entry(LaunchConfig config, Instant expires) {}

  private final CloudProvider cloud;
  private final Supplier<String> kubernetesVersion;
  private final Clock clock;
  private final Duration ttl;
  private final Map<Key, Entry> cache = new ConcurrentHashMap<>();

  public LaunchConfigResolver(
      CloudProvider cloud, Supplier<String> kubernetesVersion, Clock clock, Duration ttl) {
    this.cloud = cloud;
    this.kubernetesVersion = kubernetesVersion;
    this.clock = clock;
    this.ttl = ttl;
  }

  public Result resolve(NestedVirtPoolSpec spec) {
    String version = spec.image == null ? kubernetesVersion.get() : null;
    Key key = new Key(selector(spec.subnets), selector(spec.securityGroups), spec.image, version);
    Entry hit = cache.get(key);
    if (hit != null && clock.instant().isBefore(hit.expires())) {
      return new Resolved(hit.config());
    }
    List<Subnet> subnets;
    try {
      subnets = cloud.resolveSubnets(key.subnets());
    } catch (ResourceNotFoundException e) {
      return new Invalid(
          ConditionReason.SubnetNotFound,
          "subnets: " + e.getMessage() + ". Fix spec.subnets or tag the cluster's subnets.");
    }
    if (subnets.isEmpty()) {
      return new Invalid(
          ConditionReason.SubnetNotFound,
          "no subnet matches spec.subnets" + describe(key.subnets()) + ".");
    }
    List<String> groups;
    try {
      groups = cloud.resolveSecurityGroups(key.securityGroups());
    } catch (ResourceNotFoundException e) {
      return new Invalid(
          ConditionReason.SecurityGroupNotFound,
          "securityGroups: " + e.getMessage() + ". Fix spec.securityGroups.");
    }
    if (groups.isEmpty()) {
      return new Invalid(
          ConditionReason.SecurityGroupNotFound,
          "no security group matches spec.securityGroups" + describe(key.securityGroups()) + ".");
    }
    String imageId;
    try {
      imageId = cloud.resolveImage(spec.image, version);
    } catch (ResourceNotFoundException e) {
      return new Invalid(
          ConditionReason.ImageNotFound,
          "image: "
              + e.getMessage()
              + (spec.image == null
                  ? ". Set spec.image, or check the cluster's Kubernetes version."
                  : ". Fix spec.image."));
    }
    LaunchConfig config = new LaunchConfig(subnets, groups, imageId, null);
    cache.put(key, new Entry(config, clock.instant().plus(ttl)));
    return new Resolved(config);
  }

  private static ResourceSelector selector(ResourceSelectorSpec spec) {
    return spec == null ? ResourceSelector.empty() : new ResourceSelector(spec.ids, spec.tags);
  }

  private static String describe(ResourceSelector s) {
    if (s.isEmpty()) {
      return " (default: the cluster's tags)";
    }
    return !s.ids().isEmpty() ? " " + s.ids() : " " + Objects.toString(s.tags());
  }
}
