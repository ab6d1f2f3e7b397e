package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;

/** What goes over the socket, checked without the SDK's forgiveness, and concurrent use. */
class Ec2EmulatorWireTest {
  private Ec2Emulator emulator;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    emulator = Ec2Emulator.builder().tickInterval(Duration.ZERO).start();
  }

  @AfterEach
  void stop() {
    emulator.close();
    http.close();
  }

  private HttpResponse<String> post(String form) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(emulator.endpoint())
            .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void successIsXmlInTheEc2NamespaceWithARequestId() throws Exception {
    HttpResponse<String> response = post("Action=DescribeInstances&Version=2016-11-15");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/xml"));
    assertThat(response.body())
        .contains("<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">")
        .containsPattern("<requestId>[0-9a-f-]{36}</requestId>")
        .contains("<reservationSet></reservationSet>");
  }

  @Test
  void errorsUseTheEc2EnvelopeWithRequestIdAndStatus400() throws Exception {
    HttpResponse<String> response =
        post("Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=subnet-0123456789abcdef0");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .containsPattern(
            "<Response><Errors><Error><Code>InvalidSubnetID.NotFound</Code><Message>The subnet ID"
                + " 'subnet-0123456789abcdef0' does not exist</Message></Error></Errors>"
                + "<RequestID>[0-9a-f-]{36}</RequestID></Response>");
  }

  @Test
  void unknownActionIsInvalidAction() throws Exception {
    HttpResponse<String> response = post("Action=StopInstances&Version=2016-11-15");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("<Code>InvalidAction</Code>");
  }

  @Test
  void tagValuesAreEscapedInXml() throws Exception {
    var cluster = emulator.seedCluster("demo");
    try (Ec2Client ec2 = SdkClients.ec2(emulator)) {
      ec2.runInstances(
          r ->
              r.imageId(cluster.imageId())
                  .instanceType("c8i.large")
                  .minCount(1)
                  .maxCount(1)
                  .subnetId(cluster.subnetIds().getFirst())
                  .tagSpecifications(
                      t ->
                          t.resourceType("instance")
                              .tags(x -> x.key("note").value("<a & 'b' \"c\">"))));
      Instance described = ec2.describeInstances().reservations().getFirst().instances().getFirst();
      assertThat(described.tags().getFirst().value()).isEqualTo("<a & 'b' \"c\">");
    }
  }

  @Test
  void concurrentLaunchesAreAllRecordedWithDistinctIdsAndAddresses() throws Exception {
    var cluster = emulator.seedCluster("demo");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (Ec2Client ec2 = SdkClients.ec2(emulator)) {
      List<Callable<List<String>>> launches = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String subnet = cluster.subnetIds().get(i % 3);
        launches.add(
            () ->
                ec2
                    .runInstances(
                        r ->
                            r.imageId(cluster.imageId())
                                .instanceType("m8i.large")
                                .minCount(2)
                                .maxCount(2)
                                .subnetId(subnet))
                    .instances()
                    .stream()
                    .map(Instance::instanceId)
                    .toList());
      }
      Set<String> ids = new HashSet<>();
      for (Future<List<String>> result : pool.invokeAll(launches)) {
        ids.addAll(result.get());
      }
      assertThat(ids).hasSize(80);
      assertThat(emulator.instances()).hasSize(80);
      assertThat(emulator.instances())
          .extracting(EmulatedInstance::privateIpAddress)
          .doesNotHaveDuplicates();
      assertThat(emulator.calls("RunInstances")).isEqualTo(40);
    } finally {
      pool.shutdownNow();
    }
  }
}
