package io.nestedvirt.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nestedvirt.operator.MockApiServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our kinds are read as Kubernetes' Go clients read them: unknown fields are ignored at every
 * depth, and an object that still cannot be mapped is marked, never thrown at the informer.
 */
class TolerantDeserializerTest {
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  private static final String NEWER_POOL =
      """
      {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtPool",
       "metadata":{"name":"newer","uid":"u1","generation":3,"resourceVersion":"7"},
       "spec":{"replicas":2,"instanceTypes":["m8i.large"],
               "consolidation":{"after":"5m"},
               "cpuOptions":{"futureOption":true}},
       "status":{"replicas":1,"futureCounter":4,
                 "conditions":[{"type":"Ready","status":"False","futureField":"x"}]}}
      """;

  @Test
  void fieldsThisVersionDoesNotKnowAreIgnoredAtEveryDepth() {
    NestedVirtPool pool = serialization.unmarshal(NEWER_POOL, NestedVirtPool.class);

    assertThat(pool.unreadable()).as("a newer pool is readable").isEmpty();
    assertThat(pool.name()).isEqualTo("newer");
    assertThat(pool.getMetadata().getGeneration()).isEqualTo(3L);
    assertThat(pool.getSpec().replicas).isEqualTo(2);
    assertThat(pool.getSpec().instanceTypes).containsExactly("m8i.large");
    assertThat(pool.getStatus().replicas).isEqualTo(1);
    assertThat(pool.getStatus().conditions)
        .singleElement()
        .extracting(c -> c.type)
        .isEqualTo("Ready");
  }

  @Test
  void aFieldOfATypeThisVersionCannotMapMarksTheObjectInsteadOfFailing() {
    String json =
        """
        {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtPool",
         "metadata":{"name":"changed","uid":"u2"},
         "spec":{"replicas":{"min":1},"instanceTypes":"m8i.large"}}
        """;

    NestedVirtPool pool = serialization.unmarshal(json, NestedVirtPool.class);

    assertThat(pool.name()).as("metadata is read").isEqualTo("changed");
    assertThat(pool.getSpec()).isNull();
    assertThat(pool.unreadable())
        .hasValueSatisfying(why -> assertThat(why).startsWith("spec.replicas: "));
  }

  @Test
  void oneUnreadableObjectDoesNotFailTheListItIsIn() {
    String list =
        """
        {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtInstanceList","metadata":{},
         "items":[
          {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtInstance",
           "metadata":{"name":"ok"},"spec":{"instanceType":"m8i.large","newer":1}},
          {"apiVersion":"nestedvirt.io/v1alpha1","kind":"NestedVirtInstance",
           "metadata":{"name":"bad"},"status":{"conditions":"not a list"}}]}
        """;

    List<NestedVirtInstance> items = serialization.unmarshal(list, MachineList.class).getItems();

    assertThat(items).extracting(NestedVirtInstance::name).containsExactly("ok", "bad");
    assertThat(items.get(0).unreadable()).isEmpty();
    assertThat(items.get(0).getSpec().instanceType).isEqualTo("m8i.large");
    assertThat(items.get(1).unreadable())
        .hasValueSatisfying(w -> assertThat(w).startsWith("status.conditions: "));
  }

  @Test
  void aReadableObjectRoundTripsUnchanged() {
    NestedVirtPool pool = serialization.unmarshal(NEWER_POOL, NestedVirtPool.class);
    NestedVirtPool copy = serialization.clone(pool);

    assertThat(serialization.asJson(copy)).isEqualTo(serialization.asJson(pool));
    assertThat(serialization.asJson(pool))
        .doesNotContain("consolidation")
        .doesNotContain("unreadable");
  }

  @Test
  void theGeneratedCrdIsReadByTheSameRules() {
    // The mock server's client reads with its own mapper: the annotation holds there too.
    try (MockApiServer api = MockApiServer.start()) {
      var client = api.client();
      client
          .genericKubernetesResources("nestedvirt.io/v1alpha1", "NestedVirtPool")
          .resource(serialization.unmarshal(NEWER_POOL, GenericKubernetesResource.class))
          .create();

      NestedVirtPool read = client.resources(NestedVirtPool.class).withName("newer").get();

      assertThat(read.unreadable()).isEmpty();
      assertThat(read.getSpec().replicas).isEqualTo(2);
    }
  }

  /** A typed list as the informer reads it. */
  static final class MachineList
      extends io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList<NestedVirtInstance> {}
}
