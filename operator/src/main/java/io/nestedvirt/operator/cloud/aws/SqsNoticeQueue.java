package io.nestedvirt.operator.cloud.aws;

import io.nestedvirt.operator.cloud.NoticeQueue;
import io.nestedvirt.operator.cloud.aws.Ec2Errors.Context;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;

/**
 * An SQS queue of EventBridge's EC2 notices, long-polled: one ReceiveMessage waits up to {@link
 * #WAIT_SECONDS} for up to {@link #BATCH} messages, so an idle queue costs three calls a minute and
 * a warning is seen within moments of its arrival.
 */
final class SqsNoticeQueue implements NoticeQueue {
  /** SQS's longest long poll. */
  static final int WAIT_SECONDS = 20;

  /** SQS's largest batch, for ReceiveMessage and DeleteMessageBatch alike. */
  static final int BATCH = 10;

  private final SqsClient sqs;
  private final String name;
  private volatile String url;

  SqsNoticeQueue(SqsClient sqs, String name) {
    this.sqs = sqs;
    this.name = name;
  }

  @Override
  public List<Message> receive() {
    String queue = url();
    return call(
        "ReceiveMessage",
        () ->
            sqs
                .receiveMessage(
                    ReceiveMessageRequest.builder()
                        .queueUrl(queue)
                        .maxNumberOfMessages(BATCH)
                        .waitTimeSeconds(WAIT_SECONDS)
                        .build())
                .messages()
                .stream()
                .map(m -> new Message(m.messageId(), m.receiptHandle(), m.body()))
                .toList());
  }

  @Override
  public void delete(Collection<Message> messages) {
    List<Message> all = new ArrayList<>(messages);
    String queue = url();
    for (int from = 0; from < all.size(); from += BATCH) {
      List<Message> batch = all.subList(from, Math.min(all.size(), from + BATCH));
      List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        entries.add(
            DeleteMessageBatchRequestEntry.builder()
                .id(Integer.toString(i))
                .receiptHandle(batch.get(i).receiptHandle())
                .build());
      }
      // A failed entry (its receipt handle expired: the message came back and will be received
      // again) needs nothing: handling a notice twice changes nothing.
      call(
          "DeleteMessageBatch",
          () -> sqs.deleteMessageBatch(b -> b.queueUrl(queue).entries(entries)));
    }
  }

  /** The queue's URL, looked up once (GetQueueUrl) and kept. */
  private String url() {
    String known = url;
    if (known == null) {
      known = call("GetQueueUrl", () -> sqs.getQueueUrl(b -> b.queueName(name)).queueUrl());
      url = known;
    }
    return known;
  }

  private <T> T call(String operation, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw Ec2Errors.translate(e, Context.resource(operation, name));
    }
  }

  @Override
  public void close() {
    sqs.close();
  }
}
