package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.Message;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue acts on time with its own timer, as RabbitMQ's queue process does (ensure_ttl_timer, ensure_expiry_timer),
 * not only on the broker's once-a-second tick: an expired message leaves when its expiry comes, an unused queue with
 * {@code x-expires} asks to be deleted when its expiry comes. The timer is armed for the queue's earliest due time, not
 * once per message. Time is the harness's clock; the tick never runs.
 */
@Timeout(30)
class QueueTimerTest {

    private static final Map<String, Object> DEAD_LETTERED = Map.of("x-dead-letter-exchange", "dlx");

    @TempDir
    Path dir;

    private static Map<String, Object> with(Map<String, Object> arguments, String key, Object value) {
        java.util.HashMap<String, Object> all = new java.util.HashMap<>(arguments);
        all.put(key, value);
        return all;
    }

    @Test
    void aMessageIsDeadLetteredWhenItsAgeReachesTheQueuesTtl() {
        // Given a queue with a TTL of 100 ms and a message in it, no consumer
        try (QueueHarness h = new QueueHarness(dir, with(DEAD_LETTERED, "x-message-ttl", 100))) {
            h.publish("m");
            h.runAll();

            // When the clock reaches its expiry, and only then
            h.advance(99);
            assertThat(h.deadLettered).isEmpty();
            h.advance(1);

            // Then the queue's own wake-up dead-lettered it (Now >= Expiry, as drop_expired_msgs)
            assertThat(h.deadLettered).containsExactly("m EXPIRED");
            assertThat(h.queue.messageCount()).isZero();
        }
    }

    @Test
    void aMessageWithItsOwnTtlLeavesWhenItExpiresBehindALiveHead() {
        try (QueueHarness h = new QueueHarness(dir, DEAD_LETTERED)) {
            h.publish("lasting");
            h.publish("brief", 50);
            h.runAll();

            h.advance(50);

            assertThat(h.deadLettered).containsExactly("brief EXPIRED");
            assertThat(h.queue.messageCount()).isEqualTo(1);
        }
    }

    @Test
    void aStreamOfMessagesArmsTheTimerOncePerDueTimeNotOncePerMessage() {
        // Given ten bursts of 1,000 messages, 10 ms apart, in a queue with a TTL of 1 s
        try (QueueHarness h = new QueueHarness(dir, Map.of("x-message-ttl", 1_000))) {
            for (int burst = 0; burst < 10; burst++) {
                for (int i = 0; i < 1_000; i++) {
                    h.publish("m");
                }
                h.runAll();
                h.now.addAndGet(10);
            }
            assertThat(h.wakeUpsScheduled).as("one wake-up, for the head").isEqualTo(1);

            // When they all expire, burst by burst
            h.advance(1_000 - 100);
            assertThat(h.queue.messageCount()).isEqualTo(9_000);
            for (int burst = 1; burst < 10; burst++) {
                h.advance(10);
                assertThat(h.queue.messageCount()).isEqualTo(9_000 - 1_000L * burst);
            }

            // Then each wake-up dropped a burst and armed the timer for the next head: ten in all
            assertThat(h.queue.messageCount()).isZero();
            assertThat(h.wakeUpsScheduled).isEqualTo(10);
        }
    }

    @Test
    void anUnusedQueueAsksToBeDeletedWhenItsExpiryHasPassed() {
        try (QueueHarness h = new QueueHarness(dir, Map.of("x-expires", 100))) {
            h.advance(100);
            assertThat(h.deletionsAsked)
                    .as("exactly the expiry is still in time")
                    .isZero();
            h.advance(1);
            assertThat(h.deletionsAsked).isEqualTo(1);
        }
    }

    @Test
    void theExpiryWaitsForTheLastConsumerAndCountsFromItsGoingAndFromEachGet() {
        try (QueueHarness h = new QueueHarness(dir, Map.of("x-expires", 100))) {
            QueueConsumer consumer = h.consume(10);
            h.advance(1_000);
            assertThat(h.deletionsAsked).isZero();

            h.await(h.queue.removeConsumer(consumer));
            h.advance(100);
            Optional<Queue.GetResult> got = h.await(h.queue.get(true));
            assertThat(got).isEmpty();
            h.advance(100);
            assertThat(h.deletionsAsked).isZero();

            h.advance(1);
            assertThat(h.deletionsAsked).isEqualTo(1);
        }
    }

    @Test
    void anExpirySetByAPolicyArmsTheTimer() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.queue.reconfigure(Map.of("x-expires", 100));
            h.runAll();

            h.advance(101);

            assertThat(h.deletionsAsked).isEqualTo(1);
        }
    }

    @Test
    void aMessageTtlSetByAPolicyArmsTheTimer() {
        try (QueueHarness h = new QueueHarness(dir, DEAD_LETTERED)) {
            h.publish("m", Message.NO_TTL);
            h.runAll();
            h.queue.reconfigure(with(DEAD_LETTERED, "x-message-ttl", 100));
            h.runAll();

            h.advance(100);

            assertThat(h.deadLettered).containsExactly("m EXPIRED");
        }
    }
}
