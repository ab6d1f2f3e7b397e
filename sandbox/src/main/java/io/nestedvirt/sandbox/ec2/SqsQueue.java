package io.nestedvirt.sandbox.ec2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One standard SQS queue in memory: messages in send order; a received message is hidden for its
 * visibility timeout (on the emulator's clock) and comes back unless deleted, as SQS redelivers it.
 * A long poll waits (in real time, as SQS does) until a message is visible or the wait ends.
 */
final class SqsQueue {
  /** The queue's default VisibilityTimeout, as SQS creates queues. */
  static final Duration DEFAULT_VISIBILITY = Duration.ofSeconds(30);

  /** A message as SendMessage answers it. */
  record Sent(String messageId, String md5OfBody) {}

  /** A message as one ReceiveMessage hands it out, with this receive's handle. */
  record Received(
      String messageId,
      String receiptHandle,
      String body,
      String md5OfBody,
      Instant sentAt,
      int receiveCount,
      Instant firstReceivedAt) {}

  private static final class Stored {
    final String id;
    final String body;
    final String md5;
    final Instant sentAt;
    Instant visibleFrom;
    int receiveCount;
    Instant firstReceivedAt;

    Stored(String id, String body, Instant sentAt, Instant visibleFrom) {
      this.id = id;
      this.body = body;
      this.md5 = md5Hex(body);
      this.sentAt = sentAt;
      this.visibleFrom = visibleFrom;
    }
  }

  private final String name;
  private final String url;
  private final InstantSource clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final LinkedHashMap<String, Stored> messages = new LinkedHashMap<>();
  // Every handle ever given out: an older handle of a message received again still deletes it.
  private final Map<String, String> messageByHandle = new HashMap<>();
  private boolean closed;
  private int waiting;

  SqsQueue(String name, String url, InstantSource clock) {
    this.name = name;
    this.url = url;
    this.clock = clock;
  }

  String name() {
    return name;
  }

  String url() {
    return url;
  }

  Sent send(String body, Duration delay) {
    lock.lock();
    try {
      Instant now = clock.instant();
      Stored message = new Stored(UUID.randomUUID().toString(), body, now, now.plus(delay));
      messages.put(message.id, message);
      changed.signalAll();
      return new Sent(message.id, message.md5);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Up to {@code max} visible messages, oldest first, each hidden for {@code visibility} from now
   * on; with a {@code wait}, blocks until at least one is visible or the wait has passed.
   */
  List<Received> receive(int max, Duration visibility, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    lock.lock();
    try {
      while (true) {
        List<Received> received = takeVisible(max, visibility);
        long left = deadline - System.nanoTime();
        if (!received.isEmpty() || closed || left <= 0) {
          return received;
        }
        // Wake for a send, a tick, or when the next hidden message reappears by this clock.
        waiting++;
        try {
          changed.awaitNanos(Math.min(left, nanosUntilNextVisible()));
        } finally {
          waiting--;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private List<Received> takeVisible(int max, Duration visibility) {
    Instant now = clock.instant();
    List<Received> received = new ArrayList<>();
    for (Stored message : messages.values()) {
      if (received.size() == max) {
        break;
      }
      if (message.visibleFrom.isAfter(now)) {
        continue;
      }
      message.visibleFrom = now.plus(visibility);
      message.receiveCount++;
      if (message.firstReceivedAt == null) {
        message.firstReceivedAt = now;
      }
      String handle = receiptHandle(message.id);
      messageByHandle.put(handle, message.id);
      received.add(
          new Received(
              message.id,
              handle,
              message.body,
              message.md5,
              message.sentAt,
              message.receiveCount,
              message.firstReceivedAt));
    }
    return received;
  }

  private long nanosUntilNextVisible() {
    Instant now = clock.instant();
    return messages.values().stream()
        .map(m -> Duration.between(now, m.visibleFrom))
        .filter(Duration::isPositive)
        .min(Duration::compareTo)
        .map(d -> Math.max(d.toNanos(), TimeUnit.MILLISECONDS.toNanos(1)))
        .orElse(Long.MAX_VALUE);
  }

  /**
   * Deletes the message a handle was given out for; false for a handle this queue never gave out. A
   * message already deleted deletes again without complaint, as on SQS.
   */
  boolean delete(String receiptHandle) {
    lock.lock();
    try {
      String id = messageByHandle.get(receiptHandle);
      if (id == null) {
        return false;
      }
      messages.remove(id);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The bodies of every message not deleted, in send order, without receiving them. */
  List<String> bodies() {
    lock.lock();
    try {
      return messages.values().stream().map(m -> m.body).toList();
    } finally {
      lock.unlock();
    }
  }

  /** How many long polls wait on this queue right now. */
  int waitingReceives() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }

  /** Makes long polls look again, for a clock that moved without telling anyone. */
  void wake() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends every long poll (with what is visible) and every later one at once. */
  void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static String receiptHandle(String messageId) {
    String raw = messageId + ":" + UUID.randomUUID();
    return Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** What SQS puts in MD5OfBody (and the SDK checks): the hex MD5 of the UTF-8 body. */
  static String md5Hex(String body) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      return HexFormat.of().formatHex(md5.digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }
}
