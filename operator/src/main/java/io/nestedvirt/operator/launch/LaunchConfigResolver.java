package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
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

/**
 * Resolves a pool's subnets, security groups, image (through {@link ImageCache}) and user data, and
 * caches the answer briefly: the pool controller resolves before it decides where machines go, and
 * each machine resolves again when it launches, so a scale-up of a thousand machines costs a few
 * Describe calls, not a thousand.
 */
public final class LaunchConfigResolver {

  /** Why a pool's launch settings do not resolve; each is a condition reason of the pool. */
  public enum Problem {
    SubnetNotFound,
    SecurityGroupNotFound,
    ImageNotFound,
    BootstrapInvalid
  }

  /** The outcome: a launch config, or the reason the spec cannot be launched as written. */
  public sealed interface Result {}

  public record Resolved(LaunchConfig config) implements Result {}

  public record Invalid(Problem problem, String message) implements Result {}

  private record Key(ResourceSelector subnets, ResourceSelector securityGroups) {}

  /**
   * Subnets and security groups (a config without image and user data); the image is not cached
   * here but in {@link ImageCache}.
   */
  private record Entry(LaunchConfig network, Instant expires) {}

  /** A pool's rendered user data, valid for one generation of its spec until it expires. */
  private record UserDataEntry(long generation, UserDataFactory.Result result, Instant expires) {}

  private final CloudProvider cloud;
  private final ImageCache images;
  private final UserDataFactory userData;
  private final Clock clock;
  private final Duration ttl;
  private final Map<Key, Entry> cache = new ConcurrentHashMap<>();
  private final Map<String, UserDataEntry> userDataByPool = new ConcurrentHashMap<>();

  public LaunchConfigResolver(
      CloudProvider cloud, ImageCache images, UserDataFactory userData, Clock clock, Duration ttl) {
    this.cloud = cloud;
    this.images = images;
    this.userData = userData;
    this.clock = clock;
    this.ttl = ttl;
  }

  /** The pool's launch config with its user data, or why it has none. */
  public Result resolve(NestedVirtPool pool) {
    Result resources = resolveResources(pool);
    if (!(resources instanceof Resolved resolved)) {
      return resources;
    }
    UserDataFactory.Result rendered = userData(pool);
    if (rendered instanceof UserDataFactory.Invalid invalid) {
      return new Invalid(Problem.BootstrapInvalid, invalid.message());
    }
    return new Resolved(
        resolved.config().withUserData(((UserDataFactory.Rendered) rendered).userData()));
  }

  /** Forgets a deleted pool's user data and image reference. */
  public void forget(NestedVirtPool pool) {
    userDataByPool.remove(pool.uid());
    images.forget(pool);
  }

  private UserDataFactory.Result userData(NestedVirtPool pool) {
    long generation =
        pool.getMetadata().getGeneration() == null ? 0 : pool.getMetadata().getGeneration();
    Instant now = clock.instant();
    UserDataEntry hit = userDataByPool.get(pool.uid());
    if (hit != null && hit.generation() == generation && now.isBefore(hit.expires())) {
      return hit.result();
    }
    UserDataFactory.Result result = userData.render(pool);
    userDataByPool.put(pool.uid(), new UserDataEntry(generation, result, now.plus(ttl)));
    return result;
  }

  private Result resolveResources(NestedVirtPool pool) {
    NestedVirtPoolSpec spec = pool.getSpec();
    Key key = new Key(selector(spec.subnets), selector(spec.securityGroups));
    Entry hit = cache.get(key);
    if (hit == null || !clock.instant().isBefore(hit.expires())) {
      Result network = resolveNetwork(key);
      if (!(network instanceof Resolved resolved)) {
        return network;
      }
      hit = new Entry(resolved.config(), clock.instant().plus(ttl));
      cache.put(key, hit);
    }
    // The image comes from its own cache on every resolve, so an AMI that a refresh found is used
    // by the next launch, not only once this entry expires.
    String imageId;
    try {
      imageId = images.resolve(pool);
    } catch (ResourceNotFoundException e) {
      return new Invalid(
          Problem.ImageNotFound,
          "image: "
              + e.getMessage()
              + (spec.image == null
                  ? ". Set spec.image, or check the cluster's Kubernetes version."
                  : ". Fix spec.image."));
    }
    return new Resolved(hit.network().withImage(imageId));
  }

  /** The subnets and security groups, or which selector matched nothing. */
  private Result resolveNetwork(Key key) {
    List<Subnet> subnets;
    try {
      subnets = cloud.resolveSubnets(key.subnets());
    } catch (ResourceNotFoundException e) {
      return new Invalid(
          Problem.SubnetNotFound,
          "subnets: " + e.getMessage() + ". Fix spec.subnets or tag the cluster's subnets.");
    }
    if (subnets.isEmpty()) {
      return new Invalid(
          Problem.SubnetNotFound, "no subnet matches spec.subnets" + describe(key.subnets()) + ".");
    }
    List<String> groups;
    try {
      groups = cloud.resolveSecurityGroups(key.securityGroups());
    } catch (ResourceNotFoundException e) {
      return new Invalid(
          Problem.SecurityGroupNotFound,
          "securityGroups: " + e.getMessage() + ". Fix spec.securityGroups.");
    }
    if (groups.isEmpty()) {
      return new Invalid(
          Problem.SecurityGroupNotFound,
          "no security group matches spec.securityGroups" + describe(key.securityGroups()) + ".");
    }
    return new Resolved(new LaunchConfig(subnets, groups, null, null));
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
