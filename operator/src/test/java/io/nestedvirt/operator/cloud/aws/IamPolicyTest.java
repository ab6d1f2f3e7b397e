package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.LaunchRequest;
import io.nestedvirt.operator.cloud.Tags;
import io.nestedvirt.operator.cloud.aws.IamPolicy.Request;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * deploy/iam-policy.json allows exactly the AWS actions that cloud/aws calls, each as narrowly as
 * IAM can say it. The calls are read from the code, so a new call without a policy change fails
 * here. The policy, its placeholders filled in, is also evaluated ({@link IamPolicy}) against the
 * authorizations of the requests the operator really makes (launches of both capacity types built
 * by {@link LaunchRequests}): all allowed in the cluster's region and account, none in another
 * region or for another cluster; deploy/iam-policy-optional.json adds a custom SSM parameter and a
 * customer-managed KMS key. The interruption handling's calls ({@link InterruptionActions}) are
 * allowed on the cluster's queue (deploy/interruption's default name) and in its region only.
 */
class IamPolicyTest {
  private static final Path REPO = Path.of(System.getProperty("repo.root", ".."));
  private static final Path CODE =
      REPO.resolve("operator/src/main/java/io/nestedvirt/operator/cloud/aws");
  private static final String CLUSTER_TAG = "nestedvirt.io/cluster";
  private static final String REGION = "us-east-1";
  private static final String ACCOUNT = "111122223333";
  private static final String CLUSTER = "prod";
  private static final String NODE_ROLE = "nestedvirt-node";
  private static final String CUSTOM_PARAMETER = "/platform/nestedvirt/ami";
  private static final String KMS_KEY_ID = "abc";
  private static final Map<String, String> PLACEHOLDERS =
      Map.of(
          "REGION", REGION,
          "ACCOUNT_ID", ACCOUNT,
          "CLUSTER_NAME", CLUSTER,
          "NODE_ROLE_NAME", NODE_ROLE,
          // The parameter's name without its leading slash: the ARN has "parameter/" before it.
          "PARAMETER_NAME", CUSTOM_PARAMETER.substring(1),
          "KMS_KEY_ID", KMS_KEY_ID);
  private static final Map<String, String> CLUSTER_TAGS =
      Map.of(Tags.CLUSTER, CLUSTER, Tags.POOL, "kvm", Tags.kubernetesCluster(CLUSTER), "owned");
  private static JsonNode policy;
  private static IamPolicy filled;
  private static IamPolicy optional;

  @BeforeAll
  static void load() throws IOException {
    policy = new ObjectMapper().readTree(REPO.resolve("deploy/iam-policy.json").toFile());
    filled = IamPolicy.read(REPO.resolve("deploy/iam-policy.json"), PLACEHOLDERS);
    optional = IamPolicy.read(REPO.resolve("deploy/iam-policy-optional.json"), PLACEHOLDERS);
  }

  @ParameterizedTest
  @EnumSource(CapacityType.class)
  void everyRequestOfALaunchIsAllowedForBothCapacityTypes(CapacityType capacity) {
    // With an instance profile and an encrypted root volume, but the key is AWS-managed here:
    // the customer-managed key has its own test below.
    List<Request> launch = authorizations(REGION).of(launch(capacity, CLUSTER_TAGS, null));

    assertThat(launch)
        .as("the authorizations of a %s launch", capacity)
        .extracting(Request::resource)
        .anyMatch(r -> r.contains(":instance/"))
        .anyMatch(r -> r.contains(":volume/"));
    if (capacity == CapacityType.SPOT) {
      assertThat(launch)
          .extracting(Request::resource)
          .anyMatch(r -> r.contains(":spot-instances-request/"));
    }
    assertThat(denied(filled, launch))
        .as("requests of a %s launch that deploy/iam-policy.json refuses", capacity)
        .isEmpty();
  }

  @Test
  void readsTerminationsAndTheEksAmiParameterAreAllowedInTheClustersRegion() throws IOException {
    assertThat(denied(filled, everythingButLaunches(REGION))).isEmpty();
  }

  @Test
  void nothingIsAllowedInAnotherRegion() throws IOException {
    String elsewhere = "eu-west-1";
    List<Request> requests = new ArrayList<>(everythingButLaunches(elsewhere));
    for (CapacityType capacity : CapacityType.values()) {
      // iam:PassRole names a global role, not a region; everything else is refused.
      authorizations(elsewhere).of(launch(capacity, CLUSTER_TAGS, null)).stream()
          .filter(r -> !r.action().startsWith("iam:"))
          .forEach(requests::add);
    }
    assertThat(requests).isNotEmpty();
    assertThat(requests)
        .as("requests in %s that deploy/iam-policy.json (for %s) allows", elsewhere, REGION)
        .noneMatch(filled::allows);
  }

  @Test
  void launchesTaggedForAnotherClusterAndTerminatingItsInstancesAreRefused() {
    Map<String, String> otherTags = Map.of(Tags.CLUSTER, "staging", Tags.POOL, "kvm");
    for (CapacityType capacity : CapacityType.values()) {
      List<Request> launch = authorizations(REGION).of(launch(capacity, otherTags, null));
      assertThat(denied(filled, launch))
          .as("a %s launch tagged for another cluster is refused on what it creates", capacity)
          .extracting(Request::resource)
          .anyMatch(r -> r.contains(":instance/"))
          .anyMatch(r -> r.contains(":volume/"));
    }
    assertThat(filled.allows(terminate(REGION, "staging"))).isFalse();
    // An untagged spot request (the operator before it tagged one) is refused as well.
    RunInstancesRequest spot = launch(CapacityType.SPOT, CLUSTER_TAGS, null);
    RunInstancesRequest untaggedRequest =
        spot.toBuilder()
            .tagSpecifications(
                spot.tagSpecifications().stream()
                    .filter(t -> t.resourceType() != ResourceType.SPOT_INSTANCES_REQUEST)
                    .toList())
            .build();
    assertThat(denied(filled, authorizations(REGION).of(untaggedRequest)))
        .extracting(Request::resource)
        .singleElement()
        .asString()
        .contains(":spot-instances-request/");
  }

  @Test
  void theInterruptionQueueCallsAreAllowedOnTheClustersQueueOnly() {
    String queue = InterruptionActions.defaultQueueName(CLUSTER);
    for (String action : InterruptionActions.QUEUE) {
      assertThat(filled.allows(onQueue(action, REGION, ACCOUNT, queue)))
          .as("%s on the cluster's queue %s", action, queue)
          .isTrue();
      assertThat(
              filled.allows(onQueue(action, REGION, ACCOUNT, "staging-nestedvirt-interruptions")))
          .as("%s on another cluster's queue", action)
          .isFalse();
      assertThat(filled.allows(onQueue(action, REGION, ACCOUNT, "orders")))
          .as("%s on an unrelated queue", action)
          .isFalse();
      assertThat(filled.allows(onQueue(action, "eu-west-1", ACCOUNT, queue)))
          .as("%s on a queue of that name in another region", action)
          .isFalse();
      assertThat(filled.allows(onQueue(action, REGION, "444455556666", queue)))
          .as("%s on a queue of that name in another account", action)
          .isFalse();
    }
    assertThat(filled.allows(onQueue("sqs:SendMessage", REGION, ACCOUNT, queue)))
        .as("the operator only reads and deletes: EventBridge sends")
        .isFalse();
    assertThat(filled.allows(onQueue("sqs:PurgeQueue", REGION, ACCOUNT, queue))).isFalse();
  }

  @Test
  void describeInstanceStatusIsAllowedInTheClustersRegionOnly() {
    String action = InterruptionActions.SCHEDULED_EVENTS;
    assertThat(filled.allows(new Request(action, "*", Map.of("aws:RequestedRegion", REGION))))
        .isTrue();
    assertThat(filled.allows(new Request(action, "*", Map.of("aws:RequestedRegion", "eu-west-1"))))
        .as("%s in another region", action)
        .isFalse();
  }

  private static Request onQueue(String action, String region, String account, String queue) {
    return new Request(
        action,
        "arn:aws:sqs:" + region + ":" + account + ":" + queue,
        Map.of("aws:RequestedRegion", region));
  }

  @Test
  void aCustomAmiParameterAndACustomerManagedKeyNeedTheOptionalStatements() {
    Request custom =
        new Request(
            "ssm:GetParameter",
            "arn:aws:ssm:" + REGION + ":" + ACCOUNT + ":parameter" + CUSTOM_PARAMETER,
            Map.of("aws:RequestedRegion", REGION));
    String key = "arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/" + KMS_KEY_ID;
    List<Request> launch =
        authorizations(REGION).of(launch(CapacityType.ON_DEMAND, CLUSTER_TAGS, key));
    List<Request> kms = launch.stream().filter(r -> r.action().startsWith("kms:")).toList();
    assertThat(kms).extracting(Request::action).contains("kms:CreateGrant");

    assertThat(filled.allows(custom)).as("the base policy reads only EKS's parameters").isFalse();
    assertThat(kms).as("the base policy grants no KMS key").noneMatch(filled::allows);

    IamPolicy both = filled.with(optional);
    assertThat(both.allows(custom)).isTrue();
    assertThat(denied(both, launch)).isEmpty();
    // A grant that EC2 does not hold for a volume, or a key used other than through EC2: refused.
    assertThat(
            both.allows(
                new Request(
                    "kms:CreateGrant",
                    key,
                    Map.of(
                        "kms:ViaService",
                        "ec2." + REGION + ".amazonaws.com",
                        "kms:GrantIsForAWSResource",
                        "false",
                        "aws:RequestedRegion",
                        REGION))))
        .isFalse();
    assertThat(
            both.allows(
                new Request(
                    "kms:Decrypt",
                    key,
                    Map.of(
                        "kms:ViaService",
                        "s3." + REGION + ".amazonaws.com",
                        "aws:RequestedRegion",
                        REGION))))
        .isFalse();
  }

  private static RunInstancesAuthorizations authorizations(String region) {
    return new RunInstancesAuthorizations(region, ACCOUNT, NODE_ROLE);
  }

  private static RunInstancesRequest launch(
      CapacityType capacity, Map<String, String> tags, String kmsKey) {
    LaunchRequest base = AwsLaunchRequestMappingTest.request(capacity, NODE_ROLE, tags);
    LaunchRequest request =
        new LaunchRequest(
            base.clientToken(),
            base.count(),
            base.instanceType(),
            base.subnetId(),
            base.imageId(),
            base.securityGroupIds(),
            base.instanceProfile(),
            new LaunchRequest.RootVolume(80, "gp3", true, kmsKey),
            base.metadataOptions(),
            base.coreCount(),
            base.threadsPerCore(),
            base.capacityType(),
            base.userData(),
            base.tags());
    return LaunchRequests.toRunInstances(request);
  }

  /** The Describe calls found in the code, a termination and the default image's parameter. */
  private static List<Request> everythingButLaunches(String region) throws IOException {
    Map<String, String> inRegion = Map.of("aws:RequestedRegion", region);
    List<Request> requests = new ArrayList<>();
    calledActions().stream()
        .filter(a -> a.startsWith("ec2:Describe"))
        .forEach(a -> requests.add(new Request(a, "*", inRegion)));
    assertThat(requests).hasSizeGreaterThanOrEqualTo(4);
    requests.add(terminate(region, CLUSTER));
    String parameter = String.format(AwsCloudProvider.EKS_AL2023_AMI_PARAMETER, "1.34");
    requests.add(
        new Request(
            "ssm:GetParameter", "arn:aws:ssm:" + region + "::parameter" + parameter, inRegion));
    return requests;
  }

  private static Request terminate(String region, String cluster) {
    return new Request(
        "ec2:TerminateInstances",
        "arn:aws:ec2:" + region + ":" + ACCOUNT + ":instance/i-0123456789abcdef0",
        Map.of("aws:RequestedRegion", region, "ec2:ResourceTag/" + CLUSTER_TAG, cluster));
  }

  private static List<Request> denied(IamPolicy policy, List<Request> requests) {
    return requests.stream().filter(r -> !policy.allows(r)).toList();
  }

  @Test
  void allowsEveryActionTheCodeCallsAndNothingMore() throws IOException {
    assertThat(allowedActions())
        .as(
            "deploy/iam-policy.json against the calls in cloud/aws; a new call needs a policy"
                + " statement, a removed one its statement removed")
        .containsExactlyInAnyOrderElementsOf(calledActions());
  }

  @Test
  void theCalledActionsAreFoundInTheCode() throws IOException {
    // Guards the scanner itself: these calls exist today; if it found none, the test above
    // would compare two empty sets.
    assertThat(calledActions())
        .contains(
            "ec2:RunInstances",
            "ec2:DescribeInstances",
            "ec2:TerminateInstances",
            "ssm:GetParameter",
            "ec2:CreateTags",
            "iam:PassRole");
  }

  @Test
  void onlyDescribeActionsApplyToEveryResource() {
    for (JsonNode statement : policy.get("Statement")) {
      assertThat(statement.get("Effect").asText()).isEqualTo("Allow");
      for (String action : strings(statement.get("Action"))) {
        assertThat(action).as("no wildcard actions").doesNotContain("*");
        if (strings(statement.get("Resource")).contains("*")) {
          assertThat(action).as("only reads on every resource").startsWith("ec2:Describe");
        }
      }
    }
  }

  @Test
  void launchingAndTaggingNeedTheClusterTagInTheRequest() {
    assertThat(Tags.CLUSTER).isEqualTo(CLUSTER_TAG);
    JsonNode launch = statement("LaunchOnlyInstancesTaggedForTheCluster");
    assertThat(strings(launch.get("Resource")))
        .allMatch(
            r ->
                r.contains(":instance/")
                    || r.contains(":volume/")
                    || r.contains(":spot-instances-request/"));
    assertThat(condition(launch, "aws:RequestTag/" + CLUSTER_TAG)).isEqualTo("CLUSTER_NAME");
    JsonNode tag = statement("TagOnlyWhileLaunching");
    assertThat(condition(tag, "ec2:CreateAction")).isEqualTo("RunInstances");
    assertThat(condition(tag, "aws:RequestTag/" + CLUSTER_TAG)).isEqualTo("CLUSTER_NAME");
    // The other RunInstances statement names the resources a launch reads, none it creates
    // untagged.
    JsonNode from = statement("LaunchFromTheClustersNetworkAndImages");
    assertThat(strings(from.get("Resource")))
        .noneMatch(r -> r.contains(":instance/") || r.contains(":volume/"));
  }

  @Test
  void terminatingNeedsTheClusterTagOnTheInstance() {
    JsonNode terminate = statement("TerminateOnlyTheClustersInstances");
    assertThat(condition(terminate, "ec2:ResourceTag/" + CLUSTER_TAG)).isEqualTo("CLUSTER_NAME");
  }

  @Test
  void passRoleOnlyForTheNodeRoleToEc2AndSsmOnlyForPublicAmiParameters() {
    JsonNode pass = statement("PassOnlyTheNodeRoleToEc2");
    assertThat(pass.get("Resource").asText())
        .isEqualTo("arn:aws:iam::ACCOUNT_ID:role/NODE_ROLE_NAME");
    assertThat(condition(pass, "iam:PassedToService")).isEqualTo("ec2.amazonaws.com");
    assertThat(statement("ReadThePublicEksAmiParameters").get("Resource").asText())
        .startsWith("arn:aws:ssm:REGION::parameter/aws/service/");
  }

  /**
   * Every operation of the SDK clients named in cloud/aws ({@code ec2.runInstances(...)}, {@code
   * describeInstancesPaginator(...)}), as IAM actions; plus what a launch implies: tags on create
   * need ec2:CreateTags, an instance profile needs iam:PassRole of its role.
   */
  private static Set<String> calledActions() throws IOException {
    String code = source();
    Set<String> called = new TreeSet<>();
    called.addAll(actions("ec2", Ec2Client.class, code));
    called.addAll(actions("ssm", SsmClient.class, code));
    called.addAll(sqsActions(code));
    if (code.contains("tagSpecifications(")) {
      called.add("ec2:CreateTags");
    }
    if (code.contains("iamInstanceProfile(")) {
      called.add("iam:PassRole");
    }
    return called;
  }

  /**
   * The SQS calls of the interruption handling. The client is named, not imported: without the SQS
   * module on the classpath the code cannot call SQS, and there is nothing to find. SQS authorizes
   * a batch call (DeleteMessageBatch) as its single action (sqs:DeleteMessage).
   */
  private static Set<String> sqsActions(String code) {
    Class<?> client;
    try {
      client = Class.forName("software.amazon.awssdk.services.sqs.SqsClient");
    } catch (ClassNotFoundException e) {
      return Set.of();
    }
    Set<String> actions = new TreeSet<>();
    for (String action : actions("sqs", client, code)) {
      actions.add(action.replaceFirst("Batch$", ""));
    }
    return actions;
  }

  private static Set<String> actions(String service, Class<?> client, String code) {
    Set<String> operations = new TreeSet<>();
    for (Method m : client.getMethods()) {
      boolean operation =
          Arrays.stream(m.getParameterTypes()).anyMatch(p -> p.getSimpleName().endsWith("Request"));
      if (operation) {
        operations.add(m.getName());
      }
    }
    Set<String> actions = new TreeSet<>();
    Matcher call = Pattern.compile("\\.\\s*(\\w+)\\s*\\(").matcher(code);
    while (call.find()) {
      String name = call.group(1);
      if (operations.contains(name)) {
        String operation = name.replaceFirst("Paginator$", "");
        actions.add(
            service + ":" + Character.toUpperCase(operation.charAt(0)) + operation.substring(1));
      }
    }
    return actions;
  }

  private static String source() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(CODE)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        all.append(Files.readString(file)).append('\n');
      }
    }
    return all.toString();
  }

  private static Set<String> allowedActions() {
    Set<String> actions = new TreeSet<>();
    for (JsonNode statement : policy.get("Statement")) {
      actions.addAll(strings(statement.get("Action")));
    }
    return actions;
  }

  private static JsonNode statement(String sid) {
    for (JsonNode statement : policy.get("Statement")) {
      if (statement.path("Sid").asText().equals(sid)) {
        return statement;
      }
    }
    throw new AssertionError("deploy/iam-policy.json has no statement " + sid);
  }

  private static String condition(JsonNode statement, String key) {
    JsonNode value = statement.path("Condition").path("StringEquals").path(key);
    assertThat(value.isMissingNode())
        .as("%s has the condition StringEquals %s", statement.path("Sid").asText(), key)
        .isFalse();
    return value.asText();
  }

  private static List<String> strings(JsonNode node) {
    List<String> values = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> values.add(n.asText()));
    } else {
      values.add(node.asText());
    }
    return values;
  }
}
