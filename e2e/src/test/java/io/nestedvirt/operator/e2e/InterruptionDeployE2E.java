package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.nestedvirt.operator.cloud.aws.InterruptionActions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/interruption as a user deploys it: the CloudFormation template passes cfn-lint, the
 * Terraform module parses as HCL2 and is formatted as {@code terraform fmt} would leave it
 * (hclwrite's formatter, through hclfmt), and the two make the same queue, send it the same events
 * and grant the operator the same actions, which deploy/iam-policy.json grants too. Each tool is
 * shown to refuse a broken file, so that a tool that checks nothing cannot pass them.
 */
class InterruptionDeployE2E {
  private static final String TEMPLATE = "deploy/interruption/cloudformation.yaml";
  private static final String MODULE = "deploy/interruption/terraform";
  private static final JsonNode QUEUE_ARN =
      new ObjectMapper().valueToTree(Map.of("Fn::GetAtt", List.of("InterruptionQueue", "Arn")));
  private static final String TF_QUEUE_ARN = "${aws_sqs_queue.interruptions.arn}";

  private static E2EEnvironment env;
  private static JsonNode template;
  private static TerraformModule module;

  @TempDir static Path scratch;

  @BeforeAll
  static void parse() throws IOException {
    env = E2EEnvironment.load();
    template = new YAMLMapper().readTree(env.repo().resolve(TEMPLATE).toFile());
    module =
        TerraformModule.parse(env.deployChecks().hcl2json(), env.repo().resolve(MODULE), scratch);
  }

  @Test
  void cfnLintFindsNothingInTheTemplate() {
    Tool.Result r = cfnLint(env.repo().resolve(TEMPLATE));
    assertThat(r.code()).as("cfn-lint %s:%n%s", TEMPLATE, r.output()).isZero();
  }

  @Test
  void cfnLintRefusesABrokenTemplate(@TempDir Path dir) throws IOException {
    String text = Files.readString(env.repo().resolve(TEMPLATE));
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(
        broken,
        text.replace("MessageRetentionPeriod: 300", "MessageRetentionPeriods: 300")
            .replace("Fn::GetAtt: [InterruptionQueue, Arn]", "Fn::GetAtt: [InterruptionQ, Arn]"));
    Tool.Result r = cfnLint(broken);
    assertThat(r.code()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("MessageRetentionPeriods").contains("InterruptionQ");
  }

  @Test
  void theTerraformFilesParseAndAreFormatted() throws IOException {
    List<String> files;
    try (var listing = Files.list(env.repo().resolve(MODULE))) {
      files = listing.map(f -> f.getFileName().toString()).sorted().toList();
    }
    assertThat(files).containsExactly("main.tf", "outputs.tf", "variables.tf");
    for (String file : files) {
      Tool.Result r = hclfmt(env.repo().resolve(MODULE).resolve(file));
      assertThat(r.code())
          .as(
              "hclfmt -check -require-no-change %s (reformat with hclfmt -w):%n%s",
              file, r.output())
          .isZero();
    }
  }

  @Test
  void hclfmtAndHcl2jsonRefuseBrokenOrUnformattedFiles(@TempDir Path dir) throws IOException {
    Path unformatted = dir.resolve("unformatted.tf");
    Files.writeString(unformatted, "locals {\n  a = 1\n  bb = 2\n}\n");
    Tool.Result r = hclfmt(unformatted);
    assertThat(r.code()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("changed");

    Path brokenModule = Files.createDirectories(dir.resolve("broken"));
    Files.writeString(brokenModule.resolve("main.tf"), "locals {\n  a = [1\n}\n");
    assertThat(hclfmt(brokenModule.resolve("main.tf")).code()).isNotZero();
    Path out = Files.createDirectories(dir.resolve("out"));
    assertThatThrownBy(
            () -> TerraformModule.parse(env.deployChecks().hcl2json(), brokenModule, out))
        .hasMessageContaining("hcl2tojson cannot parse");
  }

  @Test
  void bothSendTheSameFourKindsOfEventToTheQueue() {
    Map<String, JsonNode> cfn = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> resource : resources("AWS::Events::Rule").entrySet()) {
      JsonNode rule = resource.getValue().get("Properties");
      String name = rule.path("Name").path("Fn::Sub").asText();
      assertThat(name).as("%s's name", resource.getKey()).startsWith("${ClusterName}-nestedvirt-");
      assertThat(rule.get("Targets"))
          .as("%s sends to the queue, and only there", resource.getKey())
          .singleElement()
          .satisfies(t -> assertThat(t.get("Arn")).isEqualTo(QUEUE_ARN));
      cfn.put(name.substring("${ClusterName}-nestedvirt-".length()), rule.get("EventPattern"));
    }

    JsonNode tfRules = module.resource("aws_cloudwatch_event_rule", "interruptions");
    assertThat(tfRules.get("for_each").asText()).isEqualTo("${local.event_patterns}");
    assertThat(tfRules.get("name").asText())
        .isEqualTo("${var.cluster_name}-nestedvirt-${each.key}");
    assertThat(tfRules.get("event_pattern").asText()).isEqualTo("${jsonencode(each.value)}");
    JsonNode tfTargets = module.resource("aws_cloudwatch_event_target", "interruptions");
    assertThat(tfTargets.get("for_each").asText())
        .as("a target for every rule")
        .isEqualTo("${aws_cloudwatch_event_rule.interruptions}");
    assertThat(tfTargets.get("rule").asText()).isEqualTo("${each.value.name}");
    assertThat(tfTargets.get("arn").asText()).isEqualTo(TF_QUEUE_ARN);
    JsonNode tfPatterns = module.local("event_patterns");

    assertThat(new TreeSet<>(cfn.keySet())).containsExactly("health", "rebalance", "spot", "state");
    for (Map.Entry<String, JsonNode> rule : cfn.entrySet()) {
      assertThat(tfPatterns.get(rule.getKey()))
          .as("the Terraform module's pattern %s, the template's is %s", rule.getKey(), rule)
          .isEqualTo(rule.getValue());
    }
    assertThat(tfPatterns.size()).isEqualTo(cfn.size());

    // What the operator expects from each (issue 19), in case both were changed alike.
    assertThat(cfn.get("spot"))
        .isEqualTo(pattern("aws.ec2", "EC2 Spot Instance Interruption Warning", null));
    assertThat(cfn.get("rebalance"))
        .isEqualTo(pattern("aws.ec2", "EC2 Instance Rebalance Recommendation", null));
    assertThat(cfn.get("state"))
        .isEqualTo(
            pattern(
                "aws.ec2",
                "EC2 Instance State-change Notification",
                Map.of("state", List.of("stopping", "stopped", "shutting-down", "terminated"))));
    assertThat(cfn.get("health"))
        .isEqualTo(
            pattern(
                "aws.health",
                "AWS Health Event",
                Map.of(
                    "service", List.of("EC2"), "eventTypeCategory", List.of("scheduledChange"))));
  }

  @Test
  void bothMakeTheSameShortLivedEncryptedQueueThatOnlyEventBridgeWritesToOverTls() {
    JsonNode queue = resources("AWS::SQS::Queue").get("InterruptionQueue").get("Properties");
    assertThat(queue.get("MessageRetentionPeriod").asInt()).isEqualTo(300);
    assertThat(queue.get("SqsManagedSseEnabled").asBoolean()).isTrue();
    assertThat(queue.get("QueueName").toString())
        .as("the cluster's name, unless QueueName is given")
        .contains("${ClusterName}-nestedvirt-interruptions");
    JsonNode tfQueue = module.resource("aws_sqs_queue", "interruptions");
    assertThat(tfQueue.get("message_retention_seconds").asInt()).isEqualTo(300);
    assertThat(tfQueue.get("sqs_managed_sse_enabled").asBoolean()).isTrue();
    assertThat(tfQueue.get("name").asText()).isEqualTo("${local.queue_name}");
    assertThat(module.local("queue_name").asText())
        .contains("${var.cluster_name}-nestedvirt-interruptions");

    JsonNode policy =
        resources("AWS::SQS::QueuePolicy")
            .get("InterruptionQueuePolicy")
            .get("Properties")
            .get("PolicyDocument");
    JsonNode send = statement(policy, "EventBridgeSendsTheWarnings");
    assertThat(send.get("Effect").asText()).isEqualTo("Allow");
    assertThat(send.get("Action").asText()).isEqualTo("sqs:SendMessage");
    assertThat(strings(send.get("Principal").get("Service")))
        .containsExactly("events.amazonaws.com", "sqs.amazonaws.com");
    assertThat(send.get("Resource")).isEqualTo(QUEUE_ARN);
    JsonNode tls = statement(policy, "DenyUnencryptedTransport");
    assertThat(tls.get("Effect").asText()).isEqualTo("Deny");
    assertThat(tls.get("Principal").asText()).isEqualTo("*");
    assertThat(tls.get("Action").asText()).isEqualTo("sqs:*");
    assertThat(tls.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");

    JsonNode tfPolicy = module.data("aws_iam_policy_document", "queue");
    JsonNode tfSend = tfStatement(tfPolicy, "EventBridgeSendsTheWarnings");
    assertThat(tfSend.get("effect").asText()).isEqualTo("Allow");
    assertThat(strings(tfSend.get("actions"))).containsExactly("sqs:SendMessage");
    assertThat(strings(tfSend.get("resources"))).containsExactly(TF_QUEUE_ARN);
    assertThat(tfSend.at("/principals/0/type").asText()).isEqualTo("Service");
    assertThat(strings(tfSend.at("/principals/0/identifiers")))
        .containsExactly("events.amazonaws.com", "sqs.amazonaws.com");
    JsonNode tfTls = tfStatement(tfPolicy, "DenyUnencryptedTransport");
    assertThat(tfTls.get("effect").asText()).isEqualTo("Deny");
    assertThat(strings(tfTls.get("actions"))).containsExactly("sqs:*");
    assertThat(strings(tfTls.at("/principals/0/identifiers"))).containsExactly("*");
    assertThat(tfTls.at("/condition/0/test").asText()).isEqualTo("Bool");
    assertThat(tfTls.at("/condition/0/variable").asText()).isEqualTo("aws:SecureTransport");
    assertThat(strings(tfTls.at("/condition/0/values"))).containsExactly("false");
    JsonNode attached = module.resource("aws_sqs_queue_policy", "interruptions");
    assertThat(attached.get("policy").asText())
        .isEqualTo("${data.aws_iam_policy_document.queue.json}");
  }

  @Test
  void bothOutputTheQueueAndThePolicyAndTakeTheSameParameters() {
    assertThat(names(template.get("Outputs")))
        .containsExactly("QueueName", "QueueArn", "QueueUrl", "PolicyArn");
    assertThat(module.outputs())
        .containsExactly("queue_name", "queue_arn", "queue_url", "policy_arn");
    assertThat(names(template.get("Parameters"))).containsExactly("ClusterName", "QueueName");
    assertThat(module.variables()).containsExactly("cluster_name", "queue_name");
  }

  @Test
  void theTemplateTheModuleAndIamPolicyJsonGrantTheInterruptionActions() throws IOException {
    JsonNode cfnPolicy =
        resources("AWS::IAM::ManagedPolicy").get("OperatorPolicy").get("Properties");
    List<JsonNode> cfnStatements = new ArrayList<>();
    cfnPolicy.get("PolicyDocument").get("Statement").forEach(cfnStatements::add);
    JsonNode tfPolicy = module.data("aws_iam_policy_document", "operator");
    assertThat(module.resource("aws_iam_policy", "operator").get("policy").asText())
        .isEqualTo("${data.aws_iam_policy_document.operator.json}");
    JsonNode iamPolicyJson =
        new ObjectMapper().readTree(env.repo().resolve("deploy/iam-policy.json").toFile());

    Set<String> cfnActions = new TreeSet<>();
    cfnStatements.forEach(s -> cfnActions.addAll(strings(s.get("Action"))));
    Set<String> tfActions = new TreeSet<>();
    tfPolicy.get("statement").forEach(s -> tfActions.addAll(strings(s.get("actions"))));
    Set<String> iamActions = new TreeSet<>();
    iamPolicyJson.get("Statement").forEach(s -> iamActions.addAll(strings(s.get("Action"))));
    assertThat(cfnActions).as(TEMPLATE).isEqualTo(InterruptionActions.all());
    assertThat(tfActions).as(MODULE).isEqualTo(InterruptionActions.all());
    assertThat(iamActions).as("deploy/iam-policy.json").containsAll(InterruptionActions.all());

    // The queue's actions on the queue only; the Describe call in the region only, in all three.
    JsonNode cfnQueue =
        statement(cfnPolicy.get("PolicyDocument"), "ReceiveTheClustersInterruptionWarnings");
    assertThat(new TreeSet<>(strings(cfnQueue.get("Action")))).isEqualTo(InterruptionActions.QUEUE);
    assertThat(cfnQueue.get("Resource")).isEqualTo(QUEUE_ARN);
    JsonNode cfnDescribe =
        statement(cfnPolicy.get("PolicyDocument"), "ReadScheduledEventsInTheClustersRegion");
    assertThat(cfnDescribe.get("Resource").asText()).isEqualTo("*");
    assertThat(cfnDescribe.at("/Condition/StringEquals/aws:RequestedRegion/Ref").asText())
        .isEqualTo("AWS::Region");

    JsonNode tfQueue = tfStatement(tfPolicy, "ReceiveTheClustersInterruptionWarnings");
    assertThat(strings(tfQueue.get("resources"))).containsExactly(TF_QUEUE_ARN);
    JsonNode tfDescribe = tfStatement(tfPolicy, "ReadScheduledEventsInTheClustersRegion");
    assertThat(strings(tfDescribe.get("resources"))).containsExactly("*");
    assertThat(tfDescribe.at("/condition/0/test").asText()).isEqualTo("StringEquals");
    assertThat(tfDescribe.at("/condition/0/variable").asText()).isEqualTo("aws:RequestedRegion");
    assertThat(strings(tfDescribe.at("/condition/0/values")))
        .containsExactly("${data.aws_region.current.region}");

    JsonNode iamQueue = statement(iamPolicyJson, "ReceiveTheClustersInterruptionWarnings");
    assertThat(new TreeSet<>(strings(iamQueue.get("Action")))).isEqualTo(InterruptionActions.QUEUE);
    assertThat(iamQueue.get("Resource").asText())
        .isEqualTo(
            "arn:aws:sqs:REGION:ACCOUNT_ID:"
                + InterruptionActions.defaultQueueName("CLUSTER_NAME"));
    JsonNode iamDescribe = statement(iamPolicyJson, "ReadOnlyInTheClustersRegion");
    assertThat(strings(iamDescribe.get("Action"))).contains(InterruptionActions.SCHEDULED_EVENTS);
    assertThat(iamDescribe.at("/Condition/StringEquals/aws:RequestedRegion").asText())
        .isEqualTo("REGION");
  }

  private static Tool.Result cfnLint(Path file) {
    return Tool.run(
        env.repo(), List.of(env.deployChecks().cfnLint().toString(), "--", file.toString()));
  }

  private static Tool.Result hclfmt(Path file) {
    return Tool.run(
        env.repo(),
        List.of(
            env.deployChecks().hclfmt().toString(),
            "-check",
            "-require-no-change",
            file.toString()));
  }

  /** The template's resources of one type, by logical id. */
  private static Map<String, JsonNode> resources(String type) {
    Map<String, JsonNode> found = new LinkedHashMap<>();
    template
        .get("Resources")
        .properties()
        .forEach(
            r -> {
              if (r.getValue().path("Type").asText().equals(type)) {
                found.put(r.getKey(), r.getValue());
              }
            });
    assertThat(found).as("%s in %s", type, TEMPLATE).isNotEmpty();
    return found;
  }

  private static JsonNode pattern(String source, String detailType, Map<String, ?> detail) {
    Map<String, Object> pattern = new LinkedHashMap<>();
    pattern.put("source", List.of(source));
    pattern.put("detail-type", List.of(detailType));
    if (detail != null) {
      pattern.put("detail", detail);
    }
    return new ObjectMapper().valueToTree(pattern);
  }

  private static JsonNode statement(JsonNode document, String sid) {
    for (JsonNode statement : document.get("Statement")) {
      if (statement.path("Sid").asText().equals(sid)) {
        return statement;
      }
    }
    throw new AssertionError("no statement " + sid + " in " + document);
  }

  private static JsonNode tfStatement(JsonNode document, String sid) {
    for (JsonNode statement : document.get("statement")) {
      if (statement.path("sid").asText().equals(sid)) {
        return statement;
      }
    }
    throw new AssertionError("no statement " + sid + " in " + document);
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
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
