package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.ApiCallListener;
import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.LaunchRequest;
import io.nestedvirt.operator.cloud.NoticeQueue;
import io.nestedvirt.operator.cloud.ResourceNotFoundException;
import io.nestedvirt.operator.cloud.ResourceSelector;
import io.nestedvirt.operator.cloud.ScheduledEvent;
import io.nestedvirt.operator.cloud.Subnet;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.cloud.ZoneOfferings;
import io.nestedvirt.operator.cloud.aws.Ec2Errors.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstanceStatusRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSecurityGroupsRequest;
import software.amazon.awssdk.services.ec2.model.DescribeSubnetsRequest;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InstanceStateChange;
import software.amazon.awssdk.services.ec2.model.LocationType;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * {@link CloudProvider} on EC2 (and SSM for image parameters). Every SDK call goes through {@link
 * #call}, which turns SDK exceptions into our typed ones via {@link Ec2Errors}.
 */
public final class AwsCloudProvider implements CloudProvider, AutoCloseable {

  /**
   * Everything but {@code terminated}. Terminated instances linger in DescribeInstances for about
   * an hour and are gone for every purpose; {@code shutting-down} stays in so that the reconciler
   * sees that a termination is under way and neither relaunches early nor terminates twice.
   */
  static final List<String> LISTED_STATES =
      Stream.of(
              InstanceState.PENDING,
              InstanceState.RUNNING,
              InstanceState.SHUTTING_DOWN,
              InstanceState.STOPPING,
              InstanceState.STOPPED)
          .map(InstanceState::wireName)
          .toList();

  /** EC2's maximum page size for DescribeInstances: fewest calls for a large cluster. */
  static final int DESCRIBE_INSTANCES_PAGE_SIZE = 1000;

  /** EC2's maximum page size for DescribeInstanceTypes. */
  static final int DESCRIBE_INSTANCE_TYPES_PAGE_SIZE = 100;

  /** EC2's maximum page size for DescribeInstanceTypeOfferings. */
  static final int DESCRIBE_OFFERINGS_PAGE_SIZE = 1000;

  /** DescribeInstanceStatus's maximum page size. */
  static final int DESCRIBE_INSTANCE_STATUS_PAGE_SIZE = 1000;

  /**
   * The codes of EC2's scheduled events, all of which disrupt the instance: a stop or retirement
   * ends it, a reboot or maintenance takes it away for a while, and a live migration of its VMs is
   * worth more than riding it out.
   */
  static final List<String> SCHEDULED_EVENT_CODES =
      List.of(
          "instance-reboot",
          "system-reboot",
          "system-maintenance",
          "instance-retirement",
          "instance-stop");

  /** TerminateInstances accepts at most this many ids per call. */
  static final int TERMINATE_BATCH_SIZE = 1000;

  static final String EKS_AL2023_AMI_PARAMETER =
      "/aws/service/eks/optimized-ami/%s/amazon-linux-2023/x86_64/standard/recommended/image_id";

  private static final String SSM_PREFIX = "resolve:ssm:";

  private final String clusterName;
  private final Ec2Client ec2;
  private final SsmClient ssm;
  private final InstanceTypeCache instanceTypes;
  private final ZoneOfferingsCache zoneOfferings;

  /** Opens a named notice queue; set by {@link #create}, which has the settings to build one. */
  private Function<String, NoticeQueue> queues =
      name -> {
        throw new IllegalStateException(
            "this provider was built from its clients, without settings for an SQS client");
      };

  /** Zones of subnets already resolved, to name the zone of a capacity error without a call. */
  private final Map<String, String> subnetZones = new ConcurrentHashMap<>();

  /** For tests and callers that build their own clients. The provider closes them on close. */
  public AwsCloudProvider(
      String clusterName,
      Ec2Client ec2,
      SsmClient ssm,
      Duration instanceTypeCacheTtl,
      Clock clock) {
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.ec2 = Objects.requireNonNull(ec2, "ec2");
    this.ssm = Objects.requireNonNull(ssm, "ssm");
    this.instanceTypes =
        new InstanceTypeCache(this::loadInstanceTypes, instanceTypeCacheTtl, clock);
    this.zoneOfferings =
        new ZoneOfferingsCache(this::loadZoneOfferings, instanceTypeCacheTtl, clock);
  }

  public AwsCloudProvider(String clusterName, Ec2Client ec2, SsmClient ssm) {
    this(clusterName, ec2, ssm, AwsSettings.DEFAULT_INSTANCE_TYPE_CACHE_TTL, Clock.systemUTC());
  }

  /** Builds EC2 and SSM clients from the settings: Apache HttpClient 5, STANDARD retries. */
  public static AwsCloudProvider create(AwsSettings settings) {
    return create(settings, ApiCallListener.NONE);
  }

  /** As {@link #create(AwsSettings)}, telling {@code requests} about every request sent. */
  public static AwsCloudProvider create(AwsSettings settings, ApiCallListener requests) {
    Ec2Client ec2 = configure(Ec2Client.builder(), settings, requests).build();
    SsmClient ssm = configure(SsmClient.builder(), settings, requests).build();
    AwsCloudProvider provider =
        new AwsCloudProvider(
            settings.clusterName(), ec2, ssm, settings.instanceTypeCacheTtl(), Clock.systemUTC());
    provider.queues =
        name ->
            new SqsNoticeQueue(configure(SqsClient.builder(), settings, requests).build(), name);
    return provider;
  }

  private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> B configure(
      B builder, AwsSettings settings, ApiCallListener requests) {
    // STANDARD retries back off with jitter on throttling and 5xx. RunInstances is safe to retry
    // because the request carries our ClientToken: EC2 answers a repeat with the first launch.
    RetryStrategy retries =
        AwsRetryStrategy.forRetryMode(RetryMode.STANDARD).toBuilder()
            .maxAttempts(settings.maxAttempts())
            .build();
    builder
        .httpClientBuilder(Apache5HttpClient.builder())
        .region(Region.of(settings.region()))
        .overrideConfiguration(
            o -> o.retryStrategy(retries).addMetricPublisher(new ApiCallPublisher(requests)));
    if (settings.endpointOverride() != null) {
      builder.endpointOverride(settings.endpointOverride());
    }
    if (settings.staticCredentials() != null) {
      builder.credentialsProvider(
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(
                  settings.staticCredentials().accessKeyId(),
                  settings.staticCredentials().secretAccessKey())));
    }
    // Without static credentials the SDK's default chain applies (IRSA, Pod Identity, IMDS, env).
    return builder;
  }

  @Override
  public List<Instance> launch(LaunchRequest request) {
    try {
      return ec2.runInstances(LaunchRequests.toRunInstances(request)).instances().stream()
          .map(InstanceMapper::toInstance)
          .toList();
    } catch (SdkException e) {
      // Only a capacity error or a zone's refusal needs the zone; only then is a lookup worth it.
      String zone = Ec2Errors.isAboutTheZone(e) ? zoneOf(request.subnetId()) : null;
      throw Ec2Errors.translate(
          e,
          Context.launch(
              request.instanceType(), zone, request.capacityType() == CapacityType.SPOT));
    }
  }

  @Override
  public List<Instance> listClusterInstances() {
    DescribeInstancesRequest request =
        DescribeInstancesRequest.builder()
            .filters(
                filter("tag:" + Tags.CLUSTER, clusterName),
                filter("instance-state-name", LISTED_STATES))
            .maxResults(DESCRIBE_INSTANCES_PAGE_SIZE)
            .build();
    return call(
        Context.of("DescribeInstances"),
        () ->
            ec2.describeInstancesPaginator(request).reservations().stream()
                .flatMap(r -> r.instances().stream())
                .map(InstanceMapper::toInstance)
                .toList());
  }

  @Override
  public List<ScheduledEvent> scheduledEvents() {
    // DescribeInstanceStatus takes no tag filter: the event codes keep the answer to the few
    // instances with an event, and the caller keeps its own.
    DescribeInstanceStatusRequest request =
        DescribeInstanceStatusRequest.builder()
            .filters(filter("event.code", SCHEDULED_EVENT_CODES))
            .maxResults(DESCRIBE_INSTANCE_STATUS_PAGE_SIZE)
            .build();
    return call(
        Context.of("DescribeInstanceStatus"),
        () ->
            ec2.describeInstanceStatusPaginator(request).instanceStatuses().stream()
                .flatMap(
                    status ->
                        status.events().stream()
                            .map(
                                event ->
                                    new ScheduledEvent(
                                        status.instanceId(),
                                        event.codeAsString(),
                                        event.description(),
                                        event.notBefore())))
                .filter(ScheduledEvent::pending)
                .toList());
  }

  @Override
  public NoticeQueue noticeQueue(String name) {
    return queues.apply(name);
  }

  @Override
  public List<Instance> findByClientToken(String clientToken) {
    DescribeInstancesRequest request =
        DescribeInstancesRequest.builder()
            .filters(
                filter("tag:" + Tags.CLUSTER, clusterName), filter("client-token", clientToken))
            .build();
    return call(
        Context.of("DescribeInstances"),
        () ->
            ec2.describeInstancesPaginator(request).reservations().stream()
                .flatMap(r -> r.instances().stream())
                .map(InstanceMapper::toInstance)
                .toList());
  }

  @Override
  public Map<String, InstanceState> terminate(Collection<String> instanceIds) {
    List<String> ids = instanceIds.stream().distinct().toList();
    Map<String, InstanceState> states = new LinkedHashMap<>();
    for (int from = 0; from < ids.size(); from += TERMINATE_BATCH_SIZE) {
      terminateBatch(ids.subList(from, Math.min(ids.size(), from + TERMINATE_BATCH_SIZE)), states);
    }
    return states;
  }

  /**
   * EC2 fails the whole call when any id is unknown, and names the unknown ones in the message.
   * Those are already gone, which is what we wanted: drop them and try again. If the message names
   * none of ours, go one by one so that one unparseable answer cannot block the rest.
   */
  private void terminateBatch(List<String> batch, Map<String, InstanceState> states) {
    List<String> remaining = new ArrayList<>(batch);
    while (!remaining.isEmpty()) {
      try {
        record(ec2.terminateInstances(r -> r.instanceIds(remaining)), states);
        return;
      } catch (SdkException e) {
        if (!Ec2Errors.isInstanceNotFound(e)) {
          throw Ec2Errors.translate(e, Context.of("TerminateInstances"));
        }
        List<String> missing =
            Ec2Errors.idsIn(Ec2Errors.detail((AwsServiceException) e)).stream()
                .filter(remaining::contains)
                .toList();
        if (missing.isEmpty()) {
          remaining.forEach(id -> terminateOne(id, states));
          return;
        }
        remaining.removeAll(missing);
      }
    }
  }

  private void terminateOne(String id, Map<String, InstanceState> states) {
    try {
      record(ec2.terminateInstances(r -> r.instanceIds(id)), states);
    } catch (SdkException e) {
      if (!Ec2Errors.isInstanceNotFound(e)) {
        throw Ec2Errors.translate(e, Context.resource("TerminateInstances", id));
      }
    }
  }

  private static void record(
      TerminateInstancesResponse response, Map<String, InstanceState> states) {
    for (InstanceStateChange change : response.terminatingInstances()) {
      if (change.currentState() != null && change.currentState().nameAsString() != null) {
        states.put(
            change.instanceId(), InstanceState.fromWireName(change.currentState().nameAsString()));
      }
    }
  }

  @Override
  public Map<String, InstanceType> describeInstanceTypes(Collection<String> names) {
    Map<String, InstanceType> catalog = instanceTypes.catalog();
    Map<String, InstanceType> found = new LinkedHashMap<>();
    for (String name : names) {
      InstanceType type = catalog.get(name);
      if (type != null) {
        found.put(name, type);
      }
    }
    return found;
  }

  @Override
  public List<InstanceType> capableInstanceTypes() {
    return instanceTypes.catalog().values().stream()
        .filter(InstanceType::capable)
        .sorted(Comparator.comparing(InstanceType::name))
        .toList();
  }

  /**
   * Reads the whole catalog rather than the names asked for. Asking by name fails the entire call
   * with {@code InvalidInstanceType} when one name is unknown, and {@link #capableInstanceTypes()}
   * needs the whole catalog anyway. A region has about a thousand types: ten pages, once per TTL.
   * No architecture filter: an arm64 type must come back as "not capable", not as "unknown".
   */
  private List<InstanceType> loadInstanceTypes() {
    return call(
        Context.of("DescribeInstanceTypes"),
        () ->
            ec2
                .describeInstanceTypesPaginator(
                    r -> r.maxResults(DESCRIBE_INSTANCE_TYPES_PAGE_SIZE))
                .instanceTypes()
                .stream()
                .map(InstanceMapper::toInstanceType)
                .toList());
  }

  @Override
  public ZoneOfferings zoneOfferings() {
    return zoneOfferings.offerings();
  }

  /**
   * Every (type, zone) offering of the region, unfiltered: a few thousand, a few pages, once per
   * TTL, and the message of a pool whose zones offer none of its types can then say what they do
   * offer.
   */
  private ZoneOfferings loadZoneOfferings() {
    return call(
        Context.of("DescribeInstanceTypeOfferings"),
        () ->
            ZoneOfferings.of(
                ec2
                    .describeInstanceTypeOfferingsPaginator(
                        r ->
                            r.locationType(LocationType.AVAILABILITY_ZONE)
                                .maxResults(DESCRIBE_OFFERINGS_PAGE_SIZE))
                    .instanceTypeOfferings()
                    .stream()
                    .map(o -> Map.entry(o.instanceTypeAsString(), o.location()))
                    .toList()));
  }

  @Override
  public List<Subnet> resolveSubnets(ResourceSelector selector) {
    ResourceSelector effective = selector.isEmpty() ? clusterDefault() : selector;
    DescribeSubnetsRequest.Builder request =
        DescribeSubnetsRequest.builder().filters(tagFilters(effective.tags()));
    if (!effective.ids().isEmpty()) {
      request.subnetIds(effective.ids());
    }
    List<Subnet> subnets =
        call(
            Context.resource("DescribeSubnets", single(effective.ids())),
            () ->
                ec2.describeSubnetsPaginator(request.build()).subnets().stream()
                    .map(InstanceMapper::toSubnet)
                    .toList());
    requireFound("subnet", "InvalidSubnetID.NotFound", effective, ids(subnets, Subnet::id));
    subnets.forEach(s -> subnetZones.put(s.id(), s.zone()));
    return subnets;
  }

  @Override
  public List<String> resolveSecurityGroups(ResourceSelector selector) {
    ResourceSelector effective = selector.isEmpty() ? clusterDefault() : selector;
    DescribeSecurityGroupsRequest.Builder request =
        DescribeSecurityGroupsRequest.builder().filters(tagFilters(effective.tags()));
    if (!effective.ids().isEmpty()) {
      request.groupIds(effective.ids());
    }
    List<String> groups =
        call(
            Context.resource("DescribeSecurityGroups", single(effective.ids())),
            () ->
                ec2.describeSecurityGroupsPaginator(request.build()).securityGroups().stream()
                    .map(SecurityGroup::groupId)
                    .toList());
    requireFound("security group", "InvalidGroup.NotFound", effective, groups);
    return groups;
  }

  @Override
  public String resolveImage(String image, String kubernetesVersion) {
    if (image == null) {
      return ssmParameter(defaultImage(kubernetesVersion));
    }
    if (image.startsWith(SSM_PREFIX)) {
      return ssmParameter(image.substring(SSM_PREFIX.length()));
    }
    if (image.startsWith("/")) {
      return ssmParameter(image);
    }
    if (image.startsWith("ami-")) {
      boolean exists =
          call(
              Context.resource("DescribeImages", image),
              // AWS answers InvalidAMIID.NotFound, but an image that is not shared with us, or an
              // emulator, may come back as an empty list instead.
              () -> !ec2.describeImages(r -> r.imageIds(image)).images().isEmpty());
      if (!exists) {
        throw new ResourceNotFoundException(
            "InvalidAMIID.NotFound",
            image,
            image + " does not exist or is not shared with this account",
            null);
      }
      return image;
    }
    throw new ResourceNotFoundException(
        "InvalidImageReference",
        image,
        "image must be an AMI id (ami-...) or an SSM parameter (/... or resolve:ssm:/...), was "
            + image,
        null);
  }

  @Override
  public String defaultImage(String kubernetesVersion) {
    if (kubernetesVersion == null || kubernetesVersion.isBlank()) {
      throw new IllegalArgumentException("no image and no Kubernetes version to pick one for");
    }
    return EKS_AL2023_AMI_PARAMETER.formatted(kubernetesVersion);
  }

  private String ssmParameter(String name) {
    return call(
        Context.resource("GetParameter", name),
        () -> ssm.getParameter(r -> r.name(name)).parameter().value());
  }

  /** EKS tooling tags a cluster's subnets and node security groups with this key. */
  private ResourceSelector clusterDefault() {
    return new ResourceSelector(
        List.of(), Map.of(Tags.kubernetesCluster(clusterName), ResourceSelector.ANY_VALUE));
  }

  /**
   * Ids the selector names but AWS did not return (an emulator may omit them instead of failing),
   * or tags that matched nothing: either way the spec points at something that is not there.
   */
  private static void requireFound(
      String kind, String code, ResourceSelector selector, List<String> found) {
    for (String id : selector.ids()) {
      if (!found.contains(id)) {
        throw new ResourceNotFoundException(
            code,
            id,
            "%s %s does not exist%s"
                .formatted(
                    kind, id, selector.tags().isEmpty() ? "" : " or lacks tags " + selector.tags()),
            null);
      }
    }
    if (found.isEmpty()) {
      String tags = new TreeMap<>(selector.tags()).toString();
      throw new ResourceNotFoundException(
          code,
          tags,
          "no %s matches tags %s (value * means any): tag the %ss or select them by id"
              .formatted(kind, tags, kind),
          null);
    }
  }

  private static List<Filter> tagFilters(Map<String, String> tags) {
    return tags.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(
            t ->
                ResourceSelector.ANY_VALUE.equals(t.getValue())
                    ? filter("tag-key", t.getKey())
                    : filter("tag:" + t.getKey(), t.getValue()))
        .toList();
  }

  private static Filter filter(String name, String value) {
    return filter(name, List.of(value));
  }

  private static Filter filter(String name, List<String> values) {
    return Filter.builder().name(name).values(values).build();
  }

  /** Best effort: the error being reported matters more than the zone in it. */
  private String zoneOf(String subnetId) {
    if (subnetId == null) {
      return null;
    }
    String known = subnetZones.get(subnetId);
    if (known != null) {
      return known;
    }
    try {
      return ec2.describeSubnets(r -> r.subnetIds(subnetId)).subnets().stream()
          .map(software.amazon.awssdk.services.ec2.model.Subnet::availabilityZone)
          .findFirst()
          .orElse(null);
    } catch (SdkException e) {
      return null;
    }
  }

  private static <T> List<String> ids(List<T> items, Function<T, String> id) {
    return items.stream().map(id).toList();
  }

  private static String single(List<String> ids) {
    return ids.size() == 1 ? ids.getFirst() : null;
  }

  private static <T> T call(Context context, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw Ec2Errors.translate(e, context);
    }
  }

  @Override
  public void close() {
    try (ec2;
        ssm) {
      // closes both, even when the first close fails
    }
  }
}
