package io.hermod.broker.queue;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.storage.StorageException;

/**
 * What a queue's arguments limit about its ready messages, and how the queue enforces it: {@code x-max-length} and
 * {@code x-max-length-bytes} (the ready messages' body bytes, as RabbitMQ counts them) with their overflow behaviour
 * (drop-head drops the oldest, reject-publish refuses the publish, reject-publish-dlx refuses and dead-letters it) and
 * {@code x-message-ttl} with the messages' own TTLs (a message whose shorter TTL has run out since its append is
 * dropped, never delivered).
 * Ready messages count, as in RabbitMQ, not the unacknowledged ones. What goes is handed to the queue's {@link
 * Disposer}, which dead-letters it when the queue has a dead-letter exchange.
 *
 * <p>Under a byte limit it keeps the ready bytes, which the queue reports as messages become ready ({@link
 * #readied}) and stop being ready ({@link #unreadied}); at start the queue counts them from its log.
 *
 * <p>Not thread-safe: used by its queue on the queue's executor, with the queue's cursor and read-ahead.
 */
final class QueueLimits {

    /** Reads a message the cursor has just taken (null, and settled, when it cannot be read). */
    interface Reader {
        StoredMessage read(long offset, boolean requeued);
    }

    /** Gets rid of a message taken from the ready set (dead-letters or settles it); {@code m} null when not read. */
    interface Disposer {
        void dispose(long offset, StoredMessage m, DeadLetterReason reason);
    }

    private final long maxLength;
    private final long maxLengthBytes;
    private final boolean rejectOverLimit;
    private long readyBytes;
    private final String overflow;
    private final boolean deadLettersRefused;
    private final long messageTtl;

    QueueLimits(QueueArguments arguments) {
        this.maxLength = arguments.maxLength();
        this.maxLengthBytes = arguments.maxLengthBytes();
        this.rejectOverLimit = arguments.overflow() != QueueArguments.Overflow.DROP_HEAD;
        this.overflow = arguments.overflow().argument();
        this.deadLettersRefused = arguments.overflow() == QueueArguments.Overflow.REJECT_PUBLISH_DLX;
        this.messageTtl = arguments.messageTtl();
    }

    /** Whether the queue counts its ready bytes: it has {@code x-max-length-bytes}. */
    boolean tracksBytes() {
        return maxLengthBytes != QueueArguments.NONE;
    }

    /** The body bytes of the ready messages, under a byte limit. */
    long readyBytes() {
        return readyBytes;
    }

    /** A message of {@code bodyBytes} became ready: appended or requeued. */
    void readied(long bodyBytes) {
        if (tracksBytes()) {
            readyBytes += bodyBytes;
        }
    }

    /** A ready message of {@code bodyBytes} stopped being ready: taken, dropped or expired. */
    void unreadied(long bodyBytes) {
        if (tracksBytes()) {
            readyBytes = Math.max(0, readyBytes - bodyBytes);
        }
    }

    /** Every ready message went (a purge). */
    void emptied() {
        readyBytes = 0;
    }

    /**
     * Whether a publish must be refused: the queue refuses over its limits and is full, counting the {@code pending}
     * messages and {@code pendingBytes} body bytes accepted before it in the same batch. As in RabbitMQ, a queue is
     * full at its limit, so the last message accepted may take its bytes past {@code x-max-length-bytes}.
     */
    boolean refusesPublish(SharedCursor cursor, int pending, long pendingBytes) {
        return rejectOverLimit
                && (maxLength != QueueArguments.NONE && cursor.readyCount() + pending >= maxLength
                        || tracksBytes() && readyBytes + pendingBytes >= maxLengthBytes);
    }

    /** Whether a publish refused over the limits is dead-lettered ({@code reject-publish-dlx}). */
    boolean deadLettersRefused() {
        return deadLettersRefused;
    }

    /** What the publisher of a refused message hears (a negative confirm in AMQP). */
    BrokerException full(Object queue) {
        String limits = (maxLength != QueueArguments.NONE ? "x-max-length " + maxLength + ", " : "")
                + (tracksBytes() ? "x-max-length-bytes " + maxLengthBytes + ", " : "");
        return new BrokerException(ErrorCode.RESOURCE_ERROR, queue + " is full: " + limits + "x-overflow " + overflow);
    }

    /**
     * With drop-head (RabbitMQ's default overflow), the oldest ready messages go while there are more than {@code
     * x-max-length} or more body bytes than {@code x-max-length-bytes}: the queue calls this after an append and
     * after a requeue, as rabbit_amqqueue_process does. Each dropped message is read when its size counts (a byte
     * limit) or {@code readDropped} (it is to be dead-lettered), and goes to {@code disposer} with reason maxlen.
     */
    void dropHeadOverLimit(SharedCursor cursor, Reader reader, Disposer disposer, boolean readDropped) {
        if (rejectOverLimit) {
            return;
        }
        while (maxLength != QueueArguments.NONE && cursor.readyCount() > maxLength
                || tracksBytes() && readyBytes > maxLengthBytes && cursor.hasReady()) {
            boolean requeued = cursor.nextIsRequeued();
            long offset = cursor.take();
            if (offset < 0) {
                return;
            }
            StoredMessage m = null;
            if (tracksBytes() || readDropped) {
                m = reader.read(offset, requeued);
                if (m == null) {
                    continue; // unreadable: the reader settled it
                }
                unreadied(m.body().remaining());
            }
            disposer.dispose(offset, m, DeadLetterReason.MAXLEN);
        }
        if (tracksBytes() && !cursor.hasReady()) {
            readyBytes = 0; // nothing ready: whatever an unreadable message left in the count is gone too
        }
    }

    boolean hasMessageTtl() {
        return messageTtl != QueueArguments.NONE;
    }

    /**
     * Whether a message has expired at {@code now}: its expiry ({@link #dueAt(StoredMessage)}) has come, as
     * rabbit_amqqueue_process:drop_expired_msgs decides it ({@code Now >= Expiry}). So a message with a TTL of 0 has
     * expired as soon as it stands in the queue: it lives only if a consumer takes it as it arrives.
     */
    boolean expired(StoredMessage m, long now) {
        return now >= dueAt(m);
    }

    /**
     * When a message expires: its append plus the TTL that applies to it (the queue's or its own, whichever is
     * shorter); {@link Long#MAX_VALUE} without one. A requeued message keeps it.
     */
    long dueAt(StoredMessage m) {
        long ttl = ttl(m.ttlMillis());
        return ttl == QueueArguments.NONE ? Long.MAX_VALUE : plus(m.enqueuedAt(), ttl);
    }

    /** When a message with a TTL of its own, appended at {@code enqueuedAt}, expires (see {@link #expired}). */
    long dueAt(long enqueuedAt, long ownTtl) {
        return plus(enqueuedAt, ttl(ownTtl));
    }

    /** A time plus a TTL; an expiry beyond the end of time is none. */
    private static long plus(long time, long ttl) {
        long due = time + ttl;
        return due < time ? Long.MAX_VALUE : due;
    }

    /** The TTL that applies to a message: the queue's or its own, whichever is shorter; NONE for none. */
    private long ttl(long ownTtl) {
        if (ownTtl == io.hermod.broker.Message.NO_TTL) {
            return messageTtl;
        }
        return hasMessageTtl() ? Math.min(messageTtl, ownTtl) : ownTtl;
    }

    /**
     * Drops the expired messages at the head and returns when the message left at the head expires ({@link
     * Long#MAX_VALUE} when there is none, it has no TTL or cannot be read): the queue arms its timer for then, as
     * rabbit_amqqueue_process:ensure_ttl_timer does. With one TTL for the whole queue the oldest messages expire
     * first, and requeued messages, which keep their age, are the head: so those expired are all at the head, as in
     * RabbitMQ. A message with a TTL of its own shorter than those ahead of it is not found here; the queue's {@link
     * DueIndex} of such messages takes it out wherever it stands.
     */
    long dropExpiredHead(SharedCursor cursor, ReadAhead readAhead, long now, Disposer disposer) {
        for (long offset = cursor.peek(); offset >= 0; offset = cursor.peek()) {
            StoredMessage head;
            try {
                head = cursor.nextIsRequeued() ? readAhead.readOne(offset) : readAhead.peek(offset);
            } catch (StorageException | IllegalStateException e) {
                return Long.MAX_VALUE; // the delivery path reports and skips an unreadable message
            }
            if (head == null) {
                return Long.MAX_VALUE;
            }
            if (!expired(head, now)) {
                return dueAt(head);
            }
            unreadied(head.body().remaining());
            cursor.take();
            disposer.dispose(offset, head, DeadLetterReason.EXPIRED);
        }
        return Long.MAX_VALUE;
    }
}
