package io.nestedvirt.operator.cloud;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The operator's only door to the cloud. Implementations translate provider errors into the typed
 * {@link CloudException}s of this package; nothing provider-specific crosses it.
 */
public interface CloudProvider {

  /**
   * Launches {@code request.count()} instances in one call. Idempotent per {@link
   * LaunchRequest#clientToken()}: repeating a request with the same token returns the instances the
   * first call created instead of launching more.
   *
   * <p>A failure is either definite (nothing was launched: the typed refusals below) or uncertain
   * ({@link CloudException#retryable()}: a time-out, a lost response, a 5xx, throttling after the
   * client's own retries), in which case the caller repeats the request with the same token.
   *
   * @throws InsufficientCapacityException when the offering (type, zone) has no capacity
   * @throws InstanceTypeNotOfferedException when the subnet's zone does not offer the type
   * @throws UnsupportedInstanceTypeException when the type cannot run with nested virtualization
   * @throws SpotRefusedException when a Spot launch is refused for nested virtualization
   * @throws LaunchRefusedException when the provider refuses the request's parameters
   * @throws ClientTokenReusedException when the token launched before with other parameters
   * @throws ThrottledException when the provider keeps throttling after the client's retries
   */
  List<Instance> launch(LaunchRequest request);

  /**
   * The instances an earlier launch with this client token created, found with one direct call (for
   * the rare answer that the token was used before; listings are the usual way).
   */
  List<Instance> findByClientToken(String clientToken);

  /**
   * Every instance tagged for this operator's cluster that is not yet terminated, read with one
   * paginated, tag-filtered listing for the whole cluster (never one per pool).
   */
  List<Instance> listClusterInstances();

  /**
   * Terminates the instances; ids that no longer exist are ignored.
   *
   * @return each terminated instance's state as the provider reports it right after the call
   *     (shutting-down, or terminated); ids it no longer knows are absent
   */
  Map<String, InstanceState> terminate(Collection<String> instanceIds);

  /**
   * The pending events the provider scheduled for instances, read with one call for the region
   * (paginated), filtered to instances that have one. Instances of other clusters may be among
   * them: callers keep their own.
   */
  List<ScheduledEvent> scheduledEvents();

  /**
   * The named queue of notices about instances (see {@link NoticeQueue}); its address is looked up
   * on first use.
   */
  NoticeQueue noticeQueue(String name);

  /** Descriptions of the named types; names the provider does not know are absent from the map. */
  Map<String, InstanceType> describeInstanceTypes(Collection<String> names);

  /** Every instance type that can run nested virtualization (for suggesting alternatives). */
  List<InstanceType> capableInstanceTypes();

  /**
   * Which zones of the region offer which instance types, read at most once per instance type cache
   * TTL; {@link ZoneOfferings#UNKNOWN} when the provider reports none (or cannot be asked).
   */
  ZoneOfferings zoneOfferings();

  /** The subnets the selector names; empty selector means the cluster's tagged subnets. */
  List<Subnet> resolveSubnets(ResourceSelector selector);

  /** The security group ids the selector names; empty selector means the cluster's groups. */
  List<String> resolveSecurityGroups(ResourceSelector selector);

  /**
   * The AMI id for an image reference: an AMI id ({@code ami-...}, checked to exist), an SSM
   * parameter name ({@code /...} or {@code resolve:ssm:/...}), or, when {@code image} is null, the
   * EKS-optimized Amazon Linux 2023 AMI for {@code kubernetesVersion}.
   *
   * @throws ResourceNotFoundException when the image or parameter does not exist
   */
  String resolveImage(String image, String kubernetesVersion);

  /**
   * The image reference {@link #resolveImage} uses when a pool names none: the SSM parameter of the
   * EKS-optimized Amazon Linux 2023 AMI for {@code kubernetesVersion}. Lets callers see that a pool
   * without an image and one naming that parameter share one image.
   */
  String defaultImage(String kubernetesVersion);
}
