package io.hermod.broker.queue;

import io.hermod.broker.Message;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Record;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time-driven part of a {@link Queue}: its one timer and what the queue does when it wakes — releases the messages
 * held until a time (returned ones waiting out a retry delay, those published with {@code x-not-before}), drops the
 * expired ones (the head past {@code x-message-ttl}, and messages with TTLs of their own wherever they stand), and asks
 * for the queue's deletion once it has been unused for longer than {@code x-expires}. The queue owns one and calls it;
 * it calls back through {@link Owner} for what stays the queue's: its state, limits and use, and drops messages
 * through its {@link DeadLettering}.
 *
 * <p>Threading: owned by the queue's serial executor, like the rest of the queue's state: every method is called there
 * (or by the queue's constructor, before the queue is shared), and the timer's wake-ups run there too. The two flags
 * behind {@link Queue#hasMessageTtl()} are volatile: written there, read by the broker's tick on its own thread.
 */
final class QueueTimers {

    // logs under the queue's name, as when this was part of Queue
    private static final Logger LOG = LoggerFactory.getLogger(Queue.class);
    private static final int PRUNE_EXPIRIES_ABOVE = 4096;

    /** What the timers need of their queue; called on the queue's executor. */
    interface Owner {

        /** Whether the queue is running: not deleted, not closed. */
        boolean running();

        /** The limits the queue runs with now (a policy may replace them). */
        QueueLimits limits();

        /** Calls {@code action} with each record of a ready message on the stream from {@code start}, in order. */
        void forEachReadyRecord(long start, Consumer<Record> action);

        /** The queue's {@code x-expires} in milliseconds; {@link QueueArguments#NONE} for never. */
        long expiresMillis();

        /** When the queue was last used (a consumer, a polling get, a declare), for {@code x-expires}. */
        long lastUsed();

        /** Whether the queue has consumers now: then it is in use. */
        boolean hasConsumers();

        /** The queue stayed unused for longer than its {@code x-expires}: it asks the broker to delete it. */
        void onUnused();
    }

    private final String queueName;
    private final InstantSource clock;
    private final QueueHost host; // null for tests' queues
    private final SerialExecutor executor;
    private final SharedCursor cursor;
    private final ReadAhead readAhead;
    private final Returns returns;
    private final DeadLettering deadLettering;
    private final Owner queue;

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
    private boolean unusedReported; // x-expires: the queue asked to be deleted

    QueueTimers(
            String queueName,
            InstantSource clock,
            QueueHost host,
            SerialExecutor executor,
            SharedCursor cursor,
            ReadAhead readAhead,
            Returns returns,
            DeadLettering deadLettering,
            Owner queue) {
        this.queueName = queueName;
        this.clock = clock;
        this.host = host;
        this.executor = executor;
        this.cursor = cursor;
        this.readAhead = readAhead;
        this.returns = returns;
        this.deadLettering = deadLettering;
        this.queue = queue;
    }

    /** Whether a message with a TTL of its own was appended (or found at start) since the broker started. Any thread. */
    boolean sawMessageWithTtl() {
        return sawMessageWithTtl;
    }

    /** Whether a message held until a time with {@code x-not-before} was appended since the start. Any thread. */
    boolean sawNotBefore() {
        return sawNotBefore;
    }

    /**
     * Takes back the delivery counts and the times before which messages wait (retry delays, {@code x-not-before}) of
     * the messages not settled; those still waiting wait on.
     */
    void recoverReturns(Map<Long, Returns.Entry> recovered) {
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
     * After a restart: the ready messages with a TTL of their own, appended at or after {@code from}, go back into the
     * index that drops them when they expire wherever they stand (one read of that part of the log).
     */
    void findTtlMessages(long from) {
        sawMessageWithTtl = true;
        QueueLimits limits = queue.limits();
        try {
            queue.forEachReadyRecord(Math.max(from, cursor.streamPosition()), r -> {
                long ttl = MessageCodec.ttl(r);
                if (ttl != Message.NO_TTL) {
                    expiries.add(limits.dueAt(r.timestamp(), ttl), r.offset());
                }
            });
        } catch (StorageException | IllegalStateException e) {
            LOG.warn(
                    "Queue {} could not find its messages with TTLs; they expire at the head: {}",
                    queueName,
                    e.getMessage());
        }
    }

    /**
     * A message with a TTL of its own was appended at {@code offset}: it is dropped at {@code due} wherever it stands,
     * and the broker's timer now looks at this queue.
     */
    void expiresAt(long offset, long due) {
        sawMessageWithTtl = true;
        expiries.add(due, offset);
    }

    /**
     * The time before which a message must not be delivered: its {@code x-not-before} header, in milliseconds since
     * the epoch (an integer) or an AMQP timestamp (seconds); 0 for none or a value of another type.
     */
    static long notBefore(Message m) {
        if (m.headers().isEmpty()) {
            return 0;
        }
        return switch (m.headers().get(Queue.NOT_BEFORE)) {
            case Long l -> l;
            case Integer i -> i;
            case Instant t -> t.toEpochMilli();
            case null, default -> 0;
        };
    }

    /** Holds a just-appended message out of the ready set until {@code notBefore} ({@code x-not-before}). */
    void holdUntil(long offset, long notBefore, long now) {
        sawNotBefore = true;
        returns.waitUntil(offset, notBefore);
        holdFor(offset, notBefore, now);
    }

    /** Holds a message out of the ready set until {@code due} (a retry delay, {@code x-not-before}). */
    void holdFor(long offset, long due, long now) {
        cursor.hold(offset);
        waiting.add(due, offset);
        scheduleWake(due, now);
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
     * says so (see {@link Queue#startTimer()}).
     */
    void start() {
        timerStarted = true;
        onTimer();
    }

    /** The queue's arguments changed: the TTL may have changed, and with it the head's expiry. */
    void reconfigured() {
        checkedHead = -1;
        onTimer();
    }

    /**
     * What the timer does when it wakes the queue, and the broker's once-a-second tick as a safety net: releases the
     * messages whose wait is over, drops those expired, deletes the queue when unused for longer than {@code
     * x-expires}, and arms the timer for the next of these.
     */
    void onTimer() {
        releaseDue(); // before expiring: a message released from a retry delay may be past its TTL
        if (!queue.running() || !timerStarted) {
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
    void dropExpired(long now) {
        QueueLimits limits = queue.limits();
        if (!limits.hasMessageTtl() && !sawMessageWithTtl) {
            return;
        }
        expiries.pollDue(now + 1, this::discardExpired); // due at or before now
        scheduleWake(expiries.nextDue(), now);
        long head = cursor.peek();
        if (head < 0 || head != checkedHead || now >= checkedHeadDue) {
            checkedHeadDue = limits.dropExpiredHead(cursor, readAhead, now, deadLettering);
            checkedHead = cursor.peek();
        }
        scheduleWake(checkedHeadDue, now);
    }

    /**
     * {@code x-expires}: asks the broker to delete the queue once it has been unused (no consumer, no polling get, no
     * declare) for longer than its expiry, or arms the timer for when it would be (RabbitMQ's ensure_expiry_timer).
     * A use after the timer was armed moves the expiry later: the wake-up finds the queue used and arms it again.
     */
    void deleteIfUnused(long now) {
        long expires = queue.expiresMillis();
        if (expires <= 0 || !timerStarted || !queue.running() || queue.hasConsumers() || unusedReported) {
            return;
        }
        long lastUsed = queue.lastUsed();
        long due = lastUsed + expires + 1; // unused for longer than the expiry: see Queue.expired(long)
        if (due < lastUsed) {
            return;
        }
        if (now < due) {
            scheduleWake(due, now);
            return;
        }
        unusedReported = true; // once: should the deletion fail, the broker's tick tries again
        queue.onUnused();
    }

    /** Makes the returned messages whose retry delay is over ready again, and wakes for the next. */
    private void releaseDue() {
        if (!queue.running() || waiting.size() == 0) {
            return;
        }
        long now = clock.millis();
        QueueLimits limits = queue.limits();
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

    /** Takes an expired message out of the ready set wherever it stands (with its bytes, under a byte limit). */
    private void discardExpired(long offset) {
        if (!cursor.isReady(offset)) {
            return;
        }
        QueueLimits limits = queue.limits();
        StoredMessage m = null;
        if (limits.tracksBytes() || deadLettering.enabled()) {
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
        deadLettering.dispose(offset, m, DeadLetterReason.EXPIRED);
    }
}
