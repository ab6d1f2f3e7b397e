package io.nestedvirt.operator.sandbox;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.OperatorRuntime;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.aws.AwsCloudProvider;
import io.nestedvirt.operator.cloud.aws.AwsSettings;
import io.nestedvirt.operator.node.bootstrap.ClusterInfo;
import io.nestedvirt.operator.pool.PoolSettings;
import io.nestedvirt.operator.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.operator.sandbox.kubelet.KubeletSimulator;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The whole operator in one process: an embedded API server, the EC2 emulator seeded with an
 * EKS-like network, and the operator's real controllers talking to the emulator through the real
 * AWS SDK. Nothing is mocked inside the operator.
 */
public final class Sandbox implements AutoCloseable {
  public static final String REGION = "us-east-1";
  public static final String KUBERNETES_VERSION = "1.34";

  /** Sandbox knobs; the defaults make a pool converge in seconds. */
  public record Options(String clusterName, Duration refreshPeriod, Duration bootDelay) {
    public static Options defaults() {
      return new Options("sandbox", Duration.ofSeconds(1), Duration.ofSeconds(2));
    }
  }

  private final EmbeddedApiServer api;
  private final Ec2Emulator ec2;
  private final KubeletSimulator kubelets;
  private final AwsCloudProvider cloud;
  private final OperatorRuntime operator;

  private Sandbox(
      EmbeddedApiServer api,
      Ec2Emulator ec2,
      KubeletSimulator kubelets,
      AwsCloudProvider cloud,
      OperatorRuntime operator) {
    this.api = api;
    this.ec2 = ec2;
    this.kubelets = kubelets;
    this.cloud = cloud;
    this.operator = operator;
  }

  public static Sandbox start(Options options) {
    EmbeddedApiServer api = EmbeddedApiServer.start();
    Ec2Emulator ec2 = Ec2Emulator.builder().bootDelay(options.bootDelay()).start();
    ec2.seedCluster(options.clusterName());
    // Plays each instance's kubelet, and the node agent's KVM verdict, marked as simulated.
    KubeletSimulator kubelets = new KubeletSimulator(api.client()).attach(ec2);
    AwsCloudProvider cloud =
        AwsCloudProvider.create(
            AwsSettings.of(options.clusterName(), REGION)
                .withEndpointOverride(ec2.endpoint())
                .withStaticCredentials("sandbox", "sandbox"));
    OperatorRuntime operator =
        OperatorRuntime.start(
            api.client(),
            cloud,
            PoolSettings.defaults(options.clusterName())
                .withRefreshPeriod(options.refreshPeriod())
                .withCluster(cluster(options.clusterName())),
            () -> KUBERNETES_VERSION,
            Clock.systemUTC(),
            false); // the embedded API server has no server-side apply
    return new Sandbox(api, ec2, kubelets, cloud, operator);
  }

  /**
   * What EKS would report for the cluster, so pools bootstrap in eks mode. The simulated kubelets
   * read the rendered NodeConfig but never connect, so the endpoint and CA are placeholders.
   */
  static ClusterInfo cluster(String name) {
    String ca =
        java.util.Base64.getEncoder()
            .encodeToString(
                "-----BEGIN CERTIFICATE-----\nsandbox\n-----END CERTIFICATE-----\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return new ClusterInfo(name, "https://" + name + ".cluster.local", ca, "10.100.0.0/16");
  }

  public KubernetesClient client() {
    return api.client();
  }

  public Ec2Emulator ec2() {
    return ec2;
  }

  public void apply(List<NestedVirtPool> pools) {
    for (NestedVirtPool pool : pools) {
      client().resource(pool).createOr(existing -> existing.update());
    }
  }

  public List<NestedVirtPool> pools() {
    return client().resources(NestedVirtPool.class).list().getItems();
  }

  @Override
  public void close() {
    operator.close();
    kubelets.close();
    cloud.close();
    ec2.close();
    api.close();
  }
}
