package io.hermod.broker.queue;

import io.hermod.broker.Message;
import io.hermod.broker.PropertiesFormat;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.storage.Durability;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One transient queue driven by hand, for behaviour that depends on when things run: its executor's runs go to a pool
 * that the test drains ({@link #runAll}), its clock is the test's, and its host's timer keeps the wake-ups the queue
 * asks for until the test moves the clock past them ({@link #advance}); the broker's once-a-second tick never runs.
 * Deliveries, dead-lettered messages and requests to delete the queue for want of use are recorded.
 *
 * <p>Threading: everything runs on the test's thread.
 */
final class QueueHarness implements AutoCloseable {

    /** A wake-up the queue asked its host for: its task runs once the clock reaches {@code due}. */
    private record WakeUp(long due, Runnable task) {}

    private static final int MAX_WAKE_UPS_PER_ADVANCE = 10_000;

    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    /** When set, every read of the clock moves it on by 1 ms: time passes between any two steps of the queue. */
    boolean clockMovesOnEveryRead;
    /** What the host answers when the queue asks whether the CPU is saturated (publisher pacing). */
    boolean cpuSaturated;

    final List<String> delivered = new ArrayList<>();
    final List<Long> deliveredOffsets = new ArrayList<>();
    final List<String> deadLettered = new ArrayList<>();
    int wakeUpsScheduled;
    /** Publishes the queue answered as stored. */
    int stored;

    int deletionsAsked;

    private final ArrayDeque<Runnable> pool = new ArrayDeque<>();
    private final List<WakeUp> timer = new ArrayList<>();
    private final LogStore store;
    final Queue queue;

    /** A started queue {@code q} with these arguments, its executor drained. */
    QueueHarness(Path dir, Map<String, Object> arguments) {
        this.store = LogStore.open(LogStoreConfig.of(dir));
        InstantSource clock = () -> Instant.ofEpochMilli(clockMovesOnEveryRead ? now.getAndIncrement() : now.get());
        this.queue = Queue.open(
                new QueueDefinition("/", "q", "0123456789abcdef", false, false, false, arguments),
                store,
                pool::add,
                new MessageCache(1 << 20, 1 << 20),
                clock,
                Durability.OS,
                1000,
                q -> {
                    deletionsAsked++;
                    return CompletableFuture.completedFuture(null);
                },
                new Host());
        queue.startTimer();
        runAll();
    }

    /** Runs what the queue's executor has to do until it has nothing left. */
    void runAll() {
        for (Runnable r = pool.poll(); r != null; r = pool.poll()) {
            r.run();
        }
    }

    /**
     * Moves the clock on and runs every wake-up that falls due by then, in due order, with what they lead to. A queue
     * that keeps waking itself without time passing fails the test rather than spinning.
     */
    void advance(long millis) {
        now.addAndGet(millis);
        runAll();
        for (int woken = 0; ; woken++) {
            if (woken > MAX_WAKE_UPS_PER_ADVANCE) {
                throw new AssertionError("the queue's timer keeps waking it at " + now.get() + " without time passing");
            }
            WakeUp next = timer.stream()
                    .filter(w -> w.due() <= now.get())
                    .min(java.util.Comparator.comparingLong(WakeUp::due))
                    .orElse(null);
            if (next == null) {
                return;
            }
            timer.remove(next);
            next.task().run();
            runAll();
        }
    }

    /** Publishes a transient message with a TTL of its own ({@link Message#NO_TTL} for none); nothing runs yet. */
    void publish(String body, long ttl) {
        publish(body, ttl, failure -> {
            if (failure != null) {
                throw new AssertionError("publish failed", failure);
            }
        });
    }

    /** Publishes a transient message; {@code answer} hears the queue's answer (counted in {@link #stored}). */
    void publish(String body, long ttl, EnqueueCallback answer) {
        queue.enqueue(
                new Message("", "q", Map.of(), false, null, body.getBytes(StandardCharsets.UTF_8), ttl), failure -> {
                    if (failure == null) {
                        stored++;
                    }
                    answer.onEnqueued(failure);
                });
    }

    void publish(String body) {
        publish(body, Message.NO_TTL);
    }

    /** Adds a consumer with manual acknowledgement and this prefetch (0: no limit), and runs the queue. */
    QueueConsumer consume(int prefetch) {
        QueueConsumer consumer = new QueueConsumer("c" + prefetch, 0, prefetch, 0, false, false, new Recorder());
        CompletableFuture<Void> added = queue.addConsumer(consumer);
        runAll();
        added.join();
        return consumer;
    }

    /** The result of a call on the queue, after running it. */
    <T> T await(CompletableFuture<T> call) {
        runAll();
        return call.join();
    }

    @Override
    public void close() {
        CompletableFuture<Void> closed = queue.close();
        runAll();
        closed.join();
        store.close();
    }

    private final class Recorder implements DeliverySink {
        @Override
        public void onDelivery(Queue q, QueueConsumer consumer, StoredMessage message, boolean redelivered) {
            delivered.add(
                    StandardCharsets.UTF_8.decode(message.body().duplicate()).toString());
            deliveredOffsets.add(message.offset());
        }

        @Override
        public void onCancelledByQueue(Queue q, QueueConsumer consumer) {}
    }

    private final class Host implements QueueHost {
        @Override
        public void deadLetter(QueueDefinition source, StoredMessage message, DeadLetterReason reason, Runnable done) {
            deadLettered.add(StandardCharsets.UTF_8.decode(message.body().duplicate()) + " " + reason);
            done.run();
        }

        @Override
        public PropertiesFormat propertiesFormat() {
            return PropertiesFormat.OPAQUE;
        }

        @Override
        public boolean cpuSaturated() {
            return cpuSaturated;
        }

        @Override
        public void schedule(Runnable task, long delayMillis) {
            wakeUpsScheduled++;
            timer.add(new WakeUp(now.get() + delayMillis, task));
        }
    }
}
