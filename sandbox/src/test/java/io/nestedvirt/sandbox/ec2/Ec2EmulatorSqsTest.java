package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.ReceiptHandleIsInvalidException;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageResponse;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * The emulator's SQS through the real SDK SqsClient (AWS JSON 1.0 on the EC2 port): the calls an
 * interruption reader makes, the SDK's MD5 check, long polls, visibility timeouts and errors.
 */
class Ec2EmulatorSqsTest {
  private static final String QUEUE = Ec2Emulator.INTERRUPTION_QUEUE;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T03:00:00Z"));
  private Ec2Emulator emulator;
  private SqsClient sqs;
  private String url;

  @BeforeEach
  void start() {
    emulator = Ec2Emulator.builder().clock(clock).tickInterval(Duration.ZERO).start();
    sqs = SdkClients.sqs(emulator);
    url = sqs.getQueueUrl(r -> r.queueName(QUEUE)).queueUrl();
  }

  @AfterEach
  void stop() {
    sqs.close();
    emulator.close();
  }

  @Test
  void theInterruptionQueueExistsFromTheStartAtAnSqsShapedUrl() {
    assertThat(url)
        .isEqualTo(emulator.endpoint() + "/123456789012/nestedvirt-sandbox-interruptions")
        .isEqualTo(emulator.queueUrl(QUEUE));
    assertThat(emulator.calls("GetQueueUrl")).isEqualTo(1);
  }

  @Test
  void aSentMessageIsReceivedWithItsMd5AndGoneOnceDeleted() {
    // Non-ASCII: MD5OfBody is over the UTF-8 bytes, and the SDK rejects a mismatch.
    String body = "{\"détail\":\"✓ interruption\"}";
    SendMessageResponse sent = sqs.sendMessage(r -> r.queueUrl(url).messageBody(body));

    ReceiveMessageResponse received =
        sqs.receiveMessage(
            r ->
                r.queueUrl(url)
                    .maxNumberOfMessages(10)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL));

    assertThat(received.messages()).hasSize(1);
    Message message = received.messages().getFirst();
    assertThat(message.messageId()).isEqualTo(sent.messageId());
    assertThat(message.body()).isEqualTo(body);
    assertThat(message.md5OfBody())
        .isEqualTo(sent.md5OfMessageBody())
        .isEqualTo(SqsQueue.md5Hex(body));
    assertThat(message.attributes())
        .containsEntry(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1")
        .containsEntry(
            MessageSystemAttributeName.SENT_TIMESTAMP,
            String.valueOf(clock.instant().toEpochMilli()));

    sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(message.receiptHandle()));

    assertThat(emulator.queuedMessages(QUEUE)).isEmpty();
    clock.advance(Duration.ofMinutes(5));
    emulator.tick();
    assertThat(sqs.receiveMessage(r -> r.queueUrl(url)).messages())
        .as("a deleted message never comes back")
        .isEmpty();
  }

  @Test
  void aLongPollReturnsTheMessageThatArrivesWhileItWaits() throws Exception {
    CompletableFuture<ReceiveMessageResponse> poll =
        CompletableFuture.supplyAsync(
            () ->
                sqs.receiveMessage(
                    r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(20)));
    SqsQueue queue = emulator.queue(QUEUE);
    await("the poll waits on the empty queue")
        .atMost(Duration.ofSeconds(10))
        .until(() -> queue.waitingReceives() == 1);

    sqs.sendMessage(r -> r.queueUrl(url).messageBody("arrived"));

    ReceiveMessageResponse received = poll.get();
    assertThat(received.messages()).extracting(Message::body).containsExactly("arrived");
    assertThat(emulator.calls("ReceiveMessage")).as("one poll, no retry").isEqualTo(1);
  }

  @Test
  void aShortPollOfAnEmptyQueueAnswersAtOnceWithNoMessages() {
    assertThat(sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(0)).messages()).isEmpty();
    assertThat(emulator.queue(QUEUE).waitingReceives()).isZero();
  }

  @Test
  void aReceivedMessageNotDeletedComesBackAfterItsVisibilityTimeout() {
    sqs.sendMessage(r -> r.queueUrl(url).messageBody("redeliver me"));
    Message first = sqs.receiveMessage(r -> r.queueUrl(url)).messages().getFirst();

    clock.advance(Duration.ofSeconds(29));
    emulator.tick();
    assertThat(sqs.receiveMessage(r -> r.queueUrl(url)).messages())
        .as("hidden for the default 30 s")
        .isEmpty();

    clock.advance(Duration.ofSeconds(2));
    emulator.tick();
    Message again =
        sqs.receiveMessage(
                r ->
                    r.queueUrl(url)
                        .messageSystemAttributeNames(
                            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
            .messages()
            .getFirst();
    assertThat(again.messageId()).isEqualTo(first.messageId());
    assertThat(again.receiptHandle()).isNotEqualTo(first.receiptHandle());
    assertThat(again.attributes())
        .containsEntry(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "2");

    // A visibility timeout of the receive's own replaces the queue's.
    clock.advance(Duration.ofSeconds(31));
    emulator.tick();
    sqs.receiveMessage(r -> r.queueUrl(url).visibilityTimeout(5));
    clock.advance(Duration.ofSeconds(6));
    emulator.tick();
    assertThat(sqs.receiveMessage(r -> r.queueUrl(url)).messages()).hasSize(1);
  }

  @Test
  void aLongPollWakesWhenAHiddenMessageBecomesVisibleAgain() throws Exception {
    sqs.sendMessage(r -> r.queueUrl(url).messageBody("comes back"));
    sqs.receiveMessage(r -> r.queueUrl(url));
    CompletableFuture<ReceiveMessageResponse> poll =
        CompletableFuture.supplyAsync(
            () -> sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(20)));
    SqsQueue queue = emulator.queue(QUEUE);
    await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingReceives() == 1);

    clock.advance(Duration.ofSeconds(30));
    emulator.tick();

    assertThat(poll.get().messages()).extracting(Message::body).containsExactly("comes back");
  }

  @Test
  void aBatchDeleteDeletesTheValidHandlesAndReportsTheOthers() {
    sqs.sendMessage(r -> r.queueUrl(url).messageBody("one"));
    sqs.sendMessage(r -> r.queueUrl(url).messageBody("two"));
    List<Message> messages =
        sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)).messages();
    assertThat(messages).extracting(Message::body).containsExactly("one", "two");

    DeleteMessageBatchResponse deleted =
        sqs.deleteMessageBatch(
            r ->
                r.queueUrl(url)
                    .entries(
                        e -> e.id("a").receiptHandle(messages.get(0).receiptHandle()),
                        e -> e.id("b").receiptHandle("not-a-handle")));

    assertThat(deleted.successful()).extracting(s -> s.id()).containsExactly("a");
    assertThat(deleted.failed()).hasSize(1);
    assertThat(deleted.failed().getFirst().id()).isEqualTo("b");
    assertThat(deleted.failed().getFirst().code()).isEqualTo("ReceiptHandleIsInvalid");
    assertThat(deleted.failed().getFirst().senderFault()).isTrue();
    assertThat(emulator.queuedMessages(QUEUE)).containsExactly("two");
  }

  @Test
  void anUnknownQueueIsQueueDoesNotExistWithSqsLegacyErrorCode() {
    QueueDoesNotExistException byName =
        catchThrowableOfType(
            QueueDoesNotExistException.class,
            () -> sqs.getQueueUrl(r -> r.queueName("no-such-queue")));
    assertThat(byName.statusCode()).isEqualTo(400);
    assertThat(byName.awsErrorDetails().errorCode())
        .isEqualTo("AWS.SimpleQueueService.NonExistentQueue");
    assertThat(byName.awsErrorDetails().errorMessage())
        .isEqualTo("The specified queue does not exist.");

    String otherUrl = emulator.endpoint() + "/123456789012/no-such-queue";
    assertThat(
            catchThrowableOfType(
                QueueDoesNotExistException.class,
                () -> sqs.receiveMessage(r -> r.queueUrl(otherUrl))))
        .isNotNull();
  }

  @Test
  void anUnknownReceiptHandleIsReceiptHandleIsInvalid() {
    assertThat(
            catchThrowableOfType(
                ReceiptHandleIsInvalidException.class,
                () -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle("bogus"))))
        .isNotNull();
  }

  @Test
  void injectedThrottlingIsRequestThrottledWhichTheSdkCountsAsThrottling() {
    emulator.throttle("ReceiveMessage", 1);

    SqsException throttled =
        catchThrowableOfType(SqsException.class, () -> sqs.receiveMessage(r -> r.queueUrl(url)));

    assertThat(throttled.awsErrorDetails().errorCode()).isEqualTo("RequestThrottled");
    assertThat(throttled.isThrottlingException()).isTrue();
    assertThat(sqs.receiveMessage(r -> r.queueUrl(url)).messages()).isEmpty();
    assertThat(emulator.calls("ReceiveMessage")).isEqualTo(2);
  }
}
