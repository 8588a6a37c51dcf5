package io.hermod.broker.queue;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.Message;
import io.hermod.broker.QueueInfo;
import io.hermod.broker.dedup.DedupWindow;
import io.hermod.broker.dedup.Deduplication;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Record;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue: a log of messages with a {@link SharedCursor} over it (DESIGN.md). Publishes are appended in batches (one
 * write and one group-commit wait for all the messages that arrived meanwhile), ready messages go round-robin to the
 * consumers of the highest priority that have credit (or to the single active consumer, see {@link ConsumerRing}), and
 * settlements (ack, requeue, discard) return credit.
 *
 * <p>Parts of it live in classes of their own, which the queue owns and calls on its executor: {@link QueueAppender}
 * (the inbox and its append batches), {@link CursorStore} (the cursor log and trimming), {@link QueueTimers} (the one
 * timer: held messages, TTLs, {@code x-expires}), {@link Redeliveries} ({@code x-delivery-limit}, retry back-off) and
 * {@link DeadLettering} (how messages leave other than by an acknowledgement).
 *
 * <p>Threading: every change runs on the queue's own serial executor ({@link SerialExecutor}), a task queue drained by
 * one pool thread at a time; no lock is held on the publish or deliver path. Public methods may be called from any
 * thread: they enqueue a task and answer through a future (completed on the queue's executor) or a callback. {@link
 * #messageCount()} and the other counters are published after each run and may lag by one run.
 */
public final class Queue {

    private static final Logger LOG = LoggerFactory.getLogger(Queue.class);
    private static final int SEGMENT_BYTES = 64 << 20;
    /** What {@link #removeConsumer} waits for when the queue stays: nothing. */
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** The header that tells a consumer how often a message came back before (RabbitMQ's quorum queues'). */
    public static final String DELIVERY_COUNT = "x-delivery-count";
    /**
     * Hermod's header that holds a message back in any queue until a time (milliseconds since the epoch, or an AMQP
     * timestamp): it is stored at once and becomes ready then.
     */
    public static final String NOT_BEFORE = "x-not-before";
    /** What settling a handed-out message does to it. */
    public enum Outcome {
        /** Acknowledged: gone for good. */
        ACK,
        /** Back to the queue, ahead of newer messages, flagged redelivered. */
        REQUEUE,
        /** Rejected without requeue: gone for good, dead-lettered when the queue has a dead-letter exchange. */
        DISCARD
    }

    /** The lifecycle of a queue; only {@code RUNNING} takes messages and consumers. */
    enum State {
        RUNNING,
        DELETED,
        CLOSED
    }

    /** A message taken by a polling get, with the number of ready messages left behind it. */
    public record GetResult(StoredMessage message, boolean redelivered, long messagesLeft) {}

    private final QueueDefinition definition;
    private final Log log;
    private final CursorLog cursorLog;
    private final boolean persistent;
    private final Executor pool;
    private final MessageCache cache;
    private final InstantSource clock;
    private final Function<Queue, CompletableFuture<Void>> onUnused;
    private final QueueHost host;
    private final DedupWindow dedupWindow; // x-message-deduplication's window of recent keys; null without it
    private final QueueStats stats;

    private final SerialExecutor executor;
    private final QueueAppender appender; // the inbox, and the batches it is appended to the log in
    private final Pacing pacing; // publishes taken at the consumers' pace while the CPU is saturated

    // owned by the executor
    private State state = State.RUNNING;
    private final SharedCursor cursor;
    private final ReadAhead readAhead;
    private final DeadLettering deadLettering; // x-dead-letter-exchange: how messages leave other than by an ack
    private final ConsumerRing consumers;
    private final CursorStore cursorStore; // writes the cursor to the cursor log, trims the message log
    private boolean hadConsumers;
    private boolean going; // an explicit delete decided it goes (prepareDelete): no new consumer; executor only
    private boolean pacingRecheckArmed; // a held inbox is looked at again after Pacing.WINDOW_MILLIS

    // the arguments it runs with: its own, and what policies set (see reconfigure); volatile where the tick reads them
    private volatile QueueLimits limits; // x-max-length and x-overflow, x-message-ttl
    private final Returns returns = new Returns();
    private final Redeliveries redeliveries; // x-delivery-limit and retry back-off
    private final QueueTimers timers; // the one timer, TTLs, held messages, x-expires
    // the first offset appended since the last delivery round: consumers may take those without an expiry check
    private long freshFrom = Long.MAX_VALUE;
    // x-expires: unused (no consumer, no get, no declare) for this long, the queue is deleted; NONE for never
    private volatile long expiresMillis;
    // x-consumer-timeout, read by the broker's tick for its channels' oldest deliveries; NONE for the broker's own.
    // Written by the constructor and reconfigure (under the broker's definitions lock), not the executor
    private volatile long consumerTimeout;
    private volatile long lastUsed;

    // published after each run
    private volatile long messageCount;
    private volatile int consumerCount;
    private volatile int unackedCount;

    private Queue(
            QueueDefinition definition,
            Log log,
            CursorLog cursorLog,
            Executor pool,
            MessageCache cache,
            InstantSource clock,
            Function<Queue, CompletableFuture<Void>> onUnused,
            QueueHost host,
            DedupWindow dedupWindow) {
        this.definition = definition;
        this.dedupWindow = dedupWindow;
        this.log = log;
        this.cursorLog = cursorLog;
        this.persistent = cursorLog != null;
        this.pool = pool;
        this.executor = new SerialExecutor(pool, new Runs());
        this.appender = new QueueAppender(
                log,
                persistent,
                pool,
                clock,
                host,
                dedupWindow == null ? null : Deduplication.ofDefined(definition.arguments()),
                dedupWindow,
                toString(),
                new Appended());
        this.cache = cache;
        this.clock = clock;
        this.onUnused = onUnused;
        QueueArguments arguments =
                QueueArguments.of(host == null ? definition.arguments() : host.effectiveArguments(definition));
        this.consumers = new ConsumerRing(arguments.singleActiveConsumer());
        this.expiresMillis = arguments.expires();
        this.consumerTimeout = arguments.consumerTimeout();
        this.limits = new QueueLimits(arguments);
        this.host = host;
        this.pacing = new Pacing(host == null ? () -> false : host::cpuSaturated);
        this.stats = host == null ? new QueueStats() : host.stats(); // tests open queues without a host
        this.lastUsed = clock.millis(); // as RabbitMQ: a queue's expiry starts again when the broker starts
        CursorStore.Recovered recovered = CursorStore.recover(definition.name(), log, cursorLog);
        this.cursor =
                new SharedCursor(log.startOffset(), log.endOffset(), recovered.settled(), recovered.redeliveredBelow());
        this.readAhead = new ReadAhead(log, cache);
        this.deadLettering = new DeadLettering(definition, host, cursor, readAhead, executor, stats);
        deadLettering.configure(arguments);
        this.timers = new QueueTimers(
                definition.name(), clock, host, executor, cursor, readAhead, returns, deadLettering, new Timed());
        this.redeliveries = new Redeliveries(cursor, returns, timers, clock, host, () -> limits, deadLettering);
        redeliveries.configure(arguments);
        if (limits.tracksBytes()) {
            limits.readied(readyBodyBytes());
        }
        if (recovered.ttlMessagesFrom() >= 0) {
            timers.findTtlMessages(recovered.ttlMessagesFrom());
        }
        if (arguments.maxPriority() > 0) {
            cursor.usePriorities(arguments.maxPriority());
            sortReadyByPriority();
        }
        this.cursorStore =
                new CursorStore(definition.name(), log, cursorLog, cursor, returns, recovered.redeliveredBelow());
        timers.recoverReturns(recovered.returns());
        publishCounters();
    }

    /**
     * Opens (or creates) the storage of a queue and recovers its cursor. A durable, non-exclusive queue keeps its
     * messages in a synced log and its cursor in a cursor log; any other queue keeps them only until the broker stops.
     *
     * @param durability the durability policy of a durable queue's message log (the broker's configuration): when an
     *     append completes, and so when its publishes are confirmed; a transient queue's log is {@code os} whatever it
     * @param flushIntervalMs under {@code fsync-interval}, how often the log is fsynced
     * @param onUnused called on the queue's executor when the queue is to go for want of use: an auto-delete queue lost
     *     its last consumer (completes when the queue is gone; the removal of that consumer completes then), or an
     *     {@code x-expires} queue stayed unused for longer than its expiry
     * @param host the broker around the queue: dead-lettering, the properties format, a timer
     */
    public static Queue open(
            QueueDefinition definition,
            LogStore store,
            Executor pool,
            MessageCache cache,
            InstantSource clock,
            Durability durability,
            long flushIntervalMs,
            Function<Queue, CompletableFuture<Void>> onUnused,
            QueueHost host) {
        boolean survives = survivesRestart(definition);
        String name = logName(definition);
        LogConfig config = LogConfig.builder()
                .durability(survives ? durability : Durability.OS)
                .flushIntervalMs(flushIntervalMs)
                .segmentBytes(SEGMENT_BYTES)
                .build();
        Log log = store.openLog(name, config);
        CursorLog cursorLog = null;
        DedupWindow window = null;
        try {
            if (survives) {
                cursorLog = CursorLog.open(store, cursorLogName(definition));
            }
            Deduplication dedup = Deduplication.ofDefined(definition.arguments());
            if (dedup != null) {
                window = DedupWindow.open(
                        survives ? store : null,
                        dedupLogName(definition),
                        dedup.cacheSize(),
                        dedup.cacheTtlMillis(),
                        clock);
            }
            return new Queue(definition, log, cursorLog, pool, cache, clock, onUnused, host, window);
        } catch (RuntimeException e) {
            log.close();
            if (cursorLog != null) {
                cursorLog.close();
            }
            if (window != null) {
                window.close();
            }
            throw e;
        }
    }

    /** Whether a queue with this definition keeps its persistent messages across a restart. */
    public static boolean survivesRestart(QueueDefinition definition) {
        return definition.durable() && !definition.exclusive();
    }

    /** The name of the message log of a queue. */
    public static String logName(QueueDefinition definition) {
        return "q-" + definition.storageId();
    }

    /** The name of the deduplication log of a durable queue with {@code x-message-deduplication}. */
    public static String dedupLogName(QueueDefinition definition) {
        return "q-" + definition.storageId() + ".dedup";
    }

    /** The name of the cursor log of a durable queue. */
    public static String cursorLogName(QueueDefinition definition) {
        return "q-" + definition.storageId() + ".cursor";
    }

    public QueueDefinition definition() {
        return definition;
    }

    /** The storage settings of its message log (durability policy included). */
    public LogConfig logConfig() {
        return log.config();
    }

    public String name() {
        return definition.name();
    }

    /** Ready messages (not handed out), as of the last run. */
    public long messageCount() {
        return messageCount;
    }

    public int consumerCount() {
        return consumerCount;
    }

    /** What flowed through the queue, for metrics. */
    public QueueStats stats() {
        return stats;
    }

    /** Messages handed out and not yet settled, as of the last run. */
    public int unackedCount() {
        return unackedCount;
    }

    /**
     * Whether the queue holds publishes back now, taking them at its consumers' pace (see {@link Pacing}; RabbitMQ's
     * {@code flow}), as of its last run.
     */
    public boolean paced() {
        return pacing.holding();
    }

    // ------------------------------------------------------------------ commands (any thread)

    /** Adds a published message; {@code callback} hears when it is safely in the queue. */
    public void enqueue(Message message, EnqueueCallback callback) {
        appender.offer(message, callback);
        executor.schedule();
    }

    /**
     * Adds a consumer.
     *
     * @return completes when the consumer is in place; fails with {@code ACCESS_REFUSED} for an exclusivity conflict,
     *     {@code NOT_FOUND} when the queue is gone
     */
    public CompletableFuture<Void> addConsumer(QueueConsumer consumer) {
        touch(); // before the consumer counts: the expiry check must not find the queue unused meanwhile
        return call(() -> {
            requireRunning();
            if (going) { // decided to go (prepareDelete): as if already gone
                throw new BrokerException(
                        ErrorCode.NOT_FOUND, "no queue '" + name() + "' in vhost '" + definition.vhost() + "'");
            }
            // an exclusive consumer on a single-active-consumer queue is refused alike (RabbitMQ's classic queue
            // answers exclusive_consume_unavailable, which rabbit_channel turns into ACCESS_REFUSED "in exclusive use")
            if (consumer.exclusive() && (consumers.size() > 0 || consumers.singleActive())
                    || consumers.hasExclusive()) {
                throw new BrokerException(
                        ErrorCode.ACCESS_REFUSED,
                        "queue '" + name() + "' in vhost '" + definition.vhost() + "' in exclusive use");
            }
            consumers.add(consumer);
            hadConsumers = true;
            try {
                consumer.sink().onConsumerAdded(this, consumer);
            } catch (RuntimeException e) {
                LOG.warn("{} failed to hear that it was added to {}", consumer, this, e);
            }
            return null;
        });
    }

    /**
     * The arguments the queue runs with changed (a policy was set or cleared): limits, TTL, expiry, dead-lettering,
     * delivery limit, retry back-off and consumer timeout follow at once (the timeout for deliveries already out too);
     * a lower length limit drops (or dead-letters) what is over it, as RabbitMQ does. Its own declared arguments stay
     * what they were. Any thread.
     */
    public void reconfigure(Map<String, Object> effectiveArguments) {
        QueueArguments a = QueueArguments.of(effectiveArguments);
        consumerTimeout = a.consumerTimeout(); // read by the broker's tick, not the executor: in force on return
        executor.execute(() -> {
            if (state != State.RUNNING) {
                return;
            }
            expiresMillis = a.expires();
            QueueLimits next = new QueueLimits(a);
            if (next.tracksBytes()) {
                next.readied(limits.tracksBytes() ? limits.readyBytes() : readyBodyBytes());
            }
            limits = next;
            deadLettering.configure(a);
            redeliveries.configure(a);
            limits.dropHeadOverLimit(cursor, this::read, deadLettering, deadLettering.enabled());
            timers.reconfigured();
        });
    }

    /**
     * How long a delivery from this queue may stay unacknowledged before its channel is closed, in milliseconds; 0 for
     * no limit. The queue's {@code x-consumer-timeout} (or policy {@code consumer-timeout}) when it has one, else
     * {@code serverTimeoutMillis} (the broker's {@code consumer_timeout}), as RabbitMQ 3.12+ decides it. Any thread.
     */
    public long consumerTimeoutMillis(long serverTimeoutMillis) {
        long own = consumerTimeout;
        return own == QueueArguments.NONE ? serverTimeoutMillis : own;
    }

    /** The queue was declared (or declared passively) again: for {@code x-expires}, it is in use. Any thread. */
    public void touch() {
        lastUsed = clock.millis();
    }

    /**
     * Whether the queue has been unused — no consumer, no polling get, no declare — for longer than its {@code
     * x-expires} at {@code nowMillis} (RabbitMQ's idle-queue expiry); never without the argument. Any thread; the
     * consumer count may lag by one run.
     */
    public boolean expired(long nowMillis) {
        return expiresMillis > 0 && consumerCount == 0 && nowMillis - lastUsed > expiresMillis;
    }

    /**
     * Removes a consumer (cancelled by its client); its unacknowledged messages stay with its channel. Completes once
     * the queue has taken the removal and, when that was the last consumer of an auto-delete queue, the queue is gone
     * (as RabbitMQ's queue process, which answers a channel going down only after it, so that the client's close-ok
     * comes when the queue can no longer be seen).
     */
    public CompletableFuture<Void> removeConsumer(QueueConsumer consumer) {
        return this.<CompletableFuture<Void>>call(() -> {
                    consumer.cancelled = true;
                    touch(); // the expiry counts from the last consumer's going
                    if (consumers.remove(consumer)
                            && consumers.size() == 0
                            && hadConsumers
                            && definition.autoDelete()
                            && state == State.RUNNING) {
                        return onUnused.apply(this);
                    }
                    timers.deleteIfUnused(clock.millis()); // arms the x-expires timer once the last consumer went
                    return DONE;
                })
                .thenCompose(Function.identity());
    }

    /** Looks again for consumers to hand messages to: one of them became ready (see {@link DeliverySink#ready}). */
    public void wake() {
        executor.execute(() -> {});
    }

    /** Settles handed-out messages; offsets that are not unacknowledged here are ignored. */
    public void settle(long[] offsets, Outcome outcome) {
        executor.execute(() -> {
            if (state != State.RUNNING) {
                return; // deleted or stopped meanwhile: nothing left to settle (its log is gone or closed)
            }
            for (long offset : offsets) {
                SharedCursor.Handout h = switch (outcome) {
                    case ACK -> cursor.isUnacked(offset) ? cursor.settle(offset) : null;
                    case DISCARD -> cursor.isUnacked(offset) ? reject(offset) : null;
                    case REQUEUE -> cursor.isUnacked(offset) ? redeliveries.returned(offset) : null;
                };
                if (h != null && h.consumer() != null) {
                    h.consumer().refund(h.size());
                }
                if (h != null && outcome == Outcome.ACK) {
                    stats.onAcknowledged();
                }
            }
            if (outcome == Outcome.REQUEUE) {
                limits.dropHeadOverLimit(cursor, this::read, deadLettering, deadLettering.enabled());
                cursorStore.persistReturns();
                // a requeued message keeps its expiry: one past it goes now, not to a consumer (RabbitMQ's
                // requeue_and_run), so a message with a TTL of 0 never comes back
                timers.dropExpired(clock.millis());
            }
        });
    }

    /** A consumer rejected an unacknowledged message without requeue: it goes, dead-lettered if the queue can. */
    private SharedCursor.Handout reject(long offset) {
        SharedCursor.Handout h = cursor.handout(offset);
        deadLettering.dispose(offset, null, DeadLetterReason.REJECTED);
        return h;
    }

    /** Takes one ready message for a polling get; empty when there is none. */
    public CompletableFuture<Optional<GetResult>> get(boolean autoAck) {
        touch(); // now, not when the task runs: the expiry check must not find the queue unused meanwhile
        return call(() -> {
            requireRunning();
            appendAndDeliver();
            while (cursor.hasReady()) {
                boolean requeued = cursor.nextIsRequeued();
                long offset = cursor.take();
                boolean redelivered = cursor.lastTakenRedelivered();
                StoredMessage m = read(offset, requeued);
                if (m == null) {
                    continue;
                }
                limits.unreadied(m.body().remaining());
                if (dropIfExpired(m, clock.millis())) {
                    continue;
                }
                m = redeliveries.withDeliveryCount(m);
                cursorStore.markHandedOut(offset);
                if (autoAck) {
                    cursor.settle(offset);
                } else {
                    cursor.handedOut(offset, null, m.size(), m.body().remaining());
                }
                stats.onDelivered(redelivered, clock.millis() - m.enqueuedAt());
                return Optional.of(new GetResult(m, redelivered, cursor.readyCount()));
            }
            return Optional.empty();
        });
    }

    /**
     * The ready and consumer counts once everything asked of the queue before has been done: messages published to it,
     * settlements, consumers added or removed, and what consumers with credit then take. A declare answers these, as
     * RabbitMQ's queue process, which handles a channel's requests in order and hands out messages before it answers;
     * the counters above may lag by one run.
     */
    public CompletableFuture<QueueInfo> info() {
        return call(() -> {
            requireRunning();
            appendAndDeliver();
            timers.dropExpired(clock.millis());
            return new QueueInfo(name(), cursor.readyCount(), consumers.size());
        });
    }

    /** Drops every ready message, once consumers with credit took what they could; returns how many. */
    public CompletableFuture<Long> purge() {
        return call(() -> {
            requireRunning();
            appendAndDeliver();
            readAhead.clear();
            limits.emptied();
            return cursor.purge();
        });
    }

    /**
     * Decides whether the queue may be deleted under these conditions, and if so takes no consumer from then on (as if
     * it were gone already: {@code NOT_FOUND}), so that an {@code if-unused} decision still holds when the deletion
     * that follows gets here (RabbitMQ's queue process decides and goes in one step). Messages that arrive meanwhile go
     * with the queue, as they would in RabbitMQ once it had decided.
     *
     * @return completes with the ready message count; fails with {@code PRECONDITION_FAILED} when in use or not empty
     */
    public CompletableFuture<Long> prepareDelete(boolean ifUnused, boolean ifEmpty) {
        return call(() -> {
            requireRunning();
            appendAndDeliver();
            if (ifUnused && consumers.size() > 0) {
                throw new BrokerException(
                        ErrorCode.PRECONDITION_FAILED,
                        "queue '" + name() + "' in vhost '" + definition.vhost() + "' in use");
            }
            if (ifEmpty && cursor.readyCount() > 0) {
                throw new BrokerException(
                        ErrorCode.PRECONDITION_FAILED,
                        "queue '" + name() + "' in vhost '" + definition.vhost() + "' is not empty");
            }
            going = true;
            return cursor.readyCount();
        });
    }

    /** The delete {@link #prepareDelete} allowed did not happen: the queue takes consumers again. */
    public void abandonDelete() {
        call(() -> going = false);
    }

    /**
     * Deletes the queue and its storage: consumers are told they were cancelled, messages in flight to it are dropped
     * (their publishers are still told the message was taken, as a queue deleted after routing). Returns the number of
     * ready messages it held.
     */
    public CompletableFuture<Long> delete() {
        return call(() -> {
            if (state != State.RUNNING) {
                return 0L;
            }
            appendInbox();
            long count = cursor.readyCount();
            state = State.DELETED;
            for (QueueConsumer c : consumers.removeAll()) {
                c.cancelled = true;
                try {
                    c.sink().onCancelledByQueue(this, c);
                } catch (RuntimeException e) {
                    LOG.warn("Cancel notification of {} on queue {} failed", c, name(), e);
                }
            }
            readAhead.clear();
            log.delete();
            if (cursorLog != null) {
                cursorLog.delete();
            }
            if (dedupWindow != null) {
                dedupWindow.delete();
            }
            return count;
        });
    }

    /** Stops the queue for a broker shutdown: takes what is in flight, persists the cursor, closes the logs. */
    public CompletableFuture<Void> close() {
        return call(() -> {
            if (state != State.RUNNING) {
                return null;
            }
            appendInbox();
            cursorStore.flush(true);
            state = State.CLOSED;
            readAhead.clear();
            log.close();
            if (cursorLog != null) {
                cursorLog.close();
            }
            if (dedupWindow != null) {
                dedupWindow.close();
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ the executor

    private <T> CompletableFuture<T> call(Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                result.complete(task.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** The queue's part of each run of its executor. */
    private final class Runs implements SerialExecutor.Hooks {

        @Override
        public boolean afterRound() {
            // one batch per round, then deliveries: a steady stream of publishes must not starve the consumers
            int took = appender.appendBatches(
                    1,
                    pacing.allowance(
                            state == State.RUNNING && consumers.size() > 0, cursor.readyCount(), clock.millis()));
            if (state == State.RUNNING) {
                dispatch();
            }
            if (pacing.hold(cursor.readyCount(), appender.hasPending()) && !pacingRecheckArmed) {
                pacingRecheckArmed = true;
                host.schedule(() -> executor.execute(() -> pacingRecheckArmed = false), Pacing.WINDOW_MILLIS);
            }
            return took > 0;
        }

        @Override
        public void afterRounds() {
            if (state == State.RUNNING) {
                cursorStore.flush(false);
                cursorStore.trim();
            }
        }

        @Override
        public void afterRun() {
            publishCounters();
        }

        @Override
        public boolean hasQueuedWork() {
            return appender.hasPending() && !pacing.holding();
        }

        @Override
        public void onFailure(Throwable failure) {
            LOG.error("Queue {} in vhost {} failed a run", name(), definition.vhost(), failure);
        }
    }

    /** What the queue's publish path ({@link QueueAppender}) sees of it; called on the queue's executor. */
    private final class Appended implements QueueAppender.Owner {

        @Override
        public State state() {
            return state;
        }

        @Override
        public boolean refusesPublish(int batchMessages, long batchBodyBytes) {
            return limits.refusesPublish(cursor, batchMessages, batchBodyBytes);
        }

        @Override
        public BrokerException full() {
            return limits.full(Queue.this);
        }

        @Override
        public void refused(Message message, long now) {
            deadLettering.refused(message, now, limits.deadLettersRefused()); // x-overflow reject-publish-dlx
        }

        @Override
        public void appended(List<QueueAppender.Pending> batch, long firstOffset, long lastOffset, long now) {
            Queue.this.appended(batch, firstOffset, lastOffset, now);
        }
    }

    /** What the queue's timers ({@link QueueTimers}) see of it; called on the queue's executor. */
    private final class Timed implements QueueTimers.Owner {

        @Override
        public boolean running() {
            return state == State.RUNNING;
        }

        @Override
        public QueueLimits limits() {
            return limits;
        }

        @Override
        public void forEachReadyRecord(long start, Consumer<Record> action) {
            Queue.this.forEachReadyRecord(start, action);
        }

        @Override
        public long expiresMillis() {
            return expiresMillis;
        }

        @Override
        public long lastUsed() {
            return lastUsed;
        }

        @Override
        public boolean hasConsumers() {
            return consumers.size() > 0;
        }

        @Override
        public void onUnused() {
            onUnused.apply(Queue.this);
        }
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new BrokerException(
                    ErrorCode.NOT_FOUND, "no queue '" + name() + "' in vhost '" + definition.vhost() + "'");
        }
    }

    /**
     * Appends everything in the inbox and hands what consumers with credit can take to them, before a command answers
     * from what is left: RabbitMQ's queue process delivers each message to a waiting consumer as it arrives, so a get,
     * a purge or a declare after a publish finds only what no consumer could take.
     */
    private void appendAndDeliver() {
        appendInbox();
        dispatch();
    }

    /** Appends everything in the inbox, in batches; returns whether there was anything. */
    private boolean appendInbox() {
        return appender.appendBatches(Integer.MAX_VALUE, Integer.MAX_VALUE) > 0;
    }

    /**
     * Takes in a batch just appended to the log from {@code firstOffset}: its messages become ready (or held, or
     * expiring), then what must be in the cursor log before their publishers hear they are stored is written there.
     */
    private void appended(List<QueueAppender.Pending> batch, long firstOffset, long lastOffset, long now) {
        cursor.appended(lastOffset + 1);
        freshFrom = Math.min(freshFrom, firstOffset);
        stats.onPublished(batch.size());
        long appendedOffset = firstOffset;
        for (QueueAppender.Pending pending : batch) {
            limits.readied(pending.message().body().length);
            if (cursor.hasPriorities()) {
                cursor.enqueue(appendedOffset++, pending.message().priority());
            }
        }
        limits.dropHeadOverLimit(cursor, this::read, deadLettering, deadLettering.enabled());
        publishCounters();
        long offset = firstOffset;
        for (QueueAppender.Pending pending : batch) {
            if (persistent && !pending.message().persistent()) {
                cursorStore.transientAppended(offset);
            }
            if (pending.message().ttlMillis() != Message.NO_TTL) {
                if (cursorLog != null) {
                    cursorLog.ttlMessagesFrom(offset); // a restart reads from here to find them again
                }
                timers.expiresAt(offset, limits.dueAt(now, pending.message().ttlMillis()));
            }
            if (!cursor.hasPriorities()) {
                // a priority queue reads its messages back one by one in priority order: a run would never be taken
                readAhead.offerAppended(MessageCodec.stored(pending.message(), offset, now), cursor.streamPosition());
            }
            long notBefore = QueueTimers.notBefore(pending.message());
            if (notBefore > now) {
                timers.holdUntil(offset, notBefore, now);
                limits.unreadied(pending.message().body().length);
            }
            offset++;
        }
        // the times x-not-before messages wait, before their publishers hear they are stored
        cursorStore.persistReturns();
        cursorStore.writeTransients(); // right behind the append, not at the end of the run
    }

    /**
     * Whether the broker's timer must look at this queue: it has an {@code x-message-ttl}, messages with TTLs of their
     * own were appended since the broker started (older ones, after a restart, are dropped when taken), or messages
     * wait for a time (retry back-off, {@code x-not-before}; the queue's own timer acts on time, this is a safety net).
     */
    public boolean hasMessageTtl() {
        return limits.hasMessageTtl() || timers.sawMessageWithTtl() || redeliveries.retries() || timers.sawNotBefore();
    }

    /**
     * Drops the messages that have expired, with or without consumers: what the queue's timer does on time, for the
     * broker's tick, a safety net. Any thread.
     */
    public void expireMessages() {
        executor.execute(timers::onTimer);
    }

    /**
     * Starts acting on time: expiring messages (dead-lettering them) and deleting the queue when {@code x-expires}
     * says so. The broker calls this once it has recovered its definitions, so that nothing is dead-lettered to an
     * exchange not recovered yet; until then a wake-up only releases messages whose wait is over. Any thread.
     */
    public void startTimer() {
        executor.execute(timers::start);
    }

    /**
     * The body bytes of the ready messages in the log, for a byte limit at start: one sequential read of the ready
     * part of the log (which the limit keeps small). After a restart every unsettled message is on the stream.
     */
    private long readyBodyBytes() {
        long[] bytes = {0};
        try {
            forEachReadyRecord(r -> bytes[0] += r.value().remaining());
        } catch (StorageException | IllegalStateException e) {
            LOG.warn("Queue {} could not count its ready bytes for x-max-length-bytes: {}", name(), e.getMessage());
        }
        return bytes[0];
    }

    /**
     * A priority queue at start: the ready messages, all on the stream after a restart, go to the lanes of their
     * priorities (read from their records: one sequential read of the ready part of the log; bodies are not kept).
     */
    private void sortReadyByPriority() {
        try {
            forEachReadyRecord(r -> cursor.enqueue(r.offset(), MessageCodec.priority(r)));
        } catch (StorageException | IllegalStateException e) {
            // what could not be read stays on the stream, behind nothing: the lanes never look there, so it is lost
            // to consumers until the log is repaired; say so loudly
            LOG.error("Queue {} could not read its ready messages' priorities: {}", name(), e.getMessage());
        }
    }

    /** Calls {@code action} with each record of a ready message on the stream, in offset order. */
    private void forEachReadyRecord(Consumer<Record> action) {
        forEachReadyRecord(cursor.streamPosition(), action);
    }

    private void forEachReadyRecord(long start, Consumer<Record> action) {
        log.forEachRecord(start, r -> {
            if (cursor.isReadyOnStream(r.offset()) && r.value() != null) {
                action.accept(r);
            }
        });
    }

    /** Disposes of a taken message instead of delivering it when it is older than its TTL. */
    private boolean dropIfExpired(StoredMessage m, long now) {
        if (limits.expired(m, now)) {
            deadLettering.dispose(m.offset(), m, DeadLetterReason.EXPIRED);
            return true;
        }
        return false;
    }

    /**
     * Hands ready messages to the consumers with credit. Those appended since the last round go out whatever their
     * TTL, as rabbit_amqqueue_process:deliver_or_enqueue delivers to a waiting consumer before any expiry check (so a
     * message with a TTL of 0 reaches a consumer with credit); what no consumer took then stands in the queue and is
     * dropped at once if expired, the TTL 0 included. Older ones are checked as they are taken.
     */
    private void dispatch() {
        long now = clock.millis();
        deliver(now);
        if (freshFrom != Long.MAX_VALUE) {
            freshFrom = Long.MAX_VALUE;
            timers.dropExpired(now); // and arms the timer for a new head
        }
    }

    private void deliver(long now) {
        while (consumers.size() > 0 && cursor.hasReady()) {
            QueueConsumer consumer = consumers.next();
            if (consumer == null) {
                return; // nobody has credit
            }
            boolean requeued = cursor.nextIsRequeued();
            long offset = cursor.take();
            if (offset < 0) {
                return;
            }
            boolean redelivered = cursor.lastTakenRedelivered();
            StoredMessage m = read(offset, requeued);
            if (m == null) {
                continue;
            }
            limits.unreadied(m.body().remaining());
            boolean arrived = offset >= freshFrom && !redelivered;
            if (!arrived && dropIfExpired(m, now)) {
                continue;
            }
            m = redeliveries.withDeliveryCount(m);
            cursorStore.markHandedOut(offset);
            if (consumer.autoAck()) {
                cursor.settle(offset);
            } else {
                cursor.handedOut(offset, consumer, m.size(), m.body().remaining());
                consumer.spend(m.size());
            }
            stats.onDelivered(redelivered, now - m.enqueuedAt());
            pacing.delivered();
            try {
                consumer.sink().onDelivery(this, consumer, m, redelivered);
            } catch (RuntimeException e) {
                // the message stays unacknowledged with the channel, which requeues it when it closes
                LOG.warn("Delivery to {} on queue {} failed", consumer, name(), e);
            }
        }
    }

    /** Reads the message at a taken offset; null (and settled) when it cannot be read. */
    private StoredMessage read(long offset, boolean requeued) {
        try {
            StoredMessage m = requeued ? readAhead.readOne(offset) : readAhead.take(offset);
            if (m != null) {
                return m;
            }
            LOG.error("Queue {} has no message at offset {}; skipped", name(), offset);
        } catch (StorageException | IllegalStateException e) {
            LOG.error("Queue {} cannot read the message at offset {}; skipped: {}", name(), offset, e.getMessage());
        }
        cursor.settle(offset);
        return null;
    }

    private void publishCounters() {
        messageCount = cursor.readyCount();
        consumerCount = consumers.size();
        unackedCount = cursor.unackedCount();
    }

    @Override
    public String toString() {
        return "queue '" + name() + "' in vhost '" + definition.vhost() + "'";
    }
}
