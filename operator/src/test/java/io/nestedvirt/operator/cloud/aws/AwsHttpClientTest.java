package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The EC2 and SSM clients that {@link AwsCloudProvider#create} builds send their requests with
 * Apache HttpClient 5 (the SDK's apache5-client), and HttpClient 4, which every SDK service module
 * brings by default, is not on the class path at all.
 */
class AwsHttpClientTest {
  private static final String EMPTY_DESCRIBE_INSTANCES =
      "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
          + "<requestId>r-1</requestId><reservationSet/></DescribeInstancesResponse>";

  private final List<String> userAgents = new CopyOnWriteArrayList<>();
  private HttpServer ec2;

  @BeforeEach
  void startEc2() throws IOException {
    ec2 = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ec2.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          userAgents.add(exchange.getRequestHeaders().getFirst("User-Agent"));
          byte[] body = EMPTY_DESCRIBE_INSTANCES.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/xml");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    ec2.start();
  }

  @AfterEach
  void stopEc2() {
    ec2.stop(0);
  }

  @Test
  void theProvidersRequestsGoThroughApacheHttpClient5() {
    URI endpoint = URI.create("http://127.0.0.1:" + ec2.getAddress().getPort());
    try (AwsCloudProvider provider =
        AwsCloudProvider.create(
            AwsSettings.of("c1", "us-east-1")
                .withEndpointOverride(endpoint)
                .withStaticCredentials("AKIDEXAMPLE", "secret"))) {
      assertThat(provider.listClusterInstances()).isEmpty();
    }
    // The SDK names its HTTP client in the User-Agent: "http#Apache5" (HttpClient 4 is "Apache").
    assertThat(userAgents)
        .as("User-Agent of the provider's DescribeInstances")
        .singleElement()
        .asString()
        .containsPattern("http[#/]Apache5\\b");
  }

  @Test
  void apacheHttpClient4IsNotOnTheClassPath() {
    assertThatThrownBy(() -> Class.forName("org.apache.http.client.HttpClient"))
        .as("Apache HttpClient 4: exclude apache-client from every AWS SDK module")
        .isInstanceOf(ClassNotFoundException.class);
    assertThatThrownBy(() -> Class.forName("software.amazon.awssdk.http.apache.ApacheHttpClient"))
        .isInstanceOf(ClassNotFoundException.class);
  }
}
