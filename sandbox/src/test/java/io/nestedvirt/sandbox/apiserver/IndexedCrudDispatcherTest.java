package io.nestedvirt.sandbox.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The indexed dispatcher answers like fabric8's stock one: every scenario runs against both, side
 * by side, and the answers are compared.
 */
class IndexedCrudDispatcherTest {
  /** The mock server logs every request through java.util.logging; keep only its warnings. */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final IndexedCrudDispatcher indexed = new IndexedCrudDispatcher();
  private final KubernetesMockServer indexedServer = serve(indexed);
  private final KubernetesMockServer stockServer = serve(new KubernetesCrudDispatcher());
  private final KubernetesClient fast = indexedServer.createClient();
  private final KubernetesClient stock = stockServer.createClient();

  private static KubernetesMockServer serve(KubernetesCrudDispatcher dispatcher) {
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return server;
  }

  @AfterEach
  void close() {
    fast.close();
    stock.close();
    indexedServer.destroy();
    stockServer.destroy();
  }

  private <T> void same(Function<KubernetesClient, T> call) {
    assertThat(answer(call, fast))
        .as("the indexed dispatcher must answer as fabric8's stock one does")
        .isEqualTo(answer(call, stock));
  }

  private static Object answer(Function<KubernetesClient, ?> call, KubernetesClient client) {
    try {
      Object result = call.apply(client);
      if (result instanceof List<?> list) {
        return list.stream().map(IndexedCrudDispatcherTest::withoutVersion).toList();
      }
      return result instanceof HasMetadata h ? withoutVersion(h) : result;
    } catch (KubernetesClientException e) {
      return "HTTP " + e.getCode();
    }
  }

  /** Resource versions come from each server's own counter; compare the rest. */
  private static Object withoutVersion(Object o) {
    if (o instanceof HasMetadata h) {
      return h.getMetadata().getName()
          + " ns="
          + h.getMetadata().getNamespace()
          + " labels="
          + h.getMetadata().getLabels()
          + " finalizers="
          + h.getMetadata().getFinalizers()
          + " deleting="
          + (h.getMetadata().getDeletionTimestamp() != null)
          + " "
          + (h instanceof ConfigMap c ? c.getData() : ((Node) h).getSpec());
    }
    return o;
  }

  private static Node node(String name, String pool) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("nestedvirt.io/pool", pool)
        .endMetadata()
        .withNewSpec()
        .withProviderID("aws:///us-east-1a/i-" + name)
        .endSpec()
        .build();
  }

  private static ConfigMap configMap(String namespace, String name, String value) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .addToLabels("app", value)
        .endMetadata()
        .addToData("v", value)
        .build();
  }

  private void populate() {
    for (KubernetesClient c : List.of(fast, stock)) {
      for (int i = 0; i < 30; i++) {
        c.resource(node("n" + i, "p" + (i % 3))).create();
      }
      // The same name in two namespaces and as two kinds.
      c.resource(configMap("a", "n1", "x")).create();
      c.resource(configMap("b", "n1", "y")).create();
      c.resource(configMap("b", "n2", "x")).create();
    }
  }

  @Test
  void getByNameFindsTheOneObjectOfThatKindAndNamespace() {
    populate();
    same(c -> c.nodes().withName("n1").get());
    same(c -> c.configMaps().inNamespace("a").withName("n1").get());
    same(c -> c.configMaps().inNamespace("b").withName("n1").get());
    same(c -> c.configMaps().inNamespace("a").withName("n2").get());
    same(c -> c.nodes().withName("absent").get());
    same(c -> c.configMaps().inNamespace("c").withName("n1").get());
  }

  @Test
  void listsWithSelectorsReturnTheSameItemsInTheSameOrder() {
    populate();
    same(c -> c.nodes().list().getItems());
    same(c -> c.nodes().withLabel("nestedvirt.io/pool", "p1").list().getItems());
    same(c -> c.nodes().withLabelNotIn("nestedvirt.io/pool", "p1").list().getItems());
    same(c -> c.nodes().withoutLabel("nestedvirt.io/pool", "p2").list().getItems());
    same(c -> c.nodes().withLabel("nestedvirt.io/pool").list().getItems());
    same(c -> c.nodes().withoutLabel("nestedvirt.io/pool").list().getItems());
    same(c -> c.nodes().withField("metadata.name", "n7").list().getItems());
    same(c -> c.configMaps().inAnyNamespace().list().getItems());
    same(c -> c.configMaps().inNamespace("b").list().getItems());
    same(c -> c.configMaps().inAnyNamespace().withLabel("app", "x").list().getItems());
    same(c -> c.configMaps().inNamespace("nowhere").list().getItems());
  }

  @Test
  void updatesPatchesAndRelabelsMoveObjectsBetweenSelectors() {
    populate();
    for (KubernetesClient c : List.of(fast, stock)) {
      c.nodes().withName("n4").edit(n -> relabel(n, "p9"));
      c.nodes().withName("n5").edit(n -> relabel(n, "p9"));
      c.configMaps()
          .inNamespace("b")
          .withName("n1")
          .edit(m -> new ConfigMapBuilder(m).addToData("w", "2").build());
      c.resource(configMap("a", "n1", "z")).update();
    }
    same(c -> c.nodes().withLabel("nestedvirt.io/pool", "p9").list().getItems());
    same(c -> c.nodes().withLabel("nestedvirt.io/pool", "p1").list().getItems());
    same(c -> c.nodes().list().getItems());
    same(c -> c.configMaps().inNamespace("b").withName("n1").get());
    same(c -> c.configMaps().inAnyNamespace().withLabel("app", "z").list().getItems());
    same(c -> c.configMaps().inAnyNamespace().withLabel("app", "x").list().getItems());
  }

  private static Node relabel(Node n, String pool) {
    n.getMetadata().getLabels().put("nestedvirt.io/pool", pool);
    return n;
  }

  @Test
  void deleteRemovesTheObjectAndAFinalizerOnlyMarksIt() {
    populate();
    for (KubernetesClient c : List.of(fast, stock)) {
      c.nodes().withName("n3").delete();
      c.nodes().withName("n6").edit(n -> finalize(n, List.of("nestedvirt.io/drain")));
      c.nodes().withName("n6").delete();
      c.configMaps().inNamespace("b").withName("n1").delete();
    }
    same(c -> c.nodes().withName("n3").get());
    same(c -> c.nodes().withName("n6").get());
    same(c -> c.configMaps().inNamespace("b").withName("n1").get());
    same(c -> c.configMaps().inNamespace("a").withName("n1").get());
    same(c -> c.nodes().list().getItems());
    same(c -> c.nodes().withName("n3").delete().size());
    for (KubernetesClient c : List.of(fast, stock)) {
      c.nodes().withName("n6").edit(n -> finalize(n, List.of()));
    }
    same(c -> c.nodes().withName("n6").get());
    same(c -> c.nodes().withLabel("nestedvirt.io/pool", "p0").list().getItems());
  }

  private static Node finalize(Node n, List<String> finalizers) {
    n.getMetadata().setFinalizers(finalizers);
    return n;
  }

  @Test
  void conflictsAndCreatesOfExistingNamesAnswerAsBefore() {
    populate();
    same(c -> c.resource(node("n1", "p0")).create());
    Node stale = fast.nodes().withName("n2").get();
    Node staleStock = stock.nodes().withName("n2").get();
    fast.nodes().withName("n2").edit(n -> relabel(n, "p5"));
    stock.nodes().withName("n2").edit(n -> relabel(n, "p5"));
    assertThat(answer(c -> c.resource(relabel(stale, "p6")).update(), fast))
        .isEqualTo(answer(c -> c.resource(relabel(staleStock, "p6")).update(), stock))
        .isEqualTo("HTTP 409");
  }

  @Test
  void theIndexNeverHoldsAKeyThatIsNoLongerStored() {
    populate();
    Attribute p1 = new Attribute("labels:nestedvirt.io/pool", "p1");
    assertThat(indexed.store().indexed(p1)).isEqualTo(10);
    for (int i = 1; i < 30; i += 3) {
      fast.nodes().withName("n" + i).delete();
    }
    assertThat(indexed.store().indexed(p1)).as("deleted Nodes must leave the index").isZero();
    fast.nodes().withName("n0").edit(n -> relabel(n, "p1"));
    assertThat(indexed.store().indexed(p1)).isEqualTo(1);
    assertThat(indexed.store().indexed(new Attribute("name", "n0"))).isEqualTo(1);
    indexed.reset();
    assertThat(indexed.store().indexed(new Attribute("name", "n0"))).isZero();
    assertThat(fast.nodes().list().getItems()).isEmpty();
  }

  @Test
  void anEntryRemovedThroughTheMapsIteratorLeavesTheIndex() {
    populate();
    Map<AttributeSet, String> map = indexed.getMap();
    map.entrySet().removeIf(e -> e.getValue().contains("\"n7\""));
    assertThat(indexed.store().indexed(new Attribute("name", "n7"))).isZero();
    assertThat(fast.nodes().withName("n7").get()).isNull();
    assertThatThrownBy(() -> fast.nodes().withName("n7").edit(n -> n))
        .isInstanceOf(KubernetesClientException.class);
  }
}
