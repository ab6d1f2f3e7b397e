package io.nestedvirt.operator.interruption;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nestedvirt.operator.MockApiServer;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.NoticeQueue;
import io.nestedvirt.operator.instance.TestMachineCaches;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InterruptionQueueReaderTest {
  private static final String OURS = "i-0123456789abcdef0";

  private final MockApiServer api = MockApiServer.start();
  private final KubernetesClient client = api.client();
  private final OperatorMetrics metrics = OperatorMetrics.prometheus();
  private final FakeQueue queue = new FakeQueue();

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void aHandledWarningIsDeletedFromTheQueue() {
    SpotMachines.create(client, "p-a", OURS);
    queue.send(Messages.spotInterruption(OURS));

    assertThat(reader(client).readOnce()).isEqualTo(1);

    assertThat(queue.deleted).containsExactly("m1");
    assertThat(machine("p-a").isDeleting()).isTrue();
  }

  @Test
  void messagesThatAreNoNoticeOrNotOursAreDeletedToo() {
    SpotMachines.create(client, "p-b", OURS);
    queue.send("not json at all");
    queue.send(Messages.stateChange(OURS, "running"));
    queue.send(Messages.spotInterruption("i-0fffffffffffffff0"));

    reader(client).readOnce();

    assertThat(queue.deleted).containsExactly("m1", "m2", "m3");
    assertThat(machine("p-b").isDeleting()).isFalse();
    assertThat(metrics.scrape())
        .contains(
            "nestedvirt_interruption_notices_total{kind=\"Unreadable\",outcome=\"DELETED\"} 1.0")
        .contains(
            "nestedvirt_interruption_notices_total{kind=\"SpotInterruption\",outcome=\"NOT_OURS\"}"
                + " 1.0");
  }

  @Test
  void aWarningWhoseMachineCannotBeWrittenStaysInTheQueueForAnotherTry() {
    SpotMachines.create(client, "p-c", OURS);
    queue.send(Messages.spotInterruption(OURS));
    KubernetesClient unreachable =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();

    reader(unreachable).readOnce();

    assertThat(queue.deleted).isEmpty();
    assertThat(machine("p-c").isDeleting()).isFalse();
  }

  @Test
  void aQueueThatCannotBeReadIsRetriedOnItsThreadAndCounted() throws Exception {
    queue.failures.set(2);
    try (InterruptionQueueReader reader = reader(client)) {
      reader.start();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> queue.receives.get() >= 3);
    }
    assertThat(metrics.scrape()).contains("nestedvirt_interruption_queue_errors_total 2.0");
  }

  private InterruptionQueueReader reader(KubernetesClient writer) {
    return new InterruptionQueueReader(
        queue,
        "test-queue",
        new Interruptions(writer, TestMachineCaches.reading(client), metrics),
        metrics,
        Duration.ofMillis(10));
  }

  private NestedVirtInstance machine(String name) {
    return client.resources(NestedVirtInstance.class).withName(name).get();
  }

  /** A queue in memory: what was sent is received once (no long poll), deletions are recorded. */
  private static final class FakeQueue implements NoticeQueue {
    final List<Message> waiting = new ArrayList<>();
    final List<String> deleted = new ArrayList<>();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger receives = new AtomicInteger();

    void send(String body) {
      String id = "m" + (waiting.size() + deleted.size() + 1);
      waiting.add(new Message(id, "receipt-" + id, body));
    }

    @Override
    public synchronized List<Message> receive() {
      receives.incrementAndGet();
      if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new CloudException("AWS.SimpleQueueService.NonExistentQueue", "no such queue", null);
      }
      List<Message> batch = List.copyOf(waiting);
      waiting.clear();
      return batch;
    }

    @Override
    public synchronized void delete(Collection<Message> messages) {
      messages.forEach(m -> deleted.add(m.id()));
    }

    @Override
    public void close() {}
  }
}
