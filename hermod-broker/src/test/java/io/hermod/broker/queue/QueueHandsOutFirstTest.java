package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue hands each message to a waiting consumer with credit as it arrives, before anything else looks at it, as
 * RabbitMQ's queue process does (deliver_or_enqueue): a get or a purge that follows a publish finds only what no
 * consumer could take, and a TTL, even 0, cannot take a message from a consumer that was waiting for it. What stands
 * in the queue expires as RabbitMQ decides it ({@code Now >= Expiry}): a TTL of 0 at once, a requeued message by its
 * original expiry. The publish and the command reach the queue's executor before it runs, as they do when a client
 * pipelines them.
 */
@Timeout(30)
class QueueHandsOutFirstTest {

    private static final Map<String, Object> TTL_ZERO = Map.of("x-message-ttl", 0, "x-dead-letter-exchange", "dlx");
    private static final Map<String, Object> DEAD_LETTERED = Map.of("x-dead-letter-exchange", "dlx");

    @TempDir
    Path dir;

    @Test
    void aGetAfterAPublishFindsNothingWhenAConsumerWithCreditTookTheMessage() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.consume(10);

            h.publish("m");
            var got = h.await(h.queue.get(false));

            assertThat(got).isEmpty();
            assertThat(h.delivered).containsExactly("m");
        }
    }

    @Test
    void aPurgeCountsOnlyWhatConsumersCouldNotTake() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.consume(1);

            h.publish("a");
            h.publish("b");
            h.publish("c");
            long purged = h.await(h.queue.purge());

            assertThat(purged).isEqualTo(2);
            assertThat(h.delivered).containsExactly("a");
        }
    }

    @Test
    void aMessageWithATtlOfZeroReachesAWaitingConsumerThoughTimePassesBeforeItIsHandedOut() {
        try (QueueHarness h = new QueueHarness(dir, TTL_ZERO)) {
            h.consume(0);
            h.clockMovesOnEveryRead = true;

            for (int i = 0; i < 200; i++) {
                h.publish("m" + i);
            }
            h.runAll();

            assertThat(h.delivered).hasSize(200);
            assertThat(h.deadLettered).isEmpty();
        }
    }

    @Test
    void aMessageWithItsOwnTtlOfZeroReachesAWaitingConsumerThoughTimePassesBeforeItIsHandedOut() {
        try (QueueHarness h = new QueueHarness(dir, DEAD_LETTERED)) {
            h.consume(0);
            h.clockMovesOnEveryRead = true;

            for (int i = 0; i < 200; i++) {
                h.publish("m" + i, 0);
            }
            h.runAll();

            assertThat(h.delivered).hasSize(200);
            assertThat(h.deadLettered).isEmpty();
        }
    }

    @Test
    void aMessageWithATtlOfZeroThatNoConsumerCanTakeIsDeadLetteredAtOnce() {
        try (QueueHarness h = new QueueHarness(dir, TTL_ZERO)) {
            h.consume(1);
            h.publish("taken");
            h.publish("left");
            h.runAll();

            assertThat(h.delivered).containsExactly("taken");
            assertThat(h.deadLettered).as("the clock has not moved").containsExactly("left EXPIRED");
            assertThat(h.queue.messageCount()).isZero();
        }
    }

    @Test
    void aRequeuedMessageWithATtlOfZeroIsDeadLetteredNotRedelivered() {
        try (QueueHarness h = new QueueHarness(dir, TTL_ZERO)) {
            h.consume(1);
            h.publish("m");
            h.runAll();

            h.queue.settle(new long[] {h.deliveredOffsets.get(0)}, Queue.Outcome.REQUEUE);
            h.runAll();

            assertThat(h.delivered).as("in the same millisecond").containsExactly("m");
            assertThat(h.deadLettered).containsExactly("m EXPIRED");
        }
    }

    @Test
    void aRequeuedMessageWithItsOwnTtlOfZeroIsDeadLetteredNotRedelivered() {
        try (QueueHarness h = new QueueHarness(dir, DEAD_LETTERED)) {
            h.consume(1);
            h.publish("m", 0);
            h.runAll();

            h.queue.settle(new long[] {h.deliveredOffsets.get(0)}, Queue.Outcome.REQUEUE);
            h.runAll();

            assertThat(h.delivered).containsExactly("m");
            assertThat(h.deadLettered).containsExactly("m EXPIRED");
        }
    }

    @Test
    void aMessageRequeuedPastItsExpiryWithNoConsumerLeftIsDeadLetteredAtOnce() {
        try (QueueHarness h = new QueueHarness(dir, Map.of("x-message-ttl", 100, "x-dead-letter-exchange", "dlx"))) {
            QueueConsumer consumer = h.consume(1);
            h.publish("m");
            h.runAll();
            h.await(h.queue.removeConsumer(consumer)); // its channel closes: the message comes back with nobody there
            h.now.addAndGet(100); // no wake-up runs

            h.queue.settle(new long[] {h.deliveredOffsets.get(0)}, Queue.Outcome.REQUEUE);
            h.runAll();

            assertThat(h.deadLettered).containsExactly("m EXPIRED");
        }
    }

    @Test
    void aRequeuedMessageKeepsItsExpiry() {
        try (QueueHarness h = new QueueHarness(dir, Map.of("x-message-ttl", 100, "x-dead-letter-exchange", "dlx"))) {
            h.consume(1);
            h.publish("m");
            h.runAll();
            h.now.addAndGet(60);

            h.queue.settle(new long[] {h.deliveredOffsets.get(0)}, Queue.Outcome.REQUEUE);
            h.runAll();
            assertThat(h.delivered).as("redelivered while in time").hasSize(2);
            h.queue.settle(new long[] {h.deliveredOffsets.get(1)}, Queue.Outcome.REQUEUE);
            h.advance(40);

            assertThat(h.delivered).hasSize(2);
            assertThat(h.deadLettered).containsExactly("m EXPIRED");
        }
    }
}
