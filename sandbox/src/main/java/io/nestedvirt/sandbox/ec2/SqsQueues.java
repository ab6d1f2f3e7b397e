package io.nestedvirt.sandbox.ec2;

import java.net.URI;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The account's SQS queues by name, each at {@code <endpoint>/<account>/<name>}, the URL shape of
 * SQS (the host of the emulator's one endpoint instead of {@code sqs.<region>.amazonaws.com}).
 */
final class SqsQueues {
  private final Map<String, SqsQueue> byName = new ConcurrentHashMap<>();
  private final URI endpoint;
  private final InstantSource clock;

  SqsQueues(URI endpoint, InstantSource clock) {
    this.endpoint = endpoint;
    this.clock = clock;
  }

  /** The queue of this name, created if it does not exist yet (as CreateQueue is idempotent). */
  SqsQueue create(String name) {
    return byName.computeIfAbsent(
        name, n -> new SqsQueue(n, endpoint + "/" + Ec2State.ACCOUNT_ID + "/" + n, clock));
  }

  SqsQueue byName(String name) {
    SqsQueue queue = byName.get(name);
    if (queue == null) {
      throw SqsError.queueDoesNotExist();
    }
    return queue;
  }

  /**
   * The queue a QueueUrl names: by its path {@code /<account>/<name>}, whatever host the client
   * wrote (SQS too answers a URL of another endpoint form).
   */
  SqsQueue byUrl(String url) {
    if (url == null || url.isEmpty()) {
      throw SqsError.missingParameter("QueueUrl");
    }
    String path;
    try {
      path = URI.create(url).getPath();
    } catch (IllegalArgumentException e) {
      throw SqsError.queueDoesNotExist();
    }
    String prefix = "/" + Ec2State.ACCOUNT_ID + "/";
    if (path == null || !path.startsWith(prefix)) {
      throw SqsError.queueDoesNotExist();
    }
    return byName(path.substring(prefix.length()));
  }

  void wakeAll() {
    byName.values().forEach(SqsQueue::wake);
  }

  void closeAll() {
    byName.values().forEach(SqsQueue::close);
  }
}
