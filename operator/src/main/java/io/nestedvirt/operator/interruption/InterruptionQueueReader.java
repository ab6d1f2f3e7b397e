package io.nestedvirt.operator.interruption;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.InterruptionNotice;
import io.nestedvirt.operator.cloud.CloudException;
import io.nestedvirt.operator.cloud.NoticeQueue;
import io.nestedvirt.operator.metrics.OperatorMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the interruption queue on a thread of its own, one long poll after another, and deletes
 * each message once its notices are handled (see {@link Interruptions}). A message whose machine
 * could not be written is kept: SQS delivers it again after its visibility timeout. A message that
 * is not a notice, or names an instance that is not the cluster's, is deleted and logged: it would
 * never become one.
 */
public final class InterruptionQueueReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InterruptionQueueReader.class);

  private final NoticeQueue queue;
  private final String name;
  private final Interruptions interruptions;
  private final OperatorMetrics metrics;
  private final Duration retry;
  private volatile boolean closed;
  private Thread thread;

  /**
   * @param retry how long to wait after the queue could not be read before trying again
   */
  public InterruptionQueueReader(
      NoticeQueue queue,
      String name,
      Interruptions interruptions,
      OperatorMetrics metrics,
      Duration retry) {
    this.queue = queue;
    this.name = name;
    this.interruptions = interruptions;
    this.metrics = metrics;
    this.retry = retry;
  }

  public synchronized void start() {
    if (thread == null && !closed) {
      log.info("interruption queue {}: reading EC2's warnings", name);
      thread = Thread.ofPlatform().daemon().name("interruption-queue").start(this::run);
    }
  }

  private void run() {
    boolean failing = false;
    while (!closed) {
      try {
        readOnce();
        if (failing) {
          log.info("interruption queue {}: readable again", name);
          failing = false;
        }
      } catch (CloudException e) {
        if (closed) {
          return;
        }
        if (!failing) {
          // Once per outage, not once per retry: the cause is in the first line.
          log.error(
              "interruption queue {} cannot be read, retrying every {}: {}",
              name,
              Durations.format(retry),
              e.getMessage());
          failing = true;
        }
        metrics.interruptionQueueFailed();
        sleep(retry);
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        log.error("interruption queue {}: unexpected failure; retrying", name, e);
        sleep(retry);
      }
    }
  }

  /** One long poll, and the deletion of what it handled. Returns how many messages came. */
  int readOnce() {
    List<NoticeQueue.Message> messages = queue.receive();
    List<NoticeQueue.Message> handled = new ArrayList<>();
    for (NoticeQueue.Message message : messages) {
      if (handle(message)) {
        handled.add(message);
      }
    }
    if (!handled.isEmpty()) {
      queue.delete(handled);
    }
    return messages.size();
  }

  /** Whether the message is done with (to be deleted). */
  private boolean handle(NoticeQueue.Message message) {
    NoticeParser.Parsed parsed;
    try {
      parsed = NoticeParser.parse(message.body());
    } catch (IllegalArgumentException e) {
      log.warn(
          "interruption queue {}: message {} is not a notice the operator reads ({}); deleted",
          name,
          message.id(),
          e.getMessage());
      metrics.interruptionNotice("Unreadable", "DELETED");
      return true;
    }
    if (parsed.notices().isEmpty()) {
      log.debug(
          "interruption queue {}: ignored message {}: {}", name, message.id(), parsed.ignored());
      return true;
    }
    for (InterruptionNotice notice : parsed.notices()) {
      Interruptions.Outcome outcome;
      try {
        outcome = interruptions.handle(notice);
      } catch (KubernetesClientException e) {
        log.warn(
            "interruption queue {}: {} for {} not handled ({}); the message comes back",
            name,
            notice.kind(),
            notice.instanceId(),
            e.getMessage());
        return false;
      }
      switch (outcome) {
        case NOTED ->
            log.info(
                "interruption queue {}: {} for {}: {}",
                name,
                notice.kind(),
                notice.instanceId(),
                notice.detail());
        case ALREADY_NOTED ->
            log.debug(
                "interruption queue {}: {} for {} already handled",
                name,
                notice.kind(),
                notice.instanceId());
        case NOT_OURS ->
            log.info(
                "interruption queue {}: {} for {}, which is no machine of this cluster; deleted",
                name,
                notice.kind(),
                notice.instanceId());
      }
    }
    return true;
  }

  private void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    Thread running;
    synchronized (this) {
      closed = true;
      running = thread;
    }
    if (running != null) {
      running.interrupt();
    }
    // Closing the client ends a long poll under way.
    queue.close();
  }
}
