package io.nestedvirt.operator.instance;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Node write the API server refuses outright (403 Forbidden: RBAC; 422 Invalid: an admission
 * policy or a bad template) is reported once and tried again after the refresh period, not every 2
 * s; a conflict is still retried soon. The API server here answers every Node update with the code
 * under test and counts them, and records the Events posted.
 */
class VerificationRefusalTest {
  private static final Duration REFRESH = Duration.ofSeconds(30);
  private static final Instant T0 = Machines.LAUNCHED.plus(Duration.ofMinutes(2));

  private final AtomicInteger nodeWrites = new AtomicInteger();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private volatile int answer;
  private final HttpServer server = start();
  private final KubernetesClient client =
      new KubernetesClientBuilder()
          .withConfig(
              new ConfigBuilder()
                  .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                  .withRequestRetryBackoffLimit(0)
                  .build())
          .build();
  private final Verification verification =
      new Verification(
          client,
          new EventRecorder(client, Clock.systemUTC(), OperatorMetrics.prometheus()),
          new io.nestedvirt.operator.node.AgentHeartbeat(Duration.ofMinutes(5)),
          REFRESH);

  @AfterEach
  void close() {
    client.close();
    server.stop(0);
  }

  @Test
  void aForbiddenNodeWriteIsReportedOnceAndRetriedAtTheRefreshPeriod() {
    answer = 403;

    Machine first = reconcileAt(T0);
    assertThat(nodeWrites).hasValue(1);
    assertThat(first.conditions.reason(InstanceConditions.VERIFIED)).isEqualTo("NodeWriteRefused");
    assertThat(first.conditions.get(InstanceConditions.VERIFIED).orElseThrow().message)
        .contains("node n1's labels and taints")
        .contains("403")
        .contains("node n1 is forbidden");
    assertThat(first.requeue()).contains(REFRESH);
    assertThat(events).singleElement().asString().contains("NodeWriteRefused");

    // The reconciles that follow within the refresh period (every 2 s before) write nothing and
    // record no new Event; the condition stays.
    Machine later = first;
    for (int s = 2; s < 30; s += 2) {
      later = reconcileAt(T0.plusSeconds(s), later);
    }
    assertThat(nodeWrites).as("writes within the refresh period").hasValue(1);
    assertThat(later.conditions.reason(InstanceConditions.VERIFIED)).isEqualTo("NodeWriteRefused");
    assertThat(events).hasSize(1);

    reconcileAt(T0.plus(REFRESH), later);
    assertThat(nodeWrites).as("tried again after the refresh period").hasValue(2);
    assertThat(events).as("the same refusal is not reported again").hasSize(1);
  }

  @Test
  void anInvalidNodeWriteIsTreatedAsARefusalToo() {
    answer = 422;
    Machine m = reconcileAt(T0);
    reconcileAt(T0.plusSeconds(2), m);
    assertThat(nodeWrites).hasValue(1);
    assertThat(m.conditions.get(InstanceConditions.VERIFIED).orElseThrow().message).contains("422");
  }

  @Test
  void aConflictIsRetriedSoon() {
    answer = 409;
    Machine m = reconcileAt(T0);
    assertThat(m.requeue()).contains(Duration.ofSeconds(2));
    reconcileAt(T0.plusSeconds(2), m);
    assertThat(nodeWrites).hasValue(2);
    assertThat(events).isEmpty();
  }

  private Machine reconcileAt(Instant now) {
    return reconcileAt(now, null);
  }

  /** One reconcile at {@code now}, starting from the conditions {@code before} ended with. */
  private Machine reconcileAt(Instant now, Machine before) {
    var object = Machines.machine("p-abcde", "i-1");
    if (before != null) {
      object.getStatus().conditions = before.conditions.list();
    }
    Machine m = new Machine(object, pool(), now);
    // An unverified node that is to get the pool's label and the startup taint.
    m.node = Machines.node("n1", null, now, true);
    verification.reconcile(m);
    return m;
  }

  private static NestedVirtPool pool() {
    NestedVirtPool pool = new NestedVirtPool();
    pool.setMetadata(new ObjectMetaBuilder().withName("p").withUid("pool-uid").build());
    NestedVirtPoolSpec spec = new NestedVirtPoolSpec();
    spec.replicas = 1;
    spec.instanceTypes = List.of("m8i.large");
    pool.setSpec(spec);
    return pool;
  }

  private HttpServer start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      http.createContext(
          "/api/v1/nodes/",
          exchange -> {
            nodeWrites.incrementAndGet();
            String name = exchange.getRequestURI().getPath().replaceAll(".*/", "");
            String reason = answer == 403 ? "Forbidden" : answer == 422 ? "Invalid" : "Conflict";
            String message =
                answer == 403
                    ? "node " + name + " is forbidden: User cannot update resource"
                    : "node " + name + " refused";
            respond(
                exchange,
                answer,
                """
                {"kind":"Status","apiVersion":"v1","status":"Failure","message":"%s",\
                "reason":"%s","code":%d}"""
                    .formatted(message, reason, answer));
          });
      http.createContext(
          "/api/v1/namespaces/default/events",
          exchange -> {
            String body =
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            events.add(body);
            respond(exchange, 201, body);
          });
      http.start();
      return http;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int code, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }
}
