package io.nestedvirt.operator.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * moto's server, an emulator this project did not write, on a loopback port: its EC2 seeded with an
 * EKS-like network for one cluster, and its SQS with the cluster's interruption queue.
 */
final class Moto implements AutoCloseable {
  static final String REGION = "us-east-1";

  /**
   * The SQS queue the operators of this tier read EC2's warnings from (moto's SQS): EventBridge
   * does not run here, so a test sends the messages it would.
   */
  static final String INTERRUPTION_QUEUE = "e2e-nestedvirt-interruptions";

  final URI endpoint;
  final Ec2Client ec2;
  final SqsClient sqs;
  final String queueUrl;
  final List<String> subnetIds = new ArrayList<>();
  final String securityGroupId;
  final String imageId;
  private final Process process;

  Moto(E2EEnvironment env, String clusterName) throws IOException, InterruptedException {
    int port = freePort();
    endpoint = URI.create("http://127.0.0.1:" + port);
    process =
        new ProcessBuilder(env.moto().toString(), "-H", "127.0.0.1", "-p", String.valueOf(port))
            .redirectErrorStream(true)
            .redirectOutput(env.logs().resolve("moto.log").toFile())
            .start();
    awaitUp();
    ec2 =
        Ec2Client.builder()
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClientBuilder(Apache5HttpClient.builder())
            .build();
    sqs =
        SqsClient.builder()
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClientBuilder(Apache5HttpClient.builder())
            .build();
    queueUrl = sqs.createQueue(r -> r.queueName(INTERRUPTION_QUEUE)).queueUrl();
    String clusterTag = "kubernetes.io/cluster/" + clusterName;
    String vpc = ec2.createVpc(r -> r.cidrBlock("10.0.0.0/16")).vpc().vpcId();
    String[] zones = {"us-east-1a", "us-east-1b", "us-east-1c"};
    for (int i = 0; i < zones.length; i++) {
      String cidr = "10.0." + (i * 32) + ".0/19";
      String zone = zones[i];
      subnetIds.add(
          ec2.createSubnet(
                  r ->
                      r.vpcId(vpc)
                          .cidrBlock(cidr)
                          .availabilityZone(zone)
                          .tagSpecifications(tags(ResourceType.SUBNET, clusterTag, "shared")))
              .subnet()
              .subnetId());
    }
    securityGroupId =
        ec2.createSecurityGroup(
                r ->
                    r.vpcId(vpc)
                        .groupName("eks-cluster-sg-" + clusterName)
                        .description("cluster security group")
                        .tagSpecifications(tags(ResourceType.SECURITY_GROUP, clusterTag, "owned")))
            .groupId();
    imageId =
        ec2
            .describeImages(
                r ->
                    r.owners("amazon")
                        .filters(Filter.builder().name("architecture").values("x86_64").build()))
            .images()
            .stream()
            .map(Image::imageId)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("moto lists no x86_64 Amazon image"));
  }

  /** Every state an instance can be in, so that a listing shows all a pool ever launched. */
  static final String[] EVERY_STATE = {
    "pending", "running", "shutting-down", "terminated", "stopping", "stopped"
  };

  /** The pool's instances in these states, as moto lists them. */
  java.util.List<software.amazon.awssdk.services.ec2.model.Instance> instances(
      String pool, String... states) {
    return ec2
        .describeInstances(
            r ->
                r.filters(
                    Filter.builder()
                        .name("tag:" + io.nestedvirt.operator.cloud.Tags.POOL)
                        .values(pool)
                        .build(),
                    Filter.builder().name("instance-state-name").values(states).build()))
        .reservations()
        .stream()
        .flatMap(r -> r.instances().stream())
        .toList();
  }

  /** Sends a message to the interruption queue, as an EventBridge rule would. */
  void sendInterruption(String body) {
    sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
  }

  /** Messages in the interruption queue not deleted yet, received ones included. */
  int interruptionsLeft() {
    var attributes =
        sqs.getQueueAttributes(
                r ->
                    r.queueUrl(queueUrl)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(
            attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  private static TagSpecification tags(ResourceType type, String key, String value) {
    return TagSpecification.builder()
        .resourceType(type)
        .tags(Tag.builder().key(key).value(value).build())
        .build();
  }

  private void awaitUp() throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("moto_server exited; see e2e/target/e2e-logs/moto.log");
      }
      try {
        http.send(
            HttpRequest.newBuilder(endpoint.resolve("/moto-api/")).build(),
            HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("moto_server did not answer within 60 s");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    ec2.close();
    sqs.close();
    process.destroy();
  }
}
