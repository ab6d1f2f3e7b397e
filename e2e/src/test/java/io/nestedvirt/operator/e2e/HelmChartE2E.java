package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chart as a cluster admin uses it: {@code helm lint}, {@code helm template} with the defaults
 * and with every value changed, and the values schema refusing what would not work.
 */
class HelmChartE2E {
  private static final String REQUIRED = "clusterName=prod,region=eu-west-1";
  private final Helm helm = new Helm(E2EEnvironment.load());

  @Test
  void lintPassesStrictlyWithTheRequiredValues() {
    Tool.Result r = helm.run("lint", "--strict", Helm.CHART, "--set", REQUIRED);
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @Test
  void theCrdChartRendersTheCrdsAsTemplatesSoThatHelmUpgradeUpdatesThem() throws IOException {
    Tool.Result lint = helm.run("lint", "--strict", Helm.CRD_CHART);
    assertThat(lint.code()).as(lint.output()).isZero();
    Tool.Result r = helm.run("template", "nestedvirt-operator-crds", Helm.CRD_CHART);
    assertThat(r.code()).as(r.output()).isZero();
    List<HasMetadata> rendered = Helm.objects(r);
    // Rendered from templates/ (not crds/, which `helm upgrade` never touches), and the same
    // objects as crds/ (CrdFreshnessTest keeps the files equal to what the build generates).
    KubernetesSerialization serialization = new KubernetesSerialization();
    Path crds = helm.chart().resolve("../../crds");
    List<CustomResourceDefinition> committed = new java.util.ArrayList<>();
    for (String file :
        List.of(
            "nestedvirtpools.nestedvirt.io-v1.yml", "nestedvirtinstances.nestedvirt.io-v1.yml")) {
      committed.add(
          serialization.unmarshal(
              Files.readString(crds.resolve(file)), CustomResourceDefinition.class));
    }
    assertThat(rendered)
        .as("helm template %s", Helm.CRD_CHART)
        .usingRecursiveFieldByFieldElementComparator()
        .containsExactlyInAnyOrderElementsOf(committed);
    assertThat(helm.chart().resolve("../nestedvirt-operator-crds/crds"))
        .as("the CRD chart keeps its CRDs in templates/ only")
        .doesNotExist();
  }

  @Test
  void theCrdChartIsVersionedWithTheOperatorChart() throws IOException {
    KubernetesSerialization yaml = new KubernetesSerialization();
    Map<?, ?> operatorChart =
        yaml.unmarshal(Files.readString(helm.chart().resolve("Chart.yaml")), Map.class);
    Map<?, ?> crdChart =
        yaml.unmarshal(
            Files.readString(helm.chart().resolve("../nestedvirt-operator-crds/Chart.yaml")),
            Map.class);
    assertThat(crdChart.get("version"))
        .as("upgrade both charts to the same version: the CRDs of one release")
        .isEqualTo(operatorChart.get("version"));
    assertThat(crdChart.get("appVersion")).isEqualTo(operatorChart.get("appVersion"));
  }

  @ParameterizedTest(name = "{0} is refused: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "region=eu-west-1 | at '/clusterName': minLength: got 0, want 1",
        "clusterName=prod | at '/region': minLength: got 0, want 1",
        "clusterName=prod/x,region=eu-west-1 | at '/clusterName'",
        "clusterName=prod,region=Frankfurt | at '/region'",
        "clusterName=prod,region=eu-west-1,logFormat=xml | at '/logFormat'",
        "clusterName=prod,region=eu-west-1,logLevel=verbose | at '/logLevel'",
        "clusterName=prod,region=eu-west-1,image.digest=latest | at '/image/digest'",
        "clusterName=prod,region=eu-west-1,replicaCount=-1 | at '/replicaCount'",
        "clusterName=prod,region=eu-west-1,image.pullPolicy=Sometimes | at '/image/pullPolicy'",
        "clusterName=prod,region=eu-west-1,metrics.port=80 | at '/metrics/port'",
        "clusterName=prod,region=eu-west-1,clustername=typo | additional properties 'clustername'",
        "clusterName=prod,region=eu-west-1,eks.serviceCidr=10.100.0.0/16 | set all three or none",
        "clusterName=prod,region=eu-west-1,leaderElection=false | needs leaderElection: true",
        "clusterName=prod,region=eu-west-1,interruptionQueue=arn:aws:sqs:x | at '/interruptionQueue'",
      })
  void badValuesAreRefused(String values, String message) {
    Tool.Result r = helm.template("--set", values);
    assertThat(r.code())
        .as("helm template --set %s should fail:%n%s", values, r.output())
        .isNotZero();
    assertThat(r.output()).contains(message.strip());
  }

  @Test
  void defaultsGiveTwoHardenedReplicasWithLeaderElectionAndTheAgent() {
    List<HasMetadata> objects = render("--set", REQUIRED);

    Deployment deployment = one(objects, Deployment.class);
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo("nestedvirt-system");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container operator = pod.getContainers().getFirst();
    assertThat(operator.getImage()).isEqualTo("ghcr.io/nestedvirt/nestedvirt-operator:0.1.0");
    assertThat(operator.getArgs())
        .containsExactly(
            "run",
            "--cluster-name=prod",
            "--region=eu-west-1",
            "--metrics-port=8080",
            "--log-format=text",
            "--agent-interval=5m");
    EnvVar namespace = env(operator, "POD_NAMESPACE");
    assertThat(namespace.getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(operator.getPorts().getFirst().getContainerPort()).isEqualTo(8080);
    assertThat(operator.getResources().getLimits()).containsKey("memory");
    assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var security = operator.getSecurityContext();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(operator.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
    assertThat(env(operator, "LOG_LEVEL").getValue()).as("logback.xml reads it").isEqualTo("info");

    assertThat(pod.getPriorityClassName()).isEqualTo("system-cluster-critical");
    assertThat(
            pod.getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms())
        .as("never on a pool's node, which the operator drains")
        .singleElement()
        .satisfies(
            term ->
                assertThat(term.getMatchExpressions())
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getKey())
                              .isEqualTo("node-restriction.kubernetes.io/nestedvirt-pool");
                          assertThat(e.getOperator()).isEqualTo("DoesNotExist");
                        }));
    assertThat(pod.getTopologySpreadConstraints())
        .as("replicas spread over zones and hosts, selecting the operator's own pods")
        .extracting(c -> c.getTopologyKey())
        .containsExactly("topology.kubernetes.io/zone", "kubernetes.io/hostname");
    assertThat(pod.getTopologySpreadConstraints())
        .allSatisfy(
            c -> {
              assertThat(c.getLabelSelector().getMatchLabels())
                  .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
              assertThat(c.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            });

    ServiceAccount account = one(objects, ServiceAccount.class, "nestedvirt-operator");
    assertThat(account.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(pod.getServiceAccountName()).isEqualTo("nestedvirt-operator");
    assertThat(one(objects, PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal())
        .isEqualTo(1);
    assertThat(kinds(objects))
        .doesNotContain("ServiceMonitor", "PodMonitor", "ConfigMap")
        .contains("Service");

    Role role = one(objects, Role.class, "nestedvirt-operator");
    assertThat(role.getMetadata().getNamespace()).isEqualTo("nestedvirt-system");
    assertThat(role.getRules())
        .anySatisfy(
            rule -> {
              assertThat(rule.getResources()).containsExactly("leases");
              assertThat(rule.getResourceNames()).containsExactly("nestedvirt-operator");
            });
    assertThat(role.getRules())
        .noneSatisfy(rule -> assertThat(rule.getResources()).contains("secrets"));
    Role tokens = one(objects, Role.class, "nestedvirt-operator-bootstrap-tokens");
    assertThat(tokens.getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(tokens.getRules())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getResources()).containsExactly("secrets");
              assertThat(rule.getVerbs()).containsExactly("create", "list", "watch", "delete");
            });
    ClusterRole clusterRole = one(objects, ClusterRole.class, "nestedvirt-operator");
    assertThat(clusterRole.getRules())
        .noneSatisfy(rule -> assertThat(rule.getResources()).contains("secrets"))
        .noneSatisfy(rule -> assertThat(rule.getVerbs()).contains("*"));

    DaemonSet agent = one(objects, DaemonSet.class);
    Container agentContainer = agent.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(agentContainer.getImage()).isEqualTo(operator.getImage());
    assertThat(agentContainer.getArgs())
        .containsExactly("agent", "--device=/dev/kvm", "--interval=5m", "--port=8081");
    assertThat(agent.getSpec().getTemplate().getSpec().getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));

    // The agent in its own privileged namespace, held to its own node by the admission policy.
    assertThat(agent.getMetadata().getNamespace()).isEqualTo("nestedvirt-agent");
    Namespace agentNamespace = one(objects, Namespace.class);
    assertThat(agentNamespace.getMetadata().getName()).isEqualTo("nestedvirt-agent");
    assertThat(agentNamespace.getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "privileged");
    assertThat(kinds(objects))
        .contains("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
  }

  @Test
  void theNamespacesAndTheAgentsAdmissionPolicyFollowTheirValues() {
    List<HasMetadata> objects =
        render(
            "--set",
            REQUIRED
                + ",createNamespace=true,agent.namespace=kvm-agents,agent.createNamespace=false");

    Namespace namespace = one(objects, Namespace.class);
    assertThat(namespace.getMetadata().getName()).isEqualTo("nestedvirt-system");
    assertThat(namespace.getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    assertThat(one(objects, DaemonSet.class).getMetadata().getNamespace()).isEqualTo("kvm-agents");
    assertThat(one(objects, ServiceAccount.class, "nestedvirt-agent").getMetadata().getNamespace())
        .isEqualTo("kvm-agents");
    HasMetadata policy =
        objects.stream()
            .filter(o -> o.getKind().equals("ValidatingAdmissionPolicy"))
            .findFirst()
            .orElseThrow();
    assertThat(new KubernetesSerialization().asJson(policy))
        .as("the policy matches the agent's account in the namespace it runs in")
        .contains(
            "request.userInfo.username == 'system:serviceaccount:kvm-agents:nestedvirt-agent'");

    assertThat(kinds(render("--set", REQUIRED + ",agent.nodeRestriction=false")))
        .doesNotContain("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
  }

  @Test
  void everyValueShowsInTheRenderedObjects(@TempDir Path dir) throws IOException {
    Path values = dir.resolve("values.yaml");
    Files.writeString(
        values,
        """
        clusterName: staging
        region: us-west-2
        eks:
          clusterEndpoint: https://ABC.gr7.us-west-2.eks.amazonaws.com
          certificateAuthority: LS0tLS1CRUdJTg==
          serviceCidr: 10.100.0.0/16
        image:
          repository: 111122223333.dkr.ecr.us-west-2.amazonaws.com/nestedvirt
          tag: 0.2.0-rc1
          pullPolicy: Always
        replicaCount: 3
        logFormat: json
        refreshPeriod: 1m
        interruptionQueue: staging-nestedvirt-interruptions
        extraArgs: ["--kubernetes-version", "1.34"]
        serviceAccount:
          annotations:
            eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/nestedvirt-operator
        nodeSelector:
          node-role: system
        tolerations:
          - {key: CriticalAddonsOnly, operator: Exists}
        resources:
          requests: {cpu: 200m, memory: 512Mi}
          limits: {memory: 1Gi}
        metrics:
          port: 9090
          serviceMonitor:
            enabled: true
            labels: {release: prometheus}
        agent:
          interval: 2m
          useKubevirtDevicePlugin: true
          image:
            tag: 0.2.0-agent
          podMonitor:
            enabled: true
            labels: {release: prometheus}
        grafanaDashboard:
          enabled: true
          namespace: monitoring
        """);
    List<HasMetadata> objects = render("--values", values.toString());

    Deployment deployment = one(objects, Deployment.class);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container operator = pod.getContainers().getFirst();
    assertThat(operator.getImage())
        .isEqualTo("111122223333.dkr.ecr.us-west-2.amazonaws.com/nestedvirt:0.2.0-rc1");
    assertThat(operator.getImagePullPolicy()).isEqualTo("Always");
    assertThat(operator.getArgs())
        .containsExactly(
            "run",
            "--cluster-name=staging",
            "--region=us-west-2",
            "--metrics-port=9090",
            "--log-format=json",
            "--agent-interval=2m",
            "--refresh-period=1m",
            "--interruption-queue=staging-nestedvirt-interruptions",
            "--cluster-endpoint=https://ABC.gr7.us-west-2.eks.amazonaws.com",
            "--cluster-ca=LS0tLS1CRUdJTg==",
            "--service-cidr=10.100.0.0/16",
            "--kubernetes-version",
            "1.34");
    assertThat(operator.getResources().getRequests().get("cpu").toString()).isEqualTo("200m");
    assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    assertThat(operator.getPorts().getFirst().getContainerPort()).isEqualTo(9090);
    assertThat(pod.getNodeSelector()).containsEntry("node-role", "system");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("CriticalAddonsOnly"));

    assertThat(
            one(objects, ServiceAccount.class, "nestedvirt-operator")
                .getMetadata()
                .getAnnotations())
        .containsEntry(
            "eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/nestedvirt-operator");

    GenericKubernetesResource monitor =
        (GenericKubernetesResource)
            objects.stream()
                .filter(o -> o.getKind().equals("ServiceMonitor"))
                .findFirst()
                .orElseThrow();
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    List<?> endpoints =
        (List<?>)
            ((java.util.Map<?, ?>) monitor.getAdditionalProperties().get("spec")).get("endpoints");
    assertThat(endpoints.getFirst().toString()).contains("port=metrics", "path=/metrics");

    ConfigMap dashboard = one(objects, ConfigMap.class, "nestedvirt-operator-dashboard");
    assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("monitoring");
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    ObjectMapper json = new ObjectMapper();
    assertThat(json.readTree(dashboard.getData().get("nestedvirt-operator.json")))
        .as("the dashboard of deploy/, intact")
        .isEqualTo(
            json.readTree(helm.chart().resolve("../../deploy/grafana-dashboard.json").toFile()));

    GenericKubernetesResource podMonitor =
        (GenericKubernetesResource)
            objects.stream()
                .filter(o -> o.getKind().equals("PodMonitor"))
                .findFirst()
                .orElseThrow();
    assertThat(podMonitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Map<?, ?> podMonitorSpec = (Map<?, ?>) podMonitor.getAdditionalProperties().get("spec");
    assertThat(((Map<?, ?>) podMonitorSpec.get("selector")).get("matchLabels"))
        .as("selects the agent's pods")
        .isEqualTo(one(objects, DaemonSet.class).getSpec().getSelector().getMatchLabels());
    assertThat(((List<?>) podMonitorSpec.get("podMetricsEndpoints")).getFirst().toString())
        .as("the agent container's named port")
        .contains("port=http", "path=/metrics");

    Container agent =
        one(objects, DaemonSet.class).getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(agent.getImage())
        .isEqualTo("111122223333.dkr.ecr.us-west-2.amazonaws.com/nestedvirt:0.2.0-agent");
    assertThat(agent.getArgs())
        .as("the interval the operator was told (--agent-interval=2m)")
        .contains("--interval=2m");
    assertThat(agent.getResources().getLimits()).containsKey("devices.kubevirt.io/kvm");
    assertThat(agent.getSecurityContext().getPrivileged()).isFalse();
    assertThat(agent.getVolumeMounts()).noneSatisfy(m -> assertThat(m.getName()).isEqualTo("kvm"));
  }

  @Test
  void digestLogLevelAndExtraVolumes(@TempDir Path dir) throws IOException {
    String digest = "sha256:" + "0123456789abcdef".repeat(4);
    Path values = dir.resolve("values.yaml");
    Files.writeString(
        values,
        """
        clusterName: prod
        region: eu-west-1
        image:
          tag: 0.2.0
          digest: %s
        logLevel: debug
        priorityClassName: ""
        jvmOptions: "-XX:AOTCache=/aot/operator.aot"
        extraVolumes:
          - name: aot
            image: {reference: registry.example/nestedvirt-aot:0.2.0}
        extraVolumeMounts:
          - {name: aot, mountPath: /aot, readOnly: true}
        topologySpreadConstraints:
          - maxSkew: 2
            topologyKey: topology.kubernetes.io/zone
            whenUnsatisfiable: DoNotSchedule
        spreadReplicas: false
        """
            .formatted(digest));
    List<HasMetadata> objects = render("--values", values.toString());
    PodSpec pod = one(objects, Deployment.class).getSpec().getTemplate().getSpec();
    Container operator = pod.getContainers().getFirst();
    assertThat(operator.getImage())
        .as("a digest pins the image; the tag is ignored")
        .isEqualTo("ghcr.io/nestedvirt/nestedvirt-operator@" + digest);
    assertThat(
            one(objects, DaemonSet.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst()
                .getImage())
        .as("the agent runs the same pinned image")
        .isEqualTo(operator.getImage());
    assertThat(env(operator, "LOG_LEVEL").getValue()).isEqualTo("debug");
    assertThat(pod.getPriorityClassName()).isNull();
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactly("tmp", "aot");
    assertThat(operator.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getName()).isEqualTo("aot");
              assertThat(m.getMountPath()).isEqualTo("/aot");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(pod.getTopologySpreadConstraints())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getMaxSkew()).isEqualTo(2);
              assertThat(c.getWhenUnsatisfiable()).isEqualTo("DoNotSchedule");
              assertThat(c.getLabelSelector().getMatchLabels())
                  .containsEntry("app.kubernetes.io/name", "nestedvirt-operator");
            });
  }

  @Test
  void oneReplicaWithoutLeaderElectionAndNoAgentOrPodDisruptionBudget() {
    List<HasMetadata> objects =
        render(
            "--set",
            REQUIRED
                + ",replicaCount=1,leaderElection=false,agent.enabled=false,"
                + "metrics.service.enabled=false,serviceAccount.create=false");
    Deployment deployment = one(objects, Deployment.class);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs())
        .contains("--no-leader-election");
    assertThat(kinds(objects))
        .doesNotContain(
            "DaemonSet",
            "PodDisruptionBudget",
            "Service",
            "PriorityClass",
            "Namespace",
            "ValidatingAdmissionPolicy")
        .contains("ClusterRole", "Role");
    assertThat(objects).noneMatch(o -> o instanceof ServiceAccount);
  }

  @Test
  void theInterruptionQueueIsPassedToTheOperatorOnlyWhenSet() {
    List<String> set =
        operatorArgs(
            render("--set", REQUIRED + ",interruptionQueue=prod-nestedvirt-interruptions"));
    assertThat(set).contains("--interruption-queue=prod-nestedvirt-interruptions");
    assertThat(operatorArgs(render("--set", REQUIRED + ",interruptionQueue=")))
        .as("empty: the operator falls back to DescribeInstanceStatus")
        .noneMatch(a -> a.startsWith("--interruption-queue"));
    assertThat(operatorArgs(render("--set", REQUIRED)))
        .noneMatch(a -> a.startsWith("--interruption-queue"));
  }

  private static List<String> operatorArgs(List<HasMetadata> objects) {
    return one(objects, Deployment.class)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .getFirst()
        .getArgs();
  }

  @Test
  void withoutKubeadmBootstrapTokensNothingIsGrantedInKubeSystem() {
    List<HasMetadata> objects = render("--set", REQUIRED + ",kubeadmBootstrapTokens=false");
    assertThat(objects)
        .noneMatch(o -> "kube-system".equals(o.getMetadata().getNamespace()))
        .filteredOn(o -> o instanceof Role)
        .singleElement()
        .satisfies(
            role -> assertThat(role.getMetadata().getName()).isEqualTo("nestedvirt-operator"));
  }

  private List<HasMetadata> render(String... args) {
    Tool.Result r = helm.template(args);
    assertThat(r.code()).as(r.output()).isZero();
    return Helm.objects(r);
  }

  private static List<String> kinds(List<HasMetadata> objects) {
    return objects.stream().map(HasMetadata::getKind).toList();
  }

  private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> matching = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(matching).as("one %s", type.getSimpleName()).hasSize(1);
    return matching.getFirst();
  }

  private static <T extends HasMetadata> T one(
      List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name));
  }
}
