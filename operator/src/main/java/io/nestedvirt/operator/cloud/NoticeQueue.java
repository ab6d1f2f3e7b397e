package io.nestedvirt.operator.cloud;

import java.util.Collection;
import java.util.List;

/**
 * A queue of the provider's notices about instances (AWS: an SQS queue that EventBridge rules feed
 * with EC2's warnings). A message that is received but not deleted comes back after a while, so a
 * notice is deleted only once it was acted on.
 */
public interface NoticeQueue extends AutoCloseable {

  /** One message as received: its body, and the handle that deletes it. */
  record Message(String id, String receiptHandle, String body) {}

  /**
   * Waits up to the provider's long-poll time for messages; empty when none came.
   *
   * @throws CloudException when the queue cannot be read (missing, access denied, unreachable)
   */
  List<Message> receive();

  /** Deletes the messages; ones already gone are ignored. */
  void delete(Collection<Message> messages);

  @Override
  void close();
}
