package io.nestedvirt.operator.node.bootstrap;

import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.CA_BASE64;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.CA_HASH;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.CLUSTER;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.JOIN;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.POOL;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.TOKEN;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.taint;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Taint;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** Bad input fails early with a message that says what to set or fix. */
class BootstrapValidationTest {
  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(NodeBootstrap b) {
    return assertThatThrownBy(() -> UserDataRenderer.render(b))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static NodeBootstrap eks(ClusterInfo cluster) {
    return NodeBootstrap.eks(cluster, POOL, Map.of(), List.of(), null);
  }

  private static NodeBootstrap kubeadm(KubeadmJoin join) {
    return NodeBootstrap.kubeadm(join, POOL, Map.of(), List.of(), null);
  }

  private static NodeBootstrap withLabels(Map<String, String> labels) {
    return NodeBootstrap.eks(CLUSTER, POOL, labels, List.of(), null);
  }

  private static NodeBootstrap withTaints(Taint... taints) {
    return NodeBootstrap.eks(CLUSTER, POOL, Map.of(), List.of(taints), null);
  }

  @Test
  void missingModeSaysWhichModesExist() {
    assertRefused(new NodeBootstrap(null, CLUSTER, POOL, null, null, null, null))
        .hasMessageContaining("EKS, KUBEADM or RAW");
  }

  @Test
  void eksWithoutClusterSaysWhereTheValuesComeFrom() {
    assertRefused(eks(null)).hasMessageContaining("aws eks describe-cluster");
  }

  @Test
  void eksWithoutClusterNamePointsToTheOperatorFlag() {
    assertRefused(
            eks(new ClusterInfo(" ", CLUSTER.apiServerEndpoint(), CA_BASE64, "10.100.0.0/16")))
        .hasMessageContaining("--cluster-name");
  }

  @Test
  void eksWithoutEndpointNamesTheDescribeClusterField() {
    assertRefused(eks(new ClusterInfo("prod-east", null, CA_BASE64, "10.100.0.0/16")))
        .hasMessageContaining("API server endpoint is empty")
        .hasMessageContaining("cluster.endpoint");
  }

  @Test
  void eksEndpointWithoutHttpsIsRefused() {
    assertRefused(eks(new ClusterInfo("prod-east", "10.0.0.1:443", CA_BASE64, "10.100.0.0/16")))
        .hasMessageContaining("is not an https:// URL");
  }

  @Test
  void eksWithoutCertificateAuthorityNamesTheDescribeClusterField() {
    assertRefused(
            eks(new ClusterInfo("prod-east", CLUSTER.apiServerEndpoint(), "", "10.100.0.0/16")))
        .hasMessageContaining("certificate authority is empty")
        .hasMessageContaining("cluster.certificateAuthority.data");
  }

  @Test
  void eksCertificateAuthorityGivenAsPemAsksForBase64() {
    assertRefused(
            eks(
                new ClusterInfo(
                    "prod-east",
                    CLUSTER.apiServerEndpoint(),
                    "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
                    "10.100.0.0/16")))
        .hasMessageContaining("is PEM text; give it base64-encoded");
  }

  @Test
  void eksCertificateAuthorityThatIsNotBase64IsRefused() {
    assertRefused(
            eks(
                new ClusterInfo(
                    "prod-east", CLUSTER.apiServerEndpoint(), "not base64!", "10.100.0.0/16")))
        .hasMessageContaining("is not base64");
  }

  @Test
  void eksWithoutServiceCidrNamesTheDescribeClusterField() {
    assertRefused(eks(new ClusterInfo("prod-east", CLUSTER.apiServerEndpoint(), CA_BASE64, null)))
        .hasMessageContaining("service CIDR is empty")
        .hasMessageContaining("serviceIpv4Cidr");
  }

  @Test
  void eksServiceCidrThatIsNotACidrIsRefused() {
    assertRefused(
            eks(new ClusterInfo("prod-east", CLUSTER.apiServerEndpoint(), CA_BASE64, "10.100.0.0")))
        .hasMessageContaining("is not a CIDR block");
  }

  @Test
  void eksAcceptsAnIpv6ServiceCidr() {
    UserDataRenderer.render(
        eks(
            new ClusterInfo(
                "prod-east", CLUSTER.apiServerEndpoint(), CA_BASE64, "fd00:10:96::/108")));
  }

  @Test
  void kubeadmWithoutJoinParametersSaysHowToGetThem() {
    assertRefused(kubeadm(null)).hasMessageContaining("kubeadm token create --print-join-command");
  }

  @Test
  void kubeadmWithoutTokenIsRefused() {
    assertRefused(kubeadm(new KubeadmJoin("10.0.0.10:6443", "", List.of(CA_HASH))))
        .hasMessageContaining("bootstrap token is empty");
  }

  @Test
  void kubeadmMalformedTokenIsRefusedWithoutRevealingIt() {
    String secretish = "abcdef.0123456789abcdef\n";
    assertRefused(kubeadm(new KubeadmJoin("10.0.0.10:6443", secretish, List.of(CA_HASH))))
        .hasMessageContaining("is not a bootstrap token")
        .hasMessageNotContaining("0123456789abcdef");
  }

  @Test
  void kubeadmWithoutCaHashRefusesToTrustAnyServer() {
    assertRefused(kubeadm(new KubeadmJoin("10.0.0.10:6443", TOKEN, List.of())))
        .hasMessageContaining("CA cert hash is missing")
        .hasMessageContaining("--discovery-token-ca-cert-hash");
  }

  @Test
  void kubeadmMalformedCaHashShowsTheExpectedForm() {
    assertRefused(kubeadm(new KubeadmJoin("10.0.0.10:6443", TOKEN, List.of("md5:abc"))))
        .hasMessageContaining("is not sha256:<64 hex digits>");
  }

  @Test
  void kubeadmEndpointGivenAsUrlAsksForHostAndPort() {
    assertRefused(kubeadm(new KubeadmJoin("https://10.0.0.10:6443", TOKEN, List.of(CA_HASH))))
        .hasMessageContaining("give host:port without the scheme");
  }

  @Test
  void kubeadmEndpointWithoutPortIsRefused() {
    assertRefused(kubeadm(new KubeadmJoin("10.0.0.10", TOKEN, List.of(CA_HASH))))
        .hasMessageContaining("is not host:port");
  }

  @Test
  void kubeadmJoinNeverPrintsItsToken() {
    org.assertj.core.api.Assertions.assertThat(JOIN.toString())
        .doesNotContain(TOKEN)
        .contains("<redacted>");
  }

  @Test
  void rawWithoutUserDataSaysTheCallerMustJoinTheNode() {
    assertRefused(NodeBootstrap.raw(" ", POOL, null, null))
        .hasMessageContaining("passes the pool's user data through unchanged");
  }

  @Test
  void poolNameTooLongForALabelValueIsRefused() {
    assertRefused(NodeBootstrap.eks(CLUSTER, "p".repeat(64), null, null, null))
        .hasMessageContaining("cannot be the value of the node label nestedvirt.io/pool");
  }

  @Test
  void labelWithACommaCannotSmuggleAnotherLabelIntoTheFlags() {
    assertRefused(withLabels(Map.of("team", "a,node-role.kubernetes.io/master=")))
        .hasMessageContaining("pool label team=")
        .hasMessageContaining("is invalid");
  }

  @Test
  void labelKeyWithAnUpperCasePrefixIsRefused() {
    assertRefused(withLabels(Map.of("Example.com/team", "a")))
        .hasMessageContaining("must be a DNS subdomain");
  }

  @Test
  void poolLabelWithAnotherPoolsNameIsRefused() {
    assertRefused(withLabels(Map.of("nestedvirt.io/pool", "other")))
        .hasMessageContaining("conflicts with the pool name");
  }

  @Test
  void restrictedPoolLabelWithAnotherPoolsNameIsRefused() {
    assertRefused(withLabels(Map.of("node-restriction.kubernetes.io/nestedvirt-pool", "other")))
        .hasMessageContaining("conflicts with the pool name");
  }

  @Test
  void operatorLabelsCannotBeClaimedByThePool() {
    assertRefused(withLabels(Map.of("nestedvirt.io/kvm", "verified")))
        .hasMessageContaining("nestedvirt.io/kvm")
        .hasMessageContaining("is the operator's");
  }

  @Test
  void labelsTheKubeletDerivesPerNodeAreRefused() {
    assertRefused(withLabels(Map.of("topology.kubernetes.io/zone", "us-east-1a")))
        .hasMessageContaining("is set per node by the kubelet");
  }

  @Test
  void taintWithAnUnknownEffectListsTheValidOnes() {
    assertRefused(withTaints(taint("example.com/x", null, "NoScheduleAtAll")))
        .hasMessageContaining("use NoSchedule, PreferNoSchedule or NoExecute");
  }

  @Test
  void taintWithoutEffectIsRefused() {
    assertRefused(withTaints(taint("example.com/x", null, null)))
        .hasMessageContaining("has effect 'null'");
  }

  @Test
  void taintWithAnInvalidKeyIsRefused() {
    assertRefused(withTaints(taint("bad key", null, "NoSchedule")))
        .hasMessageContaining("has an invalid key");
  }

  @Test
  void taintWithAValueTooLongIsRefused() {
    assertRefused(withTaints(taint("example.com/x", "v".repeat(64), "NoSchedule")))
        .hasMessageContaining("has an invalid value");
  }

  @Test
  void taintsRepeatingKeyAndEffectAreRefused() {
    assertRefused(
            withTaints(
                taint("example.com/x", "a", "NoSchedule"),
                taint("example.com/x", "b", "NoSchedule")))
        .hasMessageContaining("example.com/x:NoSchedule twice");
  }

  @Test
  void startupTaintKeyWithAnotherEffectIsRefused() {
    assertRefused(withTaints(taint("nestedvirt.io/unverified", null, "NoExecute")))
        .hasMessageContaining("removes once KVM is verified");
  }
}
