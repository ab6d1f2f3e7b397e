package io.nestedvirt.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.cloud.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * Upgrading from the operator version that kept a pool's instances in its status, on the real API
 * server: the old fields are part of the CRD's schema (so the API server does not prune them before
 * the operator reads them), each running instance tagged with the pool's uid becomes a
 * NestedVirtInstance carrying its id, nothing is launched or terminated, and the old fields go.
 */
class AdoptionE2E {

  private final E2E.Stack stack = E2E.stack();
  private final KubernetesClient admin = stack.cluster().admin;

  @Test
  void aPoolWithAnOldStatusKeepsItsRunningInstances() throws Exception {
    // An arm64 type holds the pool (InstanceTypesValid=False) while the old state is set up.
    E2E.applyPool("upgraded", 2, "m7g.large");
    await("the operator stalls the pool")
        .atMost(Duration.ofMinutes(1))
        .until(() -> stalled("upgraded"));
    String uid =
        admin.resources(NestedVirtPool.class).withName("upgraded").get().getMetadata().getUid();
    List<Instance> running = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      running.add(launchAsTheOldVersion("upgraded", uid, "nvp-upgraded-" + i, i));
    }
    writeOldStatus("upgraded", running);

    E2E.applyPool("upgraded", 2, "m8i.large");
    E2E.awaitReady(admin, "upgraded", 2);

    assertThat(E2E.machines(admin, "upgraded"))
        .extracting(m -> m.getSpec().instanceId)
        .as("each running instance adopted by id")
        .containsExactlyInAnyOrderElementsOf(running.stream().map(Instance::instanceId).toList());
    assertThat(
            stack.moto().instances("upgraded", "pending", "running", "shutting-down", "terminated"))
        .as("nothing launched again, nothing terminated")
        .extracting(Instance::instanceId)
        .containsExactlyInAnyOrderElementsOf(running.stream().map(Instance::instanceId).toList());
    @SuppressWarnings("unchecked")
    Map<String, Object> status =
        (Map<String, Object>)
            admin
                .genericKubernetesResources(E2E.POOLS)
                .withName("upgraded")
                .get()
                .getAdditionalProperties()
                .get("status");
    assertThat(status.keySet()).doesNotContain("instances", "pendingLaunches", "launchSequence");

    admin.resources(NestedVirtPool.class).withName("upgraded").delete();
    await("the pool and its adopted instances go")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> admin.resources(NestedVirtPool.class).withName("upgraded").get() == null);
    assertThat(stack.moto().instances("upgraded", "pending", "running")).isEmpty();
  }

  private boolean stalled(String pool) {
    NestedVirtPool p = admin.resources(NestedVirtPool.class).withName(pool).get();
    return p != null
        && p.getStatus() != null
        && p.getStatus().conditions.stream()
            .anyMatch(c -> c.type.equals("Stalled") && c.status.equals("True"));
  }

  /** An instance as the old version launched it: its tags, its kind of client token. */
  private Instance launchAsTheOldVersion(String pool, String uid, String token, int subnet) {
    Map<String, String> tags =
        Map.of(Tags.CLUSTER, E2E.CLUSTER, Tags.POOL, pool, Tags.POOL_UID, uid);
    return stack
        .moto()
        .ec2
        .runInstances(
            r ->
                r.minCount(1)
                    .maxCount(1)
                    .clientToken(token)
                    .instanceType("m8i.large")
                    .imageId(stack.moto().imageId)
                    .subnetId(stack.moto().subnetIds.get(subnet))
                    .tagSpecifications(
                        TagSpecification.builder()
                            .resourceType(ResourceType.INSTANCE)
                            .tags(
                                tags.entrySet().stream()
                                    .map(
                                        t ->
                                            Tag.builder()
                                                .key(t.getKey())
                                                .value(t.getValue())
                                                .build())
                                    .toList())
                            .build()))
        .instances()
        .getFirst();
  }

  /** The status the old version wrote, through the status subresource, as it did. */
  private void writeOldStatus(String pool, List<Instance> running) {
    GenericKubernetesResource current =
        admin.genericKubernetesResources(E2E.POOLS).withName(pool).get();
    @SuppressWarnings("unchecked")
    Map<String, Object> status =
        new LinkedHashMap<>((Map<String, Object>) current.getAdditionalProperties().get("status"));
    List<Map<String, Object>> instances = new ArrayList<>();
    for (Instance i : running) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("id", i.instanceId());
      entry.put("instanceType", i.instanceTypeAsString());
      entry.put("zone", i.placement().availabilityZone());
      entry.put("subnetId", i.subnetId());
      entry.put("state", "running");
      entry.put("launchTime", i.launchTime().toString());
      entry.put("phase", "Joining");
      instances.add(entry);
    }
    status.put("instances", instances);
    status.put("pendingLaunches", List.of());
    status.put("launchSequence", 2);
    current.getAdditionalProperties().put("status", status);
    // The operator may write the pool's status in between (resourceVersion conflict): read again.
    await("the old status is written")
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> {
              GenericKubernetesResource fresh =
                  admin.genericKubernetesResources(E2E.POOLS).withName(pool).get();
              fresh.getAdditionalProperties().put("status", status);
              admin.genericKubernetesResources(E2E.POOLS).resource(fresh).updateStatus();
              return true;
            });
    @SuppressWarnings("unchecked")
    Map<String, Object> stored =
        (Map<String, Object>)
            admin
                .genericKubernetesResources(E2E.POOLS)
                .withName(pool)
                .get()
                .getAdditionalProperties()
                .get("status");
    assertThat(stored)
        .as("the API server keeps the old fields (the CRD's schema still has them)")
        .containsKeys("instances", "launchSequence");
  }
}
