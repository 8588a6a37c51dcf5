package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.drain;
import static io.hermod.broker.BrokerFixture.eventually;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Got;
import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code x-message-ttl}, one TTL for every message of a queue: a message older than it is never delivered, and leaves
 * the queue with or without consumers (the broker's timer). Age counts from the append, survives a requeue and a
 * restart. Time is the broker's clock, moved by the test.
 */
@Timeout(30)
class MessageTtlTest {

    private static final long TTL = 60_000;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private Broker broker;
    private Channel ch;

    @BeforeEach
    void open() {
        start();
    }

    private void start() {
        broker = BrokerFixture.openWithClock(dir, now);
        ch = broker.connect(Broker.DEFAULT_VHOST, "test").openChannel();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private void declare(String queue, long ttl) {
        ch.declareQueue(new QueueSpec(queue, true, false, false, Map.of("x-message-ttl", ttl)));
    }

    /** Moves the clock and runs the broker's timer check. */
    private void tick(long millis) {
        now.addAndGet(millis);
        broker.expire();
    }

    private void awaitReady(String queue, long count) {
        eventually()
                .until(() -> broker.vhost(Broker.DEFAULT_VHOST)
                                .orElseThrow()
                                .queueInfo(queue)
                                .orElseThrow()
                                .messageCount()
                        == count);
    }

    @Test
    void expiredMessagesLeaveAQueueWithoutConsumersAndTheYoungerStay() {
        declare("q", TTL);
        publish(ch, "", "q", "old1");
        publish(ch, "", "q", "old2");
        now.addAndGet(30_000);
        publish(ch, "", "q", "young");

        tick(TTL - 30_000 - 1);
        awaitReady("q", 3);
        tick(1); // expired once its age reaches the TTL, as RabbitMQ's Now >= Expiry
        awaitReady("q", 1);
        assertThat(drain(ch, "q")).containsExactly("young");
    }

    @Test
    void anExpiredMessageIsNotDeliveredToALateConsumerNorByAGet() {
        declare("q", TTL);
        publish(ch, "", "q", "stale");
        now.addAndGet(TTL + 1); // no timer check: the delivery path drops it itself

        assertThat(ch.get("q", true)).isEmpty();
        publish(ch, "", "q", "fresh");
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(10), received);
        assertThat(received.awaitCount(1).get(0).body()).isEqualTo("fresh");
    }

    @Test
    void aDeclareCountsOnlyTheLiveMessages() {
        declare("q", TTL);
        publish(ch, "", "q", "m");
        now.addAndGet(TTL + 1);
        assertThat(ch.declareQueuePassive("q").messageCount()).isZero();
    }

    @Test
    void aRequeuedMessageKeepsItsAge() {
        declare("q", TTL);
        publish(ch, "", "q", "m");
        Channel consumer = broker.connect(Broker.DEFAULT_VHOST, "consumer").openChannel();
        Received received = new Received();
        consumer.consume("q", ConsumeOptions.manualAck(1), received);
        received.awaitCount(1);
        now.addAndGet(50_000);
        consumer.close(); // requeued 50 s after it was published
        awaitReady("q", 1);

        tick(10_001);
        awaitReady("q", 0);
    }

    @Test
    void theAgeSurvivesARestart() {
        declare("q", TTL);
        publish(ch, "", "q", "m");
        broker.close();
        now.addAndGet(TTL + 1);
        start();
        assertThat(ch.get("q", true)).isEmpty();
    }

    @Test
    void aTtlOfZeroDeliversToAReadyConsumerAndDropsTheRest() {
        declare("q", 0);
        Received received = new Received();
        String tag = ch.consume("q", ConsumeOptions.manualAck(10), received);
        publish(ch, "", "q", "taken at once");
        assertThat(received.awaitCount(1).get(0).body()).isEqualTo("taken at once");
        ch.cancel(tag);
        publish(ch, "", "q", "nobody there");

        tick(1);
        awaitReady("q", 0);
        assertThat(ch.get("q", true)).isEmpty();
    }

    @Test
    void aMessageWithATtlOfZeroRejectedWithRequeueNeverComesBack() {
        // the RabbitMQ Java client's PerQueueTTL zeroTTLDelivery: the requeued message keeps its expiry, long past
        declare("q", 0);
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(10), received);
        publish(ch, "", "q", "m");
        Got got = received.awaitCount(1).get(0);

        ch.reject(got.deliveryTag(), true); // within the same millisecond: the clock does not move

        assertThat(ch.declareQueuePassive("q").messageCount()).isZero();
        assertThat(received.deliveries).hasSize(1);
    }

    @Test
    void aMessageWithItsOwnTtlOfZeroRejectedWithRequeueNeverComesBack() {
        // PerMessageTTL zeroTTLDelivery
        ch.declareQueue(QueueSpec.durable("q"));
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(10), received);
        publishWithTtl("q", "m", 0);
        Got got = received.awaitCount(1).get(0);

        ch.reject(got.deliveryTag(), true);

        assertThat(ch.declareQueuePassive("q").messageCount()).isZero();
        assertThat(received.deliveries).hasSize(1);
    }

    @Test
    void aQueueWithoutTheArgumentKeepsItsMessages() {
        ch.declareQueue(QueueSpec.durable("plain"));
        publish(ch, "", "plain", "m");
        tick(Duration.ofDays(10).toMillis());
        awaitReady("plain", 1);
    }

    // ------------------------------------------------------------------ a message's own TTL (AMQP expiration)

    private void publishWithTtl(String queue, String body, long ttl) {
        ch.publish(new Message(
                        "", queue, Map.of(), true, null, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), ttl))
                .join();
    }

    @Test
    void aMessageWithItsOwnTtlLeavesTheHeadOfAQueueWithoutOne() {
        ch.declareQueue(QueueSpec.durable("q"));
        publishWithTtl("q", "brief", 10_000);
        publish(ch, "", "q", "lasting");

        tick(9_999);
        awaitReady("q", 2);
        tick(1);
        awaitReady("q", 1);
        assertThat(drain(ch, "q")).containsExactly("lasting");
    }

    @Test
    void theShorterOfTheQueuesTtlAndTheMessagesOwnWins() {
        declare("q", TTL);
        publishWithTtl("q", "own is longer", 2 * TTL);
        publishWithTtl("q", "own is shorter", 5_000);

        now.addAndGet(5_001);
        assertThat(drain(ch, "q"))
                .as("the shorter one expired; the longer one lives by the queue's TTL")
                .containsExactly("own is longer");
        publishWithTtl("q", "own is longer again", 2 * TTL);
        tick(TTL + 1);
        awaitReady("q", 0);
    }

    @Test
    void anExpiredMessageLeavesTheQueueEvenBehindLiveOnesUnlikeRabbitMq() {
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "first");
        publishWithTtl("q", "brief", 1_000);
        publishWithTtl("q", "long", 100_000);
        publish(ch, "", "q", "last");

        tick(999);
        awaitReady("q", 4);
        tick(1);
        awaitReady("q", 3); // RabbitMQ would keep counting it until it reached the head
        assertThat(drain(ch, "q")).containsExactly("first", "long", "last");
    }

    @Test
    void aRequeuedMessageWithItsOwnTtlStillLeavesOnTime() {
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "first");
        publishWithTtl("q", "brief", 10_000);
        Channel consumer = broker.connect(Broker.DEFAULT_VHOST, "consumer").openChannel();
        Received received = new Received();
        consumer.consume("q", ConsumeOptions.manualAck(2), received);
        received.awaitCount(2);
        consumer.close(); // both back, ahead of newer ones
        awaitReady("q", 2);

        tick(10_001);
        awaitReady("q", 1);
        assertThat(drain(ch, "q")).containsExactly("first");
    }

    @Test
    void afterARestartAnExpiredMessageBehindALiveOneStillLeavesOnTime() {
        ch.declareQueue(QueueSpec.durable("q"));
        publish(ch, "", "q", "first");
        publishWithTtl("q", "brief", 1_000);
        publish(ch, "", "q", "between");
        publishWithTtl("q", "long", 100_000);
        broker.close();
        start(); // the index is rebuilt from the log, from where the cursor log says such messages began

        tick(1_001);
        awaitReady("q", 3);
        assertThat(drain(ch, "q")).containsExactly("first", "between", "long");
    }

    @Test
    void aMessagesOwnTtlSurvivesARestart() {
        ch.declareQueue(QueueSpec.durable("q"));
        publishWithTtl("q", "brief", 1_000);
        broker.close();
        now.addAndGet(1_001);
        start();
        assertThat(ch.get("q", true)).isEmpty();
    }
}
