package io.nestedvirt.operator.node.bootstrap;

import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.CA_BASE64;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.CA_HASH;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.CLUSTER;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.JOIN;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.LABELS;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.POOL;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.TAINTS;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.TOKEN;
import static io.nestedvirt.operator.node.bootstrap.BootstrapFixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

class UserDataRendererTest {
  private static final YAMLMapper YAML = new YAMLMapper();

  private static String flag(JsonNode nodeConfig, String name) {
    return StreamSupport.stream(nodeConfig.at("/spec/kubelet/flags").spliterator(), false)
        .map(JsonNode::asText)
        .filter(f -> f.startsWith(name + "="))
        .map(f -> f.substring(name.length() + 1))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " flag in " + nodeConfig));
  }

  private static JsonNode eksNodeConfig(NodeBootstrap bootstrap) throws Exception {
    List<MimeParts.Part> parts = MimeParts.parse(UserDataRenderer.render(bootstrap).text());
    assertThat(parts.getFirst().contentType()).isEqualTo("application/node.eks.aws");
    return YAML.readTree(parts.getFirst().body());
  }

  private static JsonNode kubeadmJoinConfiguration(String script) throws Exception {
    int start = script.indexOf("<<'NESTEDVIRT_JOIN_CONFIGURATION'\n");
    int end = script.indexOf("\nNESTEDVIRT_JOIN_CONFIGURATION\n");
    assertThat(start).as("here-document start in\n%s", script).isPositive();
    assertThat(end).as("here-document end in\n%s", script).isGreaterThan(start);
    String yaml = script.substring(script.indexOf('\n', start) + 1, end + 1);
    return YAML.readTree(yaml);
  }

  @Test
  void eksNodeConfigIsValidYamlWithTheClusterAndKubeletFlags() throws Exception {
    JsonNode config = eksNodeConfig(NodeBootstrap.eks(CLUSTER, POOL, LABELS, TAINTS, null));

    assertThat(config.at("/apiVersion").asText()).isEqualTo("node.eks.aws/v1alpha1");
    assertThat(config.at("/kind").asText()).isEqualTo("NodeConfig");
    assertThat(config.at("/spec/cluster/name").asText()).isEqualTo("prod-east");
    assertThat(config.at("/spec/cluster/apiServerEndpoint").asText())
        .isEqualTo(CLUSTER.apiServerEndpoint());
    assertThat(config.at("/spec/cluster/certificateAuthority").asText()).isEqualTo(CA_BASE64);
    assertThat(config.at("/spec/cluster/cidr").asText()).isEqualTo("10.100.0.0/16");
    assertThat(config.at("/spec/kubelet/flags")).hasSize(2);
    assertThat(flag(config, "--node-labels"))
        .isEqualTo(
            "example.com/team=platform,nestedvirt.io/pool=kubevirt,"
                + "node.kubernetes.io/lifecycle=on-demand,workload=vm");
    assertThat(flag(config, "--register-with-taints"))
        .isEqualTo(
            "nestedvirt.io/unverified=:NoSchedule,kubevirt.io/dedicated=true:NoSchedule,"
                + "example.com/maintenance=:PreferNoSchedule");
  }

  @Test
  void labelValuesThatLookLikeOtherYamlTypesStayStrings() throws Exception {
    JsonNode config =
        eksNodeConfig(
            NodeBootstrap.eks(CLUSTER, POOL, Map.of("gpu", "false", "n", "010"), List.of(), null));
    assertThat(config.at("/spec/kubelet/flags/0").isTextual()).isTrue();
    assertThat(flag(config, "--node-labels"))
        .isEqualTo("gpu=false,n=010,nestedvirt.io/pool=kubevirt");
  }

  @Test
  void kubeletFlagsLeaveOutLabelsNodeRestrictionForbidsAndTheOperatorGetsThem() throws Exception {
    var bootstrap = NodeBootstrap.eks(CLUSTER, POOL, LABELS, TAINTS, null);

    String nodeLabels = flag(eksNodeConfig(bootstrap), "--node-labels");
    var result = UserDataRenderer.render(bootstrap);

    assertThat(nodeLabels)
        .doesNotContain("node-role.kubernetes.io")
        .doesNotContain("node-restriction");
    assertThat(result.labelsAfterJoin())
        .containsExactly(
            Map.entry("node-restriction.kubernetes.io/nestedvirt-pool", POOL),
            Map.entry("node-role.kubernetes.io/virt", ""));
    assertThat(result.taintsAfterJoin()).isEmpty();
  }

  @Test
  void poolLabelIsAlwaysInTheKubeletFlagsAndTheRestrictedPoolLabelNever() throws Exception {
    JsonNode config = eksNodeConfig(NodeBootstrap.eks(CLUSTER, "kata", null, null, null));

    assertThat(flag(config, "--node-labels")).isEqualTo("nestedvirt.io/pool=kata");
    assertThat(flag(config, "--register-with-taints"))
        .isEqualTo("nestedvirt.io/unverified=:NoSchedule");
    assertThat(
            UserDataRenderer.render(NodeBootstrap.eks(CLUSTER, "kata", null, null, null))
                .labelsAfterJoin())
        .containsExactly(Map.entry("node-restriction.kubernetes.io/nestedvirt-pool", "kata"));
  }

  @Test
  void startupTaintIsAlwaysFirstInRegisterWithTaints() throws Exception {
    var taints =
        List.of(
            taint("a.example.com/first", "x", "NoExecute"),
            taint("example.com/second", null, "NoSchedule"));

    String flag =
        flag(
            eksNodeConfig(NodeBootstrap.eks(CLUSTER, POOL, Map.of(), taints, null)),
            "--register-with-taints");

    assertThat(flag.split(","))
        .containsExactly(
            "nestedvirt.io/unverified=:NoSchedule",
            "a.example.com/first=x:NoExecute",
            "example.com/second=:NoSchedule");
  }

  @Test
  void poolTaintEqualToTheStartupTaintIsNotDuplicated() throws Exception {
    var taints =
        List.of(
            taint("nestedvirt.io/unverified", null, "NoSchedule"),
            taint("kubevirt.io/dedicated", "true", "NoSchedule"));

    String flag =
        flag(
            eksNodeConfig(NodeBootstrap.eks(CLUSTER, POOL, Map.of(), taints, null)),
            "--register-with-taints");

    assertThat(flag)
        .isEqualTo("nestedvirt.io/unverified=:NoSchedule,kubevirt.io/dedicated=true:NoSchedule");
  }

  @Test
  void extraUserDataStartingWithShebangBecomesAShellScriptPart() {
    var parts = MimeParts.parse(render("#!/bin/sh\necho hi\n"));
    assertThat(parts)
        .extracting(MimeParts.Part::contentType)
        .containsExactly("application/node.eks.aws", "text/x-shellscript");
    assertThat(parts.get(1).body()).isEqualTo("#!/bin/sh\necho hi\n");
  }

  @Test
  void extraUserDataStartingWithCloudConfigBecomesACloudConfigPart() {
    var parts = MimeParts.parse(render("#cloud-config\ntimezone: UTC\n"));
    assertThat(parts.get(1).contentType()).isEqualTo("text/cloud-config");
    assertThat(parts.get(1).body()).isEqualTo("#cloud-config\ntimezone: UTC\n");
  }

  @Test
  void extraUserDataWithoutAHeaderIsTreatedAsAShellScript() {
    var parts = MimeParts.parse(render("echo hi"));
    assertThat(parts.get(1).contentType()).isEqualTo("text/x-shellscript");
    assertThat(parts.get(1).body())
        .as("kept byte for byte, no line break added")
        .isEqualTo("echo hi");
  }

  @Test
  void extraUserDataThatIsAlreadyMimeIsRefused() {
    assertThatThrownBy(() -> render("MIME-Version: 1.0\nContent-Type: multipart/mixed\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is a MIME document")
        .hasMessageContaining("#cloud-config");
  }

  @Test
  void extraUserDataContainingTheBoundaryIsRefused() {
    assertThatThrownBy(() -> render("#!/bin/sh\necho '--" + MimeMultipart.BOUNDARY + "'\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MIME boundary");
  }

  private static String render(String extra) {
    return UserDataRenderer.render(NodeBootstrap.eks(CLUSTER, POOL, Map.of(), List.of(), extra))
        .text();
  }

  @Test
  void kubeadmJoinConfigurationCarriesTokenHashLabelsAndTaints() throws Exception {
    String script =
        UserDataRenderer.render(NodeBootstrap.kubeadm(JOIN, POOL, LABELS, TAINTS, null)).text();
    JsonNode config = kubeadmJoinConfiguration(script);

    assertThat(config.at("/apiVersion").asText()).isEqualTo("kubeadm.k8s.io/v1beta4");
    assertThat(config.at("/kind").asText()).isEqualTo("JoinConfiguration");
    assertThat(config.at("/discovery/bootstrapToken/apiServerEndpoint").asText())
        .isEqualTo("10.0.0.10:6443");
    assertThat(config.at("/discovery/bootstrapToken/token").asText()).isEqualTo(TOKEN);
    assertThat(config.at("/discovery/bootstrapToken/caCertHashes/0").asText()).isEqualTo(CA_HASH);
    JsonNode args = config.at("/nodeRegistration/kubeletExtraArgs");
    assertThat(args).as("v1beta4 kubeletExtraArgs is a list of {name, value}").hasSize(1);
    assertThat(args.get(0).get("name").asText()).isEqualTo("node-labels");
    assertThat(args.get(0).get("value").asText())
        .isEqualTo(
            "example.com/team=platform,nestedvirt.io/pool=kubevirt,"
                + "node.kubernetes.io/lifecycle=on-demand,workload=vm");
    List<Map<String, String>> taints = new ArrayList<>();
    for (JsonNode t : config.at("/nodeRegistration/taints")) {
      Map<String, String> fields = new LinkedHashMap<>();
      t.properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
      taints.add(fields);
    }
    assertThat(taints)
        .containsExactly(
            Map.of("key", "nestedvirt.io/unverified", "effect", "NoSchedule"),
            Map.of("key", "kubevirt.io/dedicated", "value", "true", "effect", "NoSchedule"),
            Map.of("key", "example.com/maintenance", "effect", "PreferNoSchedule"));
  }

  @Test
  void kubeadmScriptNeverTracesAndKeepsTheTokenOffTheCommandLine() {
    String script =
        UserDataRenderer.render(NodeBootstrap.kubeadm(JOIN, POOL, LABELS, TAINTS, null)).text();

    assertThat(script).startsWith("#!/bin/bash\n");
    assertThat(script).doesNotContainPattern("(?m)^\\s*set [^\\n]*-[a-wyz]*x");
    assertThat(script).doesNotContain("bash -x").doesNotContain("xtrace");
    assertThat(script).contains("\nkubeadm join --config /run/nestedvirt/kubeadm-join.yaml\n");
    assertThat(script).doesNotContain("--token").doesNotContain("--discovery-token-ca-cert-hash");
    assertThat(script.indexOf(TOKEN))
        .as("the token appears once, inside the quoted here-document")
        .isEqualTo(script.lastIndexOf(TOKEN))
        .isGreaterThan(script.indexOf("<<'NESTEDVIRT_JOIN_CONFIGURATION'"));
    assertThat(script)
        .contains("umask 077")
        .contains("trap 'rm -f /run/nestedvirt/kubeadm-join.yaml' EXIT");
  }

  @Test
  void kubeadmWithExtraUserDataIsMultipartWithTheJoinScriptFirst() {
    String text =
        UserDataRenderer.render(
                NodeBootstrap.kubeadm(JOIN, POOL, LABELS, TAINTS, "#cloud-config\n"))
            .text();
    assertThat(MimeParts.parse(text))
        .extracting(MimeParts.Part::contentType)
        .containsExactly("text/x-shellscript", "text/cloud-config");
  }

  @Test
  void bareCaHashIsWrittenWithItsSha256Prefix() throws Exception {
    String hex = CA_HASH.substring("sha256:".length()).toUpperCase();
    var join = new KubeadmJoin("cp.example.com:6443", TOKEN, List.of(hex));
    JsonNode config =
        kubeadmJoinConfiguration(
            UserDataRenderer.render(NodeBootstrap.kubeadm(join, POOL, null, null, null)).text());
    assertThat(config.at("/discovery/bootstrapToken/caCertHashes/0").asText()).isEqualTo(CA_HASH);
  }

  @Test
  void rawUserDataIsPassedThroughAndTheOperatorAppliesAllLabelsAndTaints() {
    String userData = "#!/bin/bash\n/etc/eks/bootstrap.sh prod-east\n";

    var result = UserDataRenderer.render(NodeBootstrap.raw(userData, POOL, LABELS, TAINTS));

    assertThat(result.text()).isSameAs(userData);
    assertThat(result.labelsAfterJoin())
        .containsEntry("nestedvirt.io/pool", POOL)
        .containsEntry("node-restriction.kubernetes.io/nestedvirt-pool", POOL)
        .containsEntry("workload", "vm")
        .containsEntry("node-role.kubernetes.io/virt", "")
        .hasSize(6);
    assertThat(result.taintsAfterJoin())
        .extracting(Taint::getKey)
        .containsExactly(
            "nestedvirt.io/unverified", "kubevirt.io/dedicated", "example.com/maintenance");
  }

  @Test
  void sameInputInAnyOrderRendersTheSameBytes() {
    var labels = new LinkedHashMap<String, String>();
    labels.put("z.example.com/last", "1");
    labels.put("a.example.com/first", "2");
    var reversed = new LinkedHashMap<String, String>();
    reversed.put("a.example.com/first", "2");
    reversed.put("z.example.com/last", "1");

    String one =
        UserDataRenderer.render(NodeBootstrap.eks(CLUSTER, POOL, labels, TAINTS, "#!/bin/sh\n"))
            .text();
    String two =
        UserDataRenderer.render(NodeBootstrap.eks(CLUSTER, POOL, reversed, TAINTS, "#!/bin/sh\n"))
            .text();

    assertThat(one).isEqualTo(two);
  }

  @Test
  void callerChangingItsTaintAfterwardsDoesNotChangeTheInput() {
    Taint mutable = taint("example.com/x", "a", "NoSchedule");
    var bootstrap = NodeBootstrap.eks(CLUSTER, POOL, Map.of(), List.of(mutable), null);
    mutable.setEffect("Bogus");
    assertThat(UserDataRenderer.render(bootstrap).text()).contains("example.com/x=a:NoSchedule");
  }

  @Test
  void userDataOverSixteenKibIsRefusedWithTheSizes() {
    String large = "#!/bin/sh\n" + "#".repeat(UserDataRenderer.MAX_BYTES) + "\n";

    assertThatThrownBy(
            () -> UserDataRenderer.render(NodeBootstrap.eks(CLUSTER, POOL, LABELS, TAINTS, large)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("over EC2's limit of 16384 bytes")
        .hasMessageContaining("the pool's own user data is " + large.length() + " bytes")
        .hasMessageContaining("shorten it by at least");
  }

  @Test
  void rawUserDataOfExactlySixteenKibIsAcceptedAndOneByteMoreIsNot() {
    String exact = "#!/bin/sh\n" + "#".repeat(UserDataRenderer.MAX_BYTES - 10);
    assertThat(UserDataRenderer.render(NodeBootstrap.raw(exact, POOL, null, null)).sizeBytes())
        .isEqualTo(UserDataRenderer.MAX_BYTES);
    assertThatThrownBy(
            () -> UserDataRenderer.render(NodeBootstrap.raw(exact + "#", POOL, null, null)))
        .hasMessageContaining("16385 bytes");
  }

  @Test
  void sizeLimitCountsBytesNotCharacters() {
    String multiByte = "#!/bin/sh\n# " + "é".repeat(UserDataRenderer.MAX_BYTES / 2) + "\n";
    assertThat(multiByte.length()).isLessThan(UserDataRenderer.MAX_BYTES);
    assertThatThrownBy(
            () -> UserDataRenderer.render(NodeBootstrap.raw(multiByte, POOL, null, null)))
        .hasMessageContaining("over EC2's limit");
  }
}
