package io.hermod.broker.queue;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.Message;
import io.hermod.broker.PropertiesFormat;
import io.hermod.broker.QueueInfo;
import io.hermod.broker.dedup.DedupWindow;
import io.hermod.broker.dedup.Deduplication;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.storage.AppendResult;
import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
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
 * <p>Threading: every change runs on the queue's own serial executor ({@link SerialExecutor}), a task queue drained by
 * one pool thread at a time; no lock is held on the publish or deliver path. Public methods may be called from any
 * thread: they enqueue a task and answer through a future (completed on the queue's executor) or a callback. {@link
 * #messageCount()} and the other counters are published after each run and may lag by one run.
 */
public final class Queue {

    private static final Logger LOG = LoggerFactory.getLogger(Queue.class);
    private static final int MAX_BATCH_MESSAGES = 4096;
    private static final int MAX_BATCH_BYTES = 1 << 20;
    private static final int SEGMENT_BYTES = 64 << 20;
    private static final long TRIM_EVERY_OFFSETS = 8192;
    /** What {@link #removeConsumer} waits for when the queue stays: nothing. */
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private static final long HANDOUT_MARK_AHEAD = 256;
    private static final int PRUNE_EXPIRIES_ABOVE = 4096;
    /** The header that tells a consumer how often a message came back before (RabbitMQ's quorum queues'). */
    public static final String DELIVERY_COUNT = "x-delivery-count";
    /**
     * Hermod's header that holds a message back in any queue until a time (milliseconds since the epoch, or an AMQP
     * timestamp): it is stored at once and becomes ready then.
     */
    public static final String NOT_BEFORE = "x-not-before";
    /**
     * The buffer each pool thread builds its append batches in: the log has written a batch when {@code append}
     * returns, so one buffer serves every batch the thread appends (a batch too large for it gets its own). Direct, so
     * that the file channel writes it as it is instead of copying it into a temporary direct buffer first.
     */
    private static final ThreadLocal<ByteBuffer> APPEND_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(2 * MAX_BATCH_BYTES));

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
    private enum State {
        RUNNING,
        DELETED,
        CLOSED
    }

    /** A message taken by a polling get, with the number of ready messages left behind it. */
    public record GetResult(StoredMessage message, boolean redelivered, long messagesLeft) {}

    private record Pending(Message message, EnqueueCallback callback) {}

    private final QueueDefinition definition;
    private final Log log;
    private final CursorLog cursorLog;
    private final boolean persistent;
    private final Executor pool;
    private final MessageCache cache;
    private final InstantSource clock;
    private final Function<Queue, CompletableFuture<Void>> onUnused;
    private final QueueHost host;
    // x-message-deduplication: the window of recent keys and how keys are found; null without it
    private final DedupWindow dedupWindow;
    private final Deduplication dedup;
    private QueueHost deadLetters; // the host, or null without x-dead-letter-exchange
    private final QueueStats stats;

    private final SerialExecutor executor;
    private final ConcurrentLinkedQueue<Pending> inbox = new ConcurrentLinkedQueue<>();

    // owned by the executor
    private State state = State.RUNNING;
    private final SharedCursor cursor;
    private final ReadAhead readAhead;
    private final ConsumerRing consumers;
    private final OffsetRanges transientLive = new OffsetRanges();
    private final OffsetRanges transientSinceFlush = new OffsetRanges();
    private final OffsetRanges settledScratch = new OffsetRanges();
    private final OffsetRanges noRanges = new OffsetRanges();
    private final MessageCodec.NameHeaders nameHeaders = new MessageCodec.NameHeaders();
    private long handedOutWritten;
    private long trimmedAt;
    private boolean hadConsumers;

    // the arguments it runs with: its own, and what policies set (see reconfigure); volatile where the tick reads them
    private volatile QueueLimits limits; // x-max-length and x-overflow, x-message-ttl
    // x-delivery-limit and retry back-off: how often messages came back, and those waiting out a retry delay
    private long deliveryLimit;
    private volatile RetryBackoff retry;
    private boolean countsReturns;
    private final Returns returns = new Returns();
    // messages held until a time: returned ones waiting out their retry delay, and those published with x-not-before
    private final DueIndex waiting = new DueIndex();
    private volatile boolean sawNotBefore; // a message with x-not-before was appended since the start
    // the queue's one timer (see scheduleWake): when its earliest wake-up is due; acts on TTLs and x-expires once
    // started (after the broker's recovery)
    private long wakeAt = Long.MAX_VALUE;
    private boolean timerStarted;
    private volatile boolean sawMessageWithTtl; // a message with a TTL of its own was appended since the start
    private final DueIndex expiries = new DueIndex(); // those messages by due time, to drop them anywhere
    // the head whose expiry the timer is armed for, so that it is not read again while it stays the head
    private long checkedHead = -1;
    private long checkedHeadDue = Long.MAX_VALUE;
    // the first offset appended since the last delivery round: consumers may take those without an expiry check
    private long freshFrom = Long.MAX_VALUE;
    private boolean unusedReported; // x-expires: the queue asked to be deleted
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
        this.dedup = dedupWindow == null ? null : Deduplication.ofDefined(definition.arguments());
        this.log = log;
        this.cursorLog = cursorLog;
        this.persistent = cursorLog != null;
        this.pool = pool;
        this.executor = new SerialExecutor(pool, new Runs());
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
        this.stats = host == null ? new QueueStats() : host.stats(); // tests open queues without a host
        this.deadLetters = arguments.deadLetterExchange() == null ? null : host;
        this.deliveryLimit = arguments.deliveryLimit();
        this.retry = arguments.retry();
        this.countsReturns = deliveryLimit != QueueArguments.NONE || retry != null;
        this.lastUsed = clock.millis(); // as RabbitMQ: a queue's expiry starts again when the broker starts
        OffsetRanges settled = new OffsetRanges();
        long redeliveredBelow = 0;
        Map<Long, Returns.Entry> recoveredReturns = Map.of();
        long ttlMessagesFrom = -1;
        if (cursorLog != null) {
            CursorLog.Recovered recovered = cursorLog.recover();
            recoveredReturns = recovered.returns();
            ttlMessagesFrom = recovered.ttlMessagesFrom();
            long end = log.endOffset();
            // the cursor log is not synced: after a machine crash it may speak of offsets the message log lost
            boolean beyondEnd = recovered.settled().removeFrom(end)
                    | recovered.transients().removeFrom(end)
                    | recovered.handedOutBelow() > end
                    | recovered.returns().keySet().removeIf(offset -> offset >= end);
            recovered.settled().forEachRange(settled::addRange);
            // transient messages of a durable queue do not survive a restart
            recovered.transients().forEachRange(settled::addRange);
            redeliveredBelow = Math.min(recovered.handedOutBelow(), end);
            if (beyondEnd) {
                LOG.warn(
                        "Queue {}: its cursor log ran ahead of its message log (a machine crash?); cut at {}",
                        definition.name(),
                        end);
                cursorLog.rewriteAfterRecovery(settled, new OffsetRanges(), redeliveredBelow, recovered.returns());
            }
        }
        this.cursor = new SharedCursor(log.startOffset(), log.endOffset(), settled, redeliveredBelow);
        this.readAhead = new ReadAhead(log, cache);
        if (limits.tracksBytes()) {
            limits.readied(readyBodyBytes());
        }
        if (ttlMessagesFrom >= 0) {
            findTtlMessages(ttlMessagesFrom);
        }
        if (arguments.maxPriority() > 0) {
            cursor.usePriorities(arguments.maxPriority());
            sortReadyByPriority();
        }
        this.handedOutWritten = redeliveredBelow;
        this.trimmedAt = log.startOffset();
        recoverReturns(recoveredReturns);
        publishCounters();
    }

    /**
     * Takes back the delivery counts and the times before which messages wait (retry delays, {@code x-not-before}) of
     * the messages not settled; those still waiting wait on.
     */
    private void recoverReturns(Map<Long, Returns.Entry> recovered) {
        long now = clock.millis();
        recovered.forEach((offset, e) -> {
            if (!cursor.isReady(offset)) {
                return; // settled meanwhile
            }
            returns.recovered(offset, e);
            if (e.notBefore() > now) {
                sawNotBefore = true;
                cursor.hold(offset);
                waiting.add(e.notBefore(), offset);
            }
        });
        if (waiting.size() > 0) {
            scheduleWake(waiting.nextDue(), now);
        }
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

    // ------------------------------------------------------------------ commands (any thread)

    /** Adds a published message; {@code callback} hears when it is safely in the queue. */
    public void enqueue(Message message, EnqueueCallback callback) {
        inbox.add(new Pending(message, callback));
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
            deadLetters = a.deadLetterExchange() == null ? null : host;
            deliveryLimit = a.deliveryLimit();
            retry = a.retry();
            countsReturns = deliveryLimit != QueueArguments.NONE || retry != null;
            limits.dropHeadOverLimit(cursor, this::read, this::dispose, deadLetters != null);
            checkedHead = -1; // the TTL may have changed, and with it the head's expiry
            onTimer();
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
                    deleteIfUnused(clock.millis()); // arms the x-expires timer once the last consumer went
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
                    case REQUEUE -> cursor.isUnacked(offset) ? returned(offset) : null;
                };
                if (h != null && h.consumer() != null) {
                    h.consumer().refund(h.size());
                }
                if (h != null && outcome == Outcome.ACK) {
                    stats.onAcknowledged();
                }
            }
            if (outcome == Outcome.REQUEUE) {
                limits.dropHeadOverLimit(cursor, this::read, this::dispose, deadLetters != null);
                persistReturns();
                // a requeued message keeps its expiry: one past it goes now, not to a consumer (RabbitMQ's
                // requeue_and_run), so a message with a TTL of 0 never comes back
                dropExpired(clock.millis());
            }
        });
    }

    /**
     * An unacknowledged message came back (nacked or rejected with requeue, its channel closed, its consumer timed
     * out). Where returns count: past {@code x-delivery-limit} it is dead-lettered (reason {@code delivery_limit}),
     * under a retry back-off it waits out its delay, held; otherwise, and in every other queue, it is ready again
     * ahead of newer messages.
     */
    private SharedCursor.Handout returned(long offset) {
        SharedCursor.Handout h = cursor.handout(offset);
        if (!countsReturns) {
            cursor.requeue(offset);
            limits.readied(h.bodySize());
            return h;
        }
        int count = returns.count(offset) + 1;
        if (deliveryLimit != QueueArguments.NONE && count > deliveryLimit) {
            returns.returned(offset, 0);
            dispose(offset, null, DeadLetterReason.DELIVERY_LIMIT);
            return h;
        }
        if (retry == null) {
            returns.returned(offset, 0);
            cursor.requeue(offset);
            limits.readied(h.bodySize());
            return h;
        }
        long now = clock.millis();
        long due = now + retry.delay(count, ThreadLocalRandom.current().nextDouble());
        returns.returned(offset, due);
        cursor.hold(offset);
        waiting.add(due, offset);
        scheduleWake(due, now);
        return h;
    }

    /**
     * The time before which a message must not be delivered: its {@code x-not-before} header, in milliseconds since
     * the epoch (an integer) or an AMQP timestamp (seconds); 0 for none or a value of another type.
     */
    static long notBefore(Message m) {
        if (m.headers().isEmpty()) {
            return 0;
        }
        return switch (m.headers().get(NOT_BEFORE)) {
            case Long l -> l;
            case Integer i -> i;
            case Instant t -> t.toEpochMilli();
            case null, default -> 0;
        };
    }

    /** Holds a just-appended message out of the ready set until {@code notBefore} ({@code x-not-before}). */
    private void holdUntil(long offset, long notBefore, long now) {
        sawNotBefore = true;
        returns.waitUntil(offset, notBefore);
        cursor.hold(offset);
        waiting.add(notBefore, offset);
        scheduleWake(notBefore, now);
    }

    /**
     * Has the queue's timer wake it at {@code due} ({@link #onTimer}) unless a wake-up is due by then already. One
     * timer serves every time the queue waits for — messages held until a time, the head's expiry, the earliest
     * expiry of messages with TTLs of their own, {@code x-expires} — and is armed only for the earliest: each wake-up
     * arms it again for the next. So a queue schedules a task when its earliest due time moves earlier, never one per
     * message (RabbitMQ's ensure_ttl_timer and ensure_expiry_timer likewise keep one timer each per queue). A wake-up
     * made needless by an earlier one still comes, and finds nothing to do.
     */
    private void scheduleWake(long due, long now) {
        if (wakeAt <= due || host == null) {
            return; // without a host (tests' queues) only the calls the broker's tick makes act on time
        }
        wakeAt = due;
        host.schedule(
                () -> executor.execute(() -> {
                    if (wakeAt == due) {
                        wakeAt = Long.MAX_VALUE; // this wake-up is no longer pending
                    }
                    onTimer();
                }),
                Math.max(0, due - now));
    }

    /**
     * Starts acting on time: expiring messages (dead-lettering them) and deleting the queue when {@code x-expires}
     * says so. The broker calls this once it has recovered its definitions, so that nothing is dead-lettered to an
     * exchange not recovered yet; until then a wake-up only releases messages whose wait is over. Any thread.
     */
    public void startTimer() {
        executor.execute(() -> {
            timerStarted = true;
            onTimer();
        });
    }

    /**
     * What the timer does when it wakes the queue, and the broker's once-a-second tick as a safety net: releases the
     * messages whose wait is over, drops those expired, deletes the queue when unused for longer than {@code
     * x-expires}, and arms the timer for the next of these.
     */
    private void onTimer() {
        releaseDue(); // before expiring: a message released from a retry delay may be past its TTL
        if (state != State.RUNNING || !timerStarted) {
            return;
        }
        long now = clock.millis();
        dropExpired(now);
        if (expiries.size() > PRUNE_EXPIRIES_ABOVE && expiries.size() > 2 * cursor.readyCount()) {
            expiries.retain(cursor::isReady); // most entries are of messages already delivered
        }
        deleteIfUnused(now);
    }

    /**
     * Drops what has expired at {@code now} — messages with TTLs of their own wherever they stand, then the expired
     * head — and arms the timer for the next expiry, as rabbit_amqqueue_process's drop_expired_msgs and
     * ensure_ttl_timer do. The head is read only when it is not the one the timer is already armed for, so a queue
     * taking a steady stream of messages with a TTL reads none of them here.
     */
    private void dropExpired(long now) {
        if (!limits.hasMessageTtl() && !sawMessageWithTtl) {
            return;
        }
        expiries.pollDue(now + 1, this::discardExpired); // due at or before now
        scheduleWake(expiries.nextDue(), now);
        long head = cursor.peek();
        if (head < 0 || head != checkedHead || now >= checkedHeadDue) {
            checkedHeadDue = limits.dropExpiredHead(cursor, readAhead, now, this::dispose);
            checkedHead = cursor.peek();
        }
        scheduleWake(checkedHeadDue, now);
    }

    /**
     * {@code x-expires}: asks the broker to delete the queue once it has been unused (no consumer, no polling get, no
     * declare) for longer than its expiry, or arms the timer for when it would be (RabbitMQ's ensure_expiry_timer).
     * A use after the timer was armed moves the expiry later: the wake-up finds the queue used and arms it again.
     */
    private void deleteIfUnused(long now) {
        long expires = expiresMillis;
        if (expires <= 0 || !timerStarted || state != State.RUNNING || consumers.size() > 0 || unusedReported) {
            return;
        }
        long due = lastUsed + expires + 1; // unused for longer than the expiry: see expired(long)
        if (due < lastUsed) {
            return;
        }
        if (now < due) {
            scheduleWake(due, now);
            return;
        }
        unusedReported = true; // once: should the deletion fail, the broker's tick tries again
        onUnused.apply(this);
    }

    /** Makes the returned messages whose retry delay is over ready again, and wakes for the next. */
    private void releaseDue() {
        if (state != State.RUNNING || waiting.size() == 0) {
            return;
        }
        long now = clock.millis();
        waiting.pollDue(now + 1, offset -> {
            long bodySize = cursor.release(offset);
            if (bodySize > 0) {
                limits.readied(bodySize);
            }
        });
        if (waiting.size() > 0) {
            scheduleWake(waiting.nextDue(), now);
        }
    }

    /**
     * Writes the delivery counts and waiting times changed since the last write, before the messages can go out again
     * or their publishers hear they are stored (a crash keeps them).
     */
    private void persistReturns() {
        if (cursorLog != null) {
            Map<Long, Returns.Entry> changed = returns.drainChanged();
            if (!changed.isEmpty() || cursorLog.hasUnwrittenTtlMark()) {
                cursorLog.writeDelta(noRanges, noRanges, handedOutWritten, changed);
            }
        }
    }

    /**
     * The message as a consumer gets it: where returns count and it came back before, with the {@code
     * x-delivery-count} header (the number of returns, as RabbitMQ's quorum queues give it).
     */
    private StoredMessage withDeliveryCount(StoredMessage m) {
        int count = countsReturns ? returns.count(m.offset()) : 0;
        if (count == 0) {
            return m;
        }
        PropertiesFormat format = host.propertiesFormat();
        Map<String, Object> headers =
                new LinkedHashMap<>(format.headers(m.properties().duplicate()));
        headers.put(DELIVERY_COUNT, (long) count);
        byte[] properties = format.withHeaders(m.properties().duplicate(), headers, false);
        return new StoredMessage(
                m.offset(),
                m.exchange(),
                m.routingKey(),
                m.persistent(),
                ByteBuffer.wrap(properties).asReadOnlyBuffer(),
                m.body(),
                m.enqueuedAt(),
                m.ttlMillis(),
                m.priority());
    }

    /** A consumer rejected an unacknowledged message without requeue: it goes, dead-lettered if the queue can. */
    private SharedCursor.Handout reject(long offset) {
        SharedCursor.Handout h = cursor.handout(offset);
        dispose(offset, null, DeadLetterReason.REJECTED);
        return h;
    }

    /**
     * Disposes of a message leaving the queue other than by an acknowledgement — rejected, expired, over a length
     * limit — wherever it stands (ready, taken, unacknowledged). With a dead-letter exchange a copy goes there and the
     * original is held, neither ready nor settled, until the copy is safe in the queues it reached (then settled: at
     * least once, a crash before brings it back); without one it is settled at once.
     *
     * @param m the message if already read, else null (read here when it is to be dead-lettered)
     */
    private void dispose(long offset, StoredMessage m, DeadLetterReason reason) {
        cursor.hold(offset);
        if (deadLetters == null) {
            cursor.settle(offset);
            return;
        }
        StoredMessage message = m;
        if (message == null) {
            try {
                message = readAhead.readOne(offset);
            } catch (StorageException | IllegalStateException e) {
                LOG.error("Queue {} cannot read the message at {} to dead-letter it: {}", name(), offset, e.toString());
            }
        }
        if (message == null) {
            cursor.settle(offset);
            return;
        }
        try {
            stats.onDeadLettered(reason);
            deadLetters.deadLetter(definition, message, reason, () -> executor.execute(() -> cursor.settle(offset)));
        } catch (RuntimeException e) {
            LOG.error("Queue {} failed to dead-letter the message at offset {}", name(), offset, e);
            cursor.settle(offset);
        }
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
                m = withDeliveryCount(m);
                markHandedOut(offset);
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
            dropExpired(clock.millis());
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
     * Checks that the queue may be deleted under these conditions.
     *
     * @return completes with the ready message count; fails with {@code PRECONDITION_FAILED} when in use or not empty
     */
    public CompletableFuture<Long> checkDeletable(boolean ifUnused, boolean ifEmpty) {
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
            return cursor.readyCount();
        });
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
            flushCursor(true);
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
            boolean appended = appendBatches(1);
            if (state == State.RUNNING) {
                dispatch();
            }
            return appended;
        }

        @Override
        public void afterRounds() {
            if (state == State.RUNNING) {
                flushCursor(false);
                trim();
            }
        }

        @Override
        public void afterRun() {
            publishCounters();
        }

        @Override
        public boolean hasQueuedWork() {
            return !inbox.isEmpty();
        }

        @Override
        public void onFailure(Throwable failure) {
            LOG.error("Queue {} in vhost {} failed a run", name(), definition.vhost(), failure);
        }
    }

    private void requireRunning() {
        if (state != State.RUNNING) {
            throw new BrokerException(
                    ErrorCode.NOT_FOUND, "no queue '" + name() + "' in vhost '" + definition.vhost() + "'");
        }
    }

    /** A pending publish whose key entered the window: once stored the key is kept, if it fails it leaves. */
    private Pending admitted(Pending p, String key) {
        EnqueueCallback callback = p.callback();
        return new Pending(p.message(), failure -> {
            if (failure == null) {
                dedupWindow.stored(key);
            } else {
                dedupWindow.failed(key);
            }
            callback.onEnqueued(failure);
        });
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
        return appendBatches(Integer.MAX_VALUE);
    }

    /** Appends up to {@code batches} batches from the inbox; returns whether there was anything. */
    private boolean appendBatches(int batches) {
        boolean any = false;
        for (int appended = 0; appended < batches && !inbox.isEmpty(); appended++) {
            any = true;
            List<Pending> batch = new ArrayList<>();
            RecordBatchBuilder builder = new RecordBatchBuilder();
            long now = clock.millis();
            long batchBodyBytes = 0;
            Pending p;
            while (batch.size() < MAX_BATCH_MESSAGES
                    && builder.sizeInBytes() < MAX_BATCH_BYTES
                    && (p = inbox.poll()) != null) {
                String dedupKey = null;
                if (dedup != null && state == State.RUNNING) {
                    dedupKey = dedup.key(p.message(), host.propertiesFormat());
                    if (dedupKey != null && !dedupWindow.admit(dedupKey)) {
                        p.callback().onEnqueued(null); // a duplicate: taken, and dropped
                        continue;
                    }
                    if (dedupKey != null) {
                        p = admitted(p, dedupKey);
                    }
                }
                if (state == State.RUNNING && limits.refusesPublish(cursor, batch.size(), batchBodyBytes)) {
                    if (dedupKey != null) {
                        dedupWindow.failed(dedupKey);
                    }
                    p.callback().onEnqueued(limits.full(this));
                    if (limits.deadLettersRefused() && deadLetters != null) {
                        // x-overflow reject-publish-dlx: refused, and dead-lettered as RabbitMQ does (never stored
                        // here)
                        deadLetters.deadLetter(
                                definition,
                                MessageCodec.stored(p.message(), -1, now),
                                DeadLetterReason.MAXLEN,
                                () -> {});
                    }
                    continue;
                }
                batchBodyBytes += p.message().body().length;
                batch.add(p);
                MessageCodec.add(builder, p.message(), now, nameHeaders);
            }
            if (batch.isEmpty()) {
                continue; // every message was refused: nothing to append
            }
            switch (state) {
                case RUNNING -> append(batch, builder, now);
                // a queue deleted after routing drops the message, as RabbitMQ does; one closed with the broker
                // did not store it, so its publisher must not be told otherwise
                case DELETED -> batch.forEach(pending -> pending.callback().onEnqueued(null));
                case CLOSED -> {
                    BrokerException closed = new BrokerException(ErrorCode.CLOSED, this + " is closed");
                    batch.forEach(pending -> pending.callback().onEnqueued(closed));
                }
            }
        }
        return any;
    }

    private void append(List<Pending> batch, RecordBatchBuilder builder, long now) {
        AppendResult result;
        try {
            result = log.append(builder.build(APPEND_BUFFER.get()));
        } catch (StorageException e) {
            BrokerException failure = storageFailure(e);
            batch.forEach(pending -> pending.callback().onEnqueued(failure));
            return;
        }
        cursor.appended(result.lastOffset() + 1);
        freshFrom = Math.min(freshFrom, result.firstOffset());
        stats.onPublished(batch.size());
        long appendedOffset = result.firstOffset();
        for (Pending pending : batch) {
            limits.readied(pending.message().body().length);
            if (cursor.hasPriorities()) {
                cursor.enqueue(appendedOffset++, pending.message().priority());
            }
        }
        limits.dropHeadOverLimit(cursor, this::read, this::dispose, deadLetters != null);
        publishCounters();
        long offset = result.firstOffset();
        List<Pending> awaitingSync = null;
        List<Pending> taken = null;
        for (Pending pending : batch) {
            if (persistent && pending.message().persistent()) {
                if (awaitingSync == null) {
                    awaitingSync = new ArrayList<>();
                }
                awaitingSync.add(pending);
            } else {
                if (persistent) {
                    transientLive.add(offset);
                    transientSinceFlush.add(offset);
                }
                if (taken == null) {
                    taken = new ArrayList<>();
                }
                taken.add(pending);
            }
            if (pending.message().ttlMillis() != Message.NO_TTL) {
                sawMessageWithTtl = true; // the broker's timer now looks at this queue
                if (cursorLog != null) {
                    cursorLog.ttlMessagesFrom(offset); // a restart reads from here to find them again
                }
                expiries.add(limits.dueAt(now, pending.message().ttlMillis()), offset);
            }
            if (!cursor.hasPriorities()) {
                // a priority queue reads its messages back one by one in priority order: a run would never be taken
                readAhead.offerAppended(MessageCodec.stored(pending.message(), offset, now), cursor.streamPosition());
            }
            long notBefore = notBefore(pending.message());
            if (notBefore > now) {
                holdUntil(offset, notBefore, now);
                limits.unreadied(pending.message().body().length);
            }
            offset++;
        }
        persistReturns(); // the times x-not-before messages wait, before their publishers hear they are stored
        if (!transientSinceFlush.isEmpty()) {
            // right behind the append, not at the end of the run: a process killed in between would let transient
            // messages of a durable queue survive the restart (and every later one)
            cursorLog.writeDelta(noRanges, transientSinceFlush, handedOutWritten);
            transientSinceFlush.clear();
        }
        if (taken != null) {
            taken.forEach(pending -> pending.callback().onEnqueued(null));
        }
        if (awaitingSync != null) {
            List<Pending> durable = awaitingSync;
            result.durable()
                    .whenCompleteAsync(
                            (ok, e) -> {
                                BrokerException failure = e == null ? null : storageFailure(e);
                                durable.forEach(pending -> pending.callback().onEnqueued(failure));
                            },
                            pool);
        }
    }

    /**
     * Whether the broker's timer must look at this queue: it has an {@code x-message-ttl}, messages with TTLs of their
     * own were appended since the broker started (older ones, after a restart, are dropped when taken), or messages
     * wait for a time (retry back-off, {@code x-not-before}; the queue's own timer acts on time, this is a safety net).
     */
    public boolean hasMessageTtl() {
        return limits.hasMessageTtl() || sawMessageWithTtl || retry != null || sawNotBefore;
    }

    /**
     * Drops the messages that have expired, with or without consumers: what the queue's timer does on time, for the
     * broker's tick, a safety net. Any thread.
     */
    public void expireMessages() {
        executor.execute(this::onTimer);
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

    /**
     * After a restart: the ready messages with a TTL of their own, appended at or after {@code from}, go back into the
     * index that drops them when they expire wherever they stand (one read of that part of the log).
     */
    private void findTtlMessages(long from) {
        sawMessageWithTtl = true;
        try {
            forEachReadyRecord(Math.max(from, cursor.streamPosition()), r -> {
                long ttl = MessageCodec.ttl(r);
                if (ttl != Message.NO_TTL) {
                    expiries.add(limits.dueAt(r.timestamp(), ttl), r.offset());
                }
            });
        } catch (StorageException | IllegalStateException e) {
            LOG.warn(
                    "Queue {} could not find its messages with TTLs; they expire at the head: {}",
                    name(),
                    e.getMessage());
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

    /** Takes an expired message out of the ready set wherever it stands (with its bytes, under a byte limit). */
    private void discardExpired(long offset) {
        if (!cursor.isReady(offset)) {
            return;
        }
        StoredMessage m = null;
        if (limits.tracksBytes() || deadLetters != null) {
            try {
                m = readAhead.readOne(offset);
            } catch (StorageException | IllegalStateException e) {
                return; // the delivery path reports and skips an unreadable message
            }
            if (m == null) {
                return;
            }
            limits.unreadied(m.body().remaining());
        }
        dispose(offset, m, DeadLetterReason.EXPIRED);
    }

    /** Disposes of a taken message instead of delivering it when it is older than its TTL. */
    private boolean dropIfExpired(StoredMessage m, long now) {
        if (limits.expired(m, now)) {
            dispose(m.offset(), m, DeadLetterReason.EXPIRED);
            return true;
        }
        return false;
    }

    private static BrokerException storageFailure(Throwable e) {
        Throwable cause =
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return new BrokerException(ErrorCode.STORAGE_FAILED, "message not stored: " + cause.getMessage(), cause);
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
            dropExpired(now); // and arms the timer for a new head
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
            m = withDeliveryCount(m);
            markHandedOut(offset);
            if (consumer.autoAck()) {
                cursor.settle(offset);
            } else {
                cursor.handedOut(offset, consumer, m.size(), m.body().remaining());
                consumer.spend(m.size());
            }
            stats.onDelivered(redelivered, now - m.enqueuedAt());
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

    /**
     * Makes the cursor log say that {@code offset} was handed out before it goes out: after a crash that follows the
     * hand-over, the message must come back flagged redelivered (DESIGN.md), so this cannot wait for the lazy flush at
     * the end of the run. One mark covers the next {@value #HANDOUT_MARK_AHEAD} offsets (within the log), to keep the
     * writes few; after a crash the few of those not handed out yet come back flagged too, which the flag allows (it
     * means "may have been delivered before"). Written like the rest of the cursor log: without fsync.
     */
    private void markHandedOut(long offset) {
        if (cursorLog == null || offset < handedOutWritten) {
            return;
        }
        long mark = Math.min(cursor.end(), offset + HANDOUT_MARK_AHEAD);
        cursorLog.writeDelta(noRanges, noRanges, mark);
        handedOutWritten = mark;
    }

    private void flushCursor(boolean snapshot) {
        if (cursorLog == null) {
            cursor.drainSettledSinceFlush(settledScratch);
            settledScratch.clear();
            return;
        }
        long handedOut = cursor.handedOutBelow();
        cursor.drainSettledSinceFlush(settledScratch);
        // a snapshot writes the settled set, which counts held messages (being dead-lettered) as settled: it waits
        returns.prune(cursor::isSettled);
        Map<Long, Returns.Entry> changed = returns.drainChanged();
        boolean snapshotWritten = false;
        if ((snapshot || cursorLog.snapshotDue()) && cursor.heldCount() == 0) {
            transientLive.removeBelow(cursor.lowWatermark());
            snapshotWritten = cursorLog.writeSnapshot(
                    cursor.settled(), transientLive, Math.max(handedOut, handedOutWritten), returns.all());
        }
        // without a snapshot (none due, or one too large for an entry) the changes go as a delta, or they would be lost
        if (!snapshotWritten
                && (!settledScratch.isEmpty()
                        || !transientSinceFlush.isEmpty()
                        || handedOut > handedOutWritten
                        || !changed.isEmpty())) {
            cursorLog.writeDelta(settledScratch, transientSinceFlush, Math.max(handedOut, handedOutWritten), changed);
        }
        settledScratch.clear();
        transientSinceFlush.clear();
        handedOutWritten = Math.max(handedOut, handedOutWritten); // never below a mark written ahead
    }

    /** Deletes log segments every message of which is settled. */
    private void trim() {
        long low = cursor.lowWatermark();
        if (low - trimmedAt < TRIM_EVERY_OFFSETS) {
            return;
        }
        try {
            if (log.deleteSegmentsBelow(low) > 0) {
                cursor.logStartMovedTo(log.startOffset());
                transientLive.removeBelow(log.startOffset());
            }
            trimmedAt = low;
        } catch (StorageException e) {
            LOG.warn("Queue {} could not delete settled segments: {}", name(), e.getMessage());
        }
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
