package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hermod.broker.queue.Queue;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3: several publishers, each on its own session and channel, and competing consumers with manual
 * acknowledgement and a small prefetch, each on its own channel, on one durable queue. Every message must be delivered,
 * acknowledged exactly once, and delivered a second time only flagged redelivered (after a requeue, or after the
 * channel that held it closed); the queue must end empty with nothing unacknowledged.
 *
 * <p>Each consumer settles on its own thread (its "connection thread", as a protocol module would), so acks race with
 * deliveries as they do in a real broker. Bounded: {@value #MESSAGES} messages per test, {@link #DEADLINE} to drain.
 */
@Timeout(60)
class CompetingConsumersTest {

    private static final String QUEUE = "work";
    private static final int PUBLISHERS = 4;
    private static final int CONSUMERS = 4;
    private static final int MESSAGES = 20_000;
    private static final int PREFETCH = 10;
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Broker broker;
    private final List<TestConsumer> consumers = new ArrayList<>();
    private final Ledger ledger = new Ledger();

    @BeforeEach
    void openBroker() {
        broker = Broker.open(BrokerConfig.of(dir));
        broker.connect("/", "admin").openChannel().declareQueue(QueueSpec.durable(QUEUE));
    }

    @AfterEach
    void closeBroker() {
        consumers.forEach(TestConsumer::stop);
        broker.close();
    }

    @Test
    void everyMessageIsDeliveredAndAcknowledgedExactlyOnceAcrossCompetingConsumers() throws Exception {
        startConsumers(Policy.ACK);

        List<CompletableFuture<PublishResult>> confirms = publishConcurrently(id -> true);

        assertAllConfirmed(confirms);
        awaitEveryMessageAcknowledged();
        assertExactlyOnce();
        assertThat(ledger.redeliveries).hasValue(0);
    }

    @Test
    void messagesUnacknowledgedWhenAChannelOrASessionClosesMidStreamGoToTheOthersFlaggedRedelivered() throws Exception {
        // given two of the consumers always hold their latest delivery unacknowledged
        startConsumers(Policy.ACK_ALL_BUT_LATEST, Policy.ACK_ALL_BUT_LATEST, Policy.ACK, Policy.ACK);
        TestConsumer closesChannel = consumers.get(0);
        TestConsumer closesSession = consumers.get(1);

        // when publishing runs, one closes its channel and the other its session, each while holding unacked messages
        List<CompletableFuture<PublishResult>> confirms = publishConcurrently(id -> true);
        int heldByChannel = closesChannel.closeOnceHolding(MESSAGES / 20, () -> closesChannel.channel.close());
        int heldBySession = closesSession.closeOnceHolding(MESSAGES / 10, () -> closesSession.session.close());

        // then the others get everything, what the closed ones held flagged redelivered
        assertAllConfirmed(confirms);
        awaitEveryMessageAcknowledged();
        assertExactlyOnce();
        assertThat(heldByChannel).isPositive();
        assertThat(heldBySession).isPositive();
        assertThat(ledger.redeliveries.get())
                .as("messages the closed channels held came back flagged redelivered")
                .isGreaterThanOrEqualTo(heldByChannel + heldBySession);
        assertThat(closesChannel.channel.isClosed()).isTrue();
        assertThat(closesSession.session.isClosed()).isTrue();
        assertThat(queue().consumerCount()).isEqualTo(CONSUMERS - 2);
    }

    @Test
    void messagesNackedOrRejectedWithRequeueComeBackFlaggedRedeliveredAndAreAcknowledgedOnce() throws Exception {
        startConsumers(Policy.REQUEUE_SOME);

        List<CompletableFuture<PublishResult>> confirms = publishConcurrently(id -> true);

        assertAllConfirmed(confirms);
        awaitEveryMessageAcknowledged();
        assertExactlyOnce();
        assertThat(ledger.requeues).hasPositiveValue();
        assertThat(ledger.redeliveries.get())
                .as("every requeue is followed by a delivery flagged redelivered")
                .isEqualTo(ledger.requeues.get());
    }

    @Test
    void persistentAndTransientMessagesMixedInOneDurableQueueAreEachDeliveredOnce() throws Exception {
        startConsumers(Policy.ACK);

        // about half persistent, scattered (a multiplicative hash of the id decides)
        List<CompletableFuture<PublishResult>> confirms = publishConcurrently(id -> (id * 0x9E3779B97F4A7C15L) < 0);

        assertAllConfirmed(confirms);
        awaitEveryMessageAcknowledged();
        assertExactlyOnce();
        assertThat(ledger.redeliveries).hasValue(0);
    }

    // ------------------------------------------------------------------ the run

    private void startConsumers(Policy... policies) {
        for (int i = 0; i < CONSUMERS; i++) {
            consumers.add(new TestConsumer(i, policies[Math.min(i, policies.length - 1)]));
        }
    }

    /**
     * Publishes {@value #MESSAGES} messages from {@value #PUBLISHERS} threads, each with its own session and channel;
     * returns once every publish call returned (not every confirm).
     */
    private List<CompletableFuture<PublishResult>> publishConcurrently(LongPredicate persistent) throws Exception {
        ConcurrentLinkedQueue<CompletableFuture<PublishResult>> confirms = new ConcurrentLinkedQueue<>();
        ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHERS);
        try {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                int publisher = p;
                done.add(CompletableFuture.runAsync(
                        () -> {
                            Channel ch = broker.connect("/", "publisher-" + publisher)
                                    .openChannel();
                            SplittableRandom random = new SplittableRandom(publisher);
                            for (int i = 0; i < MESSAGES / PUBLISHERS; i++) {
                                long id = publisher * 1_000_000L + i;
                                ledger.published.add(id);
                                byte[] body = new byte[Long.BYTES + random.nextInt(256)];
                                ByteBuffer.wrap(body).putLong(id);
                                confirms.add(ch.publish(Message.of("", QUEUE, persistent.test(id), body)));
                            }
                        },
                        publishers));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            publishers.shutdownNow();
        }
        return List.copyOf(confirms);
    }

    private static void assertAllConfirmed(List<CompletableFuture<PublishResult>> confirms) throws Exception {
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertThat(confirms)
                .hasSize(MESSAGES)
                .allSatisfy(c -> assertThat(c.join().queues()).isEqualTo(1));
    }

    private void awaitEveryMessageAcknowledged() {
        await().atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(ledger.acks)
                        .as("acknowledged ids (failures: %s)", ledger.failures)
                        .hasSize(MESSAGES));
        Queue q = queue();
        await().atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(new long[] {q.messageCount(), q.unackedCount()})
                        .as("ready and unacknowledged messages left in the queue")
                        .containsExactly(0, 0));
    }

    private void assertExactlyOnce() {
        assertThat(ledger.failures).as("unexpected failures").isEmpty();
        assertThat(ledger.acks.keySet()).as("acknowledged ids").isEqualTo(ledger.published);
        assertThat(ledger.acks)
                .as("acknowledgements per id")
                .allSatisfy((id, n) -> assertThat(n.get()).as("id %d", id).isEqualTo(1));
        assertThat(ledger.firstDeliveries)
                .as("deliveries not flagged redelivered, per id")
                .allSatisfy((id, n) -> assertThat(n.get()).as("id %d", id).isEqualTo(1));
        for (TestConsumer c : consumers) {
            if (!c.channel.isClosed()) {
                assertThat(c.channel.unackedCount()).as("unacked on %s", c.name).isZero();
            }
        }
    }

    private Queue queue() {
        return broker.vhost("/").orElseThrow().queue(QUEUE, null);
    }

    // ------------------------------------------------------------------ consumers and what they saw

    /** What a consumer does with each delivery, on its own thread. */
    private enum Policy {
        /** Acknowledges each delivery. */
        ACK,
        /** Acknowledges each delivery (with {@code multiple}) when the next arrives, so it always holds one. */
        ACK_ALL_BUT_LATEST,
        /** Requeues one delivery in ten (nack, nack multiple or reject), acknowledges the rest. */
        REQUEUE_SOME
    }

    /** Every delivery and acknowledgement of a test, by message id. Thread-safe. */
    private static final class Ledger {
        final Set<Long> published = ConcurrentHashMap.newKeySet();
        final Map<Long, AtomicInteger> firstDeliveries = new ConcurrentHashMap<>();
        final Map<Long, AtomicInteger> acks = new ConcurrentHashMap<>();
        final AtomicInteger redeliveries = new AtomicInteger();
        final AtomicInteger requeues = new AtomicInteger();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

        void delivered(long id, boolean redelivered) {
            if (redelivered) {
                redeliveries.incrementAndGet();
            } else {
                firstDeliveries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }
        }

        void acked(long id) {
            acks.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    /**
     * A consumer on its own session and channel. Deliveries arrive on a queue thread and are recorded there; settling
     * happens on the consumer's own thread, which is also the one that closes its channel or session.
     */
    private final class TestConsumer {
        final String name;
        final Session session;
        final Channel channel;
        final Policy policy;
        final ExecutorService thread;
        final AtomicInteger delivered = new AtomicInteger();
        // owned by thread
        final SplittableRandom random;
        long latestTag = -1;
        long latestId;

        TestConsumer(int n, Policy policy) {
            this.name = "consumer-" + n;
            this.policy = policy;
            this.random = new SplittableRandom(n);
            this.session = broker.connect("/", name);
            this.channel = session.openChannel();
            this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
            channel.consume(QUEUE, ConsumeOptions.manualAck(PREFETCH), this::onDelivery);
        }

        /** On a queue thread. */
        private void onDelivery(Delivery d) {
            long id = d.body().getLong(d.body().position());
            ledger.delivered(id, d.redelivered());
            delivered.incrementAndGet();
            long tag = d.deliveryTag();
            thread.execute(() -> settle(tag, id));
        }

        private void settle(long tag, long id) {
            try {
                switch (policy) {
                    case ACK -> {
                        channel.ack(tag, false);
                        ledger.acked(id);
                    }
                    case ACK_ALL_BUT_LATEST -> {
                        if (latestTag > 0) {
                            channel.ack(latestTag, true);
                            ledger.acked(latestId);
                        }
                        latestTag = tag;
                        latestId = id;
                    }
                    case REQUEUE_SOME -> {
                        if (random.nextInt(10) == 0) {
                            switch (random.nextInt(3)) {
                                case 0 -> channel.nack(tag, false, true);
                                // every earlier tag is settled already (this thread settles in tag order)
                                case 1 -> channel.nack(tag, true, true);
                                default -> channel.reject(tag, true);
                            }
                            ledger.requeues.incrementAndGet();
                        } else {
                            channel.ack(tag, false);
                            ledger.acked(id);
                        }
                    }
                }
            } catch (BrokerException e) {
                if (e.code() != ErrorCode.CLOSED) {
                    ledger.failures.add(e);
                }
            } catch (RuntimeException e) {
                ledger.failures.add(e);
            }
        }

        /**
         * Once this consumer has had {@code deliveries} messages, closes (on its own thread, between two settlements)
         * at a moment it holds unacknowledged messages. Returns how many it held.
         */
        int closeOnceHolding(int deliveries, Runnable close) throws Exception {
            await().atMost(DEADLINE).pollInterval(Duration.ofMillis(5)).until(() -> delivered.get() >= deliveries);
            AtomicInteger held = new AtomicInteger();
            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> thread.submit(() -> {
                                int unacked = channel.unackedCount();
                                if (unacked > 0) {
                                    close.run();
                                    held.set(unacked);
                                }
                                return unacked > 0;
                            })
                            .get());
            return held.get();
        }

        void stop() {
            thread.shutdownNow();
        }
    }
}
