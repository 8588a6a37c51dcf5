package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerException;
import io.hermod.broker.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publisher pacing ({@link Pacing}): while the CPU is saturated, a queue whose consumers drain it at speed takes
 * publishes only up to {@link Pacing#READY_LIMIT} ready messages, and more as its consumers take them; the rest wait
 * in its inbox unanswered. In every other case it takes what comes. A queue that holds publishes back does not spin
 * its executor for them (the harness would never drain it).
 */
@Timeout(30)
class QueuePacingTest {

    private static final int PREFETCH = Pacing.MIN_DELIVERIES_PER_WINDOW;
    private static final int WARM_UP = PREFETCH + 50; // the consumer takes PREFETCH of them: a fast consumer
    private static final int BURST = 2_000;

    @TempDir
    Path dir;

    @Test
    void aSaturatedQueueWhoseFastConsumersFallBehindTakesPublishesAsTheyDrainIt() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.cpuSaturated = true;
            warmUp(h);

            burst(h);

            assertThat(h.queue.paced()).isTrue();
            assertThat(h.stored).isEqualTo(WARM_UP + (Pacing.READY_LIMIT - (WARM_UP - PREFETCH)));
            assertThat(h.queue.messageCount()).isEqualTo(Pacing.READY_LIMIT);

            int before = h.stored;
            ackEverythingDelivered(h);

            // the consumer took another PREFETCH, and as many publishes went in
            assertThat(h.delivered).hasSize(2 * PREFETCH);
            assertThat(h.stored).isEqualTo(before + PREFETCH);
            assertThat(h.queue.messageCount()).isEqualTo(Pacing.READY_LIMIT);
        }
    }

    @Test
    void aQueueTakesEveryPublishAtOnceWhenTheCpuIsNotSaturated() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            warmUp(h);

            burst(h);

            assertTookEverything(h);
        }
    }

    @Test
    void slowConsumersAreNotPacedTo() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.cpuSaturated = true;
            warmUp(h, PREFETCH - 1); // takes fewer than the fast-consumer rate in the window

            burst(h);

            assertTookEverything(h);
        }
    }

    @Test
    void pacingEndsWhenTheConsumersStopTakingAndTheHeldPublishesGoIn() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.cpuSaturated = true;
            warmUp(h);
            int wakeUps = h.wakeUpsScheduled;
            burst(h);
            assertThat(h.stored).isLessThan(WARM_UP + BURST);
            assertThat(h.wakeUpsScheduled).as("a look again armed").isEqualTo(wakeUps + 1);

            // no acknowledgement comes (a connection that stopped reading its acks with its publishes): after two
            // windows without deliveries the consumer no longer counts as fast
            h.advance(2 * Pacing.WINDOW_MILLIS + 1);

            assertTookEverything(h);
        }
    }

    @Test
    void heldPublishesGoInWhenTheCpuIsNoLongerSaturated() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.cpuSaturated = true;
            warmUp(h);
            burst(h);
            assertThat(h.stored).isLessThan(WARM_UP + BURST);

            h.cpuSaturated = false;
            h.advance(Pacing.WINDOW_MILLIS);

            assertThat(h.stored).isEqualTo(WARM_UP + BURST);
        }
    }

    @Test
    void heldPublishesGoInWhenTheLastConsumerLeaves() {
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.cpuSaturated = true;
            QueueConsumer consumer = warmUp(h);
            burst(h);

            h.await(h.queue.removeConsumer(consumer));

            assertThat(h.stored).isEqualTo(WARM_UP + BURST);
        }
    }

    /** A deleted queue drops what it had not taken, as RabbitMQ does; a closing one stores it first. */
    @Test
    void heldPublishesAreAnsweredWhenTheQueueIsDeletedOrClosed() {
        List<BrokerException> answers = new ArrayList<>();
        try (QueueHarness h = new QueueHarness(dir, Map.of())) {
            h.cpuSaturated = true;
            warmUp(h);
            burst(h, answers::add);
            assertThat(answers).hasSizeLessThan(BURST);

            h.await(h.queue.delete());

            assertThat(answers).hasSize(BURST).containsOnlyNulls();
        }
        answers.clear();
        try (QueueHarness h = new QueueHarness(dir.resolve("closed"), Map.of())) {
            h.cpuSaturated = true;
            warmUp(h);
            burst(h, answers::add);
            assertThat(answers).hasSizeLessThan(BURST);

            h.await(h.queue.close());

            assertThat(answers).hasSize(BURST).containsOnlyNulls();
        }
    }

    /** A consumer that took a full prefetch in this window: fast, by the pacing's measure. */
    private static QueueConsumer warmUp(QueueHarness h) {
        return warmUp(h, PREFETCH);
    }

    private static QueueConsumer warmUp(QueueHarness h, int prefetch) {
        QueueConsumer consumer = h.consume(prefetch);
        for (int i = 0; i < WARM_UP; i++) {
            h.publish("w" + i);
        }
        h.runAll();
        assertThat(h.delivered).hasSize(prefetch);
        return consumer;
    }

    private static void burst(QueueHarness h) {
        burst(h, failure -> {}); // a failed publish is not counted in h.stored, which the tests check
    }

    private static void burst(QueueHarness h, EnqueueCallback answer) {
        for (int i = 0; i < BURST; i++) {
            h.publish("b" + i, Message.NO_TTL, answer);
        }
        h.runAll();
    }

    private static void assertTookEverything(QueueHarness h) {
        assertThat(h.queue.paced()).isFalse();
        assertThat(h.stored).isEqualTo(WARM_UP + BURST);
    }

    private static void ackEverythingDelivered(QueueHarness h) {
        long[] offsets = h.deliveredOffsets.stream().mapToLong(Long::longValue).toArray();
        h.queue.settle(offsets, Queue.Outcome.ACK);
        h.runAll();
    }
}
