package io.nestedvirt.sandbox.kubelet;

import static io.nestedvirt.sandbox.kubelet.KubeletTestFixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.sandbox.kubelet.RegistrationParser.Registration;
import io.nestedvirt.sandbox.kubelet.RegistrationParser.Source;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class KubeletRegistrationParserTest {
  private static final Map<String, String> EXPECTED_LABELS =
      Map.of("workload", "vm", "example.com/team", "platform", "nestedvirt.io/pool", "kubevirt");

  @Test
  void eksNodeConfigGivesNodeLabelsAndRegisterWithTaintsFlags() {
    Registration registration = RegistrationParser.parse(KubeletTestFixtures.eksUserData());

    assertThat(registration.source()).isEqualTo(Source.EKS_NODE_CONFIG);
    assertThat(registration.labels()).containsExactlyInAnyOrderEntriesOf(EXPECTED_LABELS);
    assertThat(registration.taints())
        .containsExactly(
            taint("nestedvirt.io/unverified", null, "NoSchedule"),
            taint("kubevirt.io/dedicated", "true", "NoSchedule"),
            taint("example.com/maintenance", null, "PreferNoSchedule"));
  }

  @Test
  void eksNodeConfigNextToThePoolsOwnScriptIsStillFound() {
    Registration registration =
        RegistrationParser.parse(
            KubeletTestFixtures.eksUserData("#!/bin/bash\ncat <<EOF\nkind: NodeConfig\nEOF\n"));

    assertThat(registration.labels()).containsExactlyInAnyOrderEntriesOf(EXPECTED_LABELS);
    assertThat(registration.taints()).hasSize(3);
  }

  @Test
  void kubeadmScriptGivesJoinConfigurationLabelsAndTaints() {
    Registration registration = RegistrationParser.parse(KubeletTestFixtures.kubeadmUserData(null));

    assertThat(registration.source()).isEqualTo(Source.KUBEADM_JOIN_CONFIGURATION);
    assertThat(registration.labels()).containsExactlyInAnyOrderEntriesOf(EXPECTED_LABELS);
    assertThat(registration.taints())
        .containsExactly(
            taint("nestedvirt.io/unverified", null, "NoSchedule"),
            taint("kubevirt.io/dedicated", "true", "NoSchedule"),
            taint("example.com/maintenance", null, "PreferNoSchedule"));
  }

  @Test
  void kubeadmScriptInsideMultipartWithCloudConfigIsFound() {
    Registration registration =
        RegistrationParser.parse(
            KubeletTestFixtures.kubeadmUserData("#cloud-config\ntimezone: UTC\n"));

    assertThat(registration.source()).isEqualTo(Source.KUBEADM_JOIN_CONFIGURATION);
    assertThat(registration.labels()).containsExactlyInAnyOrderEntriesOf(EXPECTED_LABELS);
    assertThat(registration.taints()).hasSize(3);
  }

  @Test
  void kubeadmV1beta3MapOfExtraArgsIsRead() {
    String script =
        """
        #!/bin/sh
        cat > /tmp/join.yaml <<EOF
        apiVersion: kubeadm.k8s.io/v1beta3
        kind: JoinConfiguration
        nodeRegistration:
          kubeletExtraArgs:
            node-labels: "a=1,b=2"
          taints:
            - key: dedicated
              value: gpu
              effect: NoExecute
        EOF
        kubeadm join --config /tmp/join.yaml
        """;

    Registration registration = RegistrationParser.parse(script);

    assertThat(registration.labels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
    assertThat(registration.taints()).containsExactly(taint("dedicated", "gpu", "NoExecute"));
  }

  @Test
  void bareNodeConfigWithKubeletConfigTaintsAndBase64PartIsRead() {
    String nodeConfig =
        """
        apiVersion: node.eks.aws/v1alpha1
        kind: NodeConfig
        spec:
          kubelet:
            config:
              registerWithTaints:
                - {key: a, effect: NoSchedule}
            flags:
              - --node-labels x=y
        """;
    String mime =
        "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=BOUNDARY\r\n\r\n"
            + "--BOUNDARY\r\n"
            + "Content-Type: application/node.eks.aws\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(nodeConfig.getBytes(StandardCharsets.UTF_8))
            + "\r\n--BOUNDARY--\r\n";

    assertThat(RegistrationParser.parse(nodeConfig).labels()).containsEntry("x", "y");
    Registration fromMime = RegistrationParser.parse(mime);
    assertThat(fromMime.labels()).containsExactlyEntriesOf(Map.of("x", "y"));
    assertThat(fromMime.taints()).containsExactly(taint("a", null, "NoSchedule"));
  }

  @Test
  void rawUserDataGivesNoLabelsOrTaints() {
    assertThat(RegistrationParser.parse(KubeletTestFixtures.rawUserData()))
        .isEqualTo(Registration.NONE);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "",
        "#cloud-config\nruncmd: [echo hi]\n",
        "kind: NodeConfig\nspec: [unbalanced",
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x\"\n\n--x\nno end",
        "\u0000\u0001 binary garbage"
      })
  void unknownOrBrokenUserDataGivesNothingAndDoesNotThrow(String userData) {
    assertThat(RegistrationParser.parse(userData).labels()).isEmpty();
    assertThat(RegistrationParser.parse(userData).taints()).isEmpty();
  }
}
