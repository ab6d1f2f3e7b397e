package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nestedvirt.operator.cloud.Tags;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * deploy/iam-policy.json allows exactly the AWS actions that cloud/aws calls, each as narrowly as
 * IAM can say it. The calls are read from the code, so a new call without a policy change fails
 * here.
 */
class IamPolicyTest {
  private static final Path REPO = Path.of(System.getProperty("repo.root", ".."));
  private static final Path CODE =
      REPO.resolve("operator/src/main/java/io/nestedvirt/operator/cloud/aws");
  private static final String CLUSTER_TAG = "nestedvirt.io/cluster";
  private static JsonNode policy;

  @BeforeAll
  static void load() throws IOException {
    policy = new ObjectMapper().readTree(REPO.resolve("deploy/iam-policy.json").toFile());
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
        .allMatch(r -> r.contains(":instance/") || r.contains(":volume/"));
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
        .startsWith("arn:aws:ssm:*::parameter/aws/service/");
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
    if (code.contains("tagSpecifications(")) {
      called.add("ec2:CreateTags");
    }
    if (code.contains("iamInstanceProfile(")) {
      called.add("iam:PassRole");
    }
    return called;
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
