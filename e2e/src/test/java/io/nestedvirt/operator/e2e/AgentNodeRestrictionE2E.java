package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nestedvirt.operator.agent.KvmVerdict;
import io.nestedvirt.operator.agent.NodeConditionWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's ValidatingAdmissionPolicy (deploy/nestedvirt-operator.yaml, applied by the stack) on
 * a real API server, with the agent's own credential: a token of its ServiceAccount bound to an
 * agent pod on node {@code vap-a}, in which the API server names that node (the user's extra {@code
 * authentication.kubernetes.io/node-name}, on by default since 1.32). The agent's real writer may
 * set its own node's NestedVirtualizationReady; everything else its RBAC would allow on nodes is
 * refused with the policy's message: another node, the kubelet's conditions, labels, annotations,
 * taints, and a token bound to no node.
 */
class AgentNodeRestrictionE2E {
  private static final String NODE_A = "vap-a";
  private static final String NODE_B = "vap-b";
  private static final String POD = "nestedvirt-agent-vap-a";
  private static final String POLICY =
      "ValidatingAdmissionPolicy 'nestedvirt-agent-node-restriction'";
  private static final KvmVerdict VERIFIED = new KvmVerdict(true, "KvmVerified", "guest halted");

  private static KubernetesClient admin;
  private static KubernetesClient agentOnA;

  @BeforeAll
  static void twoNodesAndTheAgentsPodOnTheFirst() {
    RealCluster cluster = E2E.stack().cluster();
    admin = cluster.admin;
    for (String name : List.of(NODE_A, NODE_B)) {
      admin
          .nodes()
          .resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
      // The kubelet's condition, which the agent must leave alone.
      admin
          .nodes()
          .withName(name)
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON),
              """
              [{"op": "add", "path": "/status/conditions", "value": [{"type": "Ready",
                "status": "True", "reason": "KubeletReady", "message": "kubelet is posting",
                "lastHeartbeatTime": "2026-11-30T00:00:00Z",
                "lastTransitionTime": "2026-11-30T00:00:00Z"}]}]
              """);
    }
    Pod pod =
        admin.resource(AgentPods.agent(admin, POD, RealCluster.AGENT_NAMESPACE, NODE_A)).create();
    agentOnA = cluster.clientWithToken(token(pod));
  }

  @AfterAll
  static void deleteThem() {
    if (agentOnA != null) {
      agentOnA.close();
    }
    // No kubelet confirms a graceful deletion here.
    admin.pods().inNamespace(RealCluster.AGENT_NAMESPACE).withName(POD).withGracePeriod(0).delete();
    admin.nodes().withName(NODE_A).delete();
    admin.nodes().withName(NODE_B).delete();
  }

  @Test
  void theAgentWritesItsOwnNodesConditionAndLeavesTheKubeletsAlone() {
    NodeConditionWriter writer = new NodeConditionWriter(agentOnA);
    // Whole seconds: the API server keeps condition times to the second.
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    writer.write(NODE_A, VERIFIED, now);
    // Again: now a replacement in place (behind the patch's test), not an append.
    writer.write(NODE_A, VERIFIED, now.plusSeconds(300));

    List<NodeCondition> conditions =
        admin.nodes().withName(NODE_A).get().getStatus().getConditions();
    assertThat(conditions)
        .extracting(NodeCondition::getType)
        .containsExactly("Ready", "NestedVirtualizationReady");
    assertThat(conditions.get(0).getMessage()).isEqualTo("kubelet is posting");
    assertThat(conditions.get(1).getStatus()).isEqualTo("True");
    assertThat(conditions.get(1).getLastHeartbeatTime()).isEqualTo(now.plusSeconds(300).toString());
  }

  @Test
  void anotherNodeIsRefused() {
    assertRefused(
        () -> new NodeConditionWriter(agentOnA).write(NODE_B, VERIFIED, Instant.now()),
        "the nestedvirt agent on node vap-a may not change node vap-b");
    assertThat(admin.nodes().withName(NODE_B).get().getStatus().getConditions())
        .extracting(NodeCondition::getType)
        .containsExactly("Ready");
  }

  @Test
  void theKubeletsReadyConditionIsRefused() {
    assertRefused(
        () ->
            patchStatus(
                PatchType.JSON,
                """
                [{"op": "test", "path": "/status/conditions/0/type", "value": "Ready"},
                 {"op": "replace", "path": "/status/conditions/0/status", "value": "False"}]
                """),
        "may change only the NestedVirtualizationReady condition");
    assertRefused(
        () ->
            patchStatus(
                PatchType.JSON_MERGE,
                "{\"status\": {\"capacity\": {\"devices.kubevirt.io/kvm\": \"1k\"}}}"),
        "may change only the NestedVirtualizationReady condition");
  }

  @Test
  void labelsAndAnnotationsAreRefusedThroughTheStatusSubresource() {
    assertRefused(
        () ->
            patchStatus(
                PatchType.JSON_MERGE,
                "{\"metadata\": {\"labels\": {\"nestedvirt.io/kvm\": \"verified\"}}}"),
        "may not change a node's metadata");
    assertRefused(
        () ->
            patchStatus(PatchType.JSON_MERGE, "{\"metadata\": {\"annotations\": {\"x\": \"y\"}}}"),
        "may not change a node's metadata");
    assertThat(admin.nodes().withName(NODE_A).get().getMetadata().getLabels())
        .doesNotContainKey("nestedvirt.io/kvm");
  }

  /**
   * With RBAC that lets the agent patch and delete nodes themselves (granted here, as a careless
   * admin might), the policy still refuses: it, not the chart's RBAC, is what is proven.
   */
  @Test
  void taintsLabelsAndDeletionAreRefusedEvenWithRbacForThem() {
    String name = "e2e-agent-may-change-nodes";
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("nodes")
                .withVerbs("patch", "delete")
                .endRule()
                .build())
        .create();
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole")
                .withName(name)
                .endRoleRef()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(RealCluster.AGENT_ACCOUNT)
                .withNamespace(RealCluster.AGENT_NAMESPACE)
                .endSubject()
                .build())
        .create();
    try {
      String onlyStatus = "may only patch nodes/status";
      // RBAC's cache takes the binding a moment later; until then RBAC refuses, not the policy.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertRefused(
                      () ->
                          patchNode(
                              "{\"spec\": {\"taints\": [{\"key\": \"nestedvirt.io/unverified\","
                                  + " \"effect\": \"NoSchedule\"}]}}"),
                      onlyStatus));
      assertRefused(
          () -> patchNode("{\"metadata\": {\"labels\": {\"nestedvirt.io/kvm\": \"verified\"}}}"),
          onlyStatus);
      assertRefused(() -> agentOnA.nodes().withName(NODE_B).delete(), onlyStatus);
      Node a = admin.nodes().withName(NODE_A).get();
      assertThat(a.getSpec().getTaints())
          .noneSatisfy(t -> assertThat(t.getKey()).isEqualTo("nestedvirt.io/unverified"));
      assertThat(admin.nodes().withName(NODE_B).get()).isNotNull();
    } finally {
      admin.rbac().clusterRoleBindings().withName(name).delete();
      admin.rbac().clusterRoles().withName(name).delete();
    }
  }

  @Test
  void aTokenBoundToNoNodeIsRefused() {
    String unbound =
        admin
            .serviceAccounts()
            .inNamespace(RealCluster.AGENT_NAMESPACE)
            .withName(RealCluster.AGENT_ACCOUNT)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    try (KubernetesClient agent = E2E.stack().cluster().clientWithToken(unbound)) {
      assertRefused(
          () -> new NodeConditionWriter(agent).write(NODE_A, VERIFIED, Instant.now()),
          "the nestedvirt agent's credential is bound to no node");
    }
  }

  private static String token(Pod pod) {
    return admin
        .serviceAccounts()
        .inNamespace(RealCluster.AGENT_NAMESPACE)
        .withName(RealCluster.AGENT_ACCOUNT)
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(3600L)
                .withNewBoundObjectRef()
                .withApiVersion("v1")
                .withKind("Pod")
                .withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid())
                .endBoundObjectRef()
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  private static void patchStatus(PatchType type, String patch) {
    agentOnA.nodes().withName(NODE_A).subresource("status").patch(PatchContext.of(type), patch);
  }

  private static void patchNode(String mergePatch) {
    agentOnA.nodes().withName(NODE_A).patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
  }

  private static void assertRefused(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403))
        .hasMessageContaining(POLICY)
        .hasMessageContaining(message);
  }
}
