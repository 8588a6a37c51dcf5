package io.hermod.broker.queue;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.storage.StorageException;

/**
 * What a queue's arguments limit about its ready messages, and how the queue enforces it: {@code x-max-length} with
 * its overflow behaviour (drop-head drops the oldest, reject-publish refuses the publish; reject-publish-dlx refuses
 * alike until queues can dead-letter) and {@code x-message-ttl} with the messages' own TTLs (a message older than the
 * shorter is dropped, never delivered). Ready messages count, as in RabbitMQ, not the unacknowledged ones.
 *
 * <p>Not thread-safe: used by its queue on the queue's executor, with the queue's cursor and read-ahead.
 */
final class QueueLimits {

    private final long maxLength;
    private final boolean rejectOverLimit;
    private final String overflow;
    private final long messageTtl;

    QueueLimits(QueueArguments arguments) {
        this.maxLength = arguments.maxLength();
        this.rejectOverLimit = arguments.overflow() != QueueArguments.Overflow.DROP_HEAD;
        this.overflow = arguments.overflow().argument();
        this.messageTtl = arguments.messageTtl();
    }

    /** Whether a publish must be refused: the queue refuses over its limit and has no room beside {@code pending}. */
    boolean refusesPublish(SharedCursor cursor, int pending) {
        return rejectOverLimit && maxLength != QueueArguments.NONE && cursor.readyCount() + pending >= maxLength;
    }

    /** What the publisher of a refused message hears (a negative confirm in AMQP). */
    BrokerException full(Object queue) {
        return new BrokerException(
                ErrorCode.RESOURCE_ERROR, queue + " is full: x-max-length " + maxLength + ", x-overflow " + overflow);
    }

    /**
     * With drop-head (RabbitMQ's default overflow), the oldest ready messages go while there are more than {@code
     * x-max-length}: the queue calls this after an append and after a requeue, as rabbit_amqqueue_process does.
     */
    void dropHeadOverLimit(SharedCursor cursor) {
        if (rejectOverLimit || maxLength == QueueArguments.NONE) {
            return;
        }
        while (cursor.readyCount() > maxLength) {
            long offset = cursor.take();
            if (offset < 0) {
                return;
            }
            cursor.settle(offset);
        }
    }

    boolean hasMessageTtl() {
        return messageTtl != QueueArguments.NONE;
    }

    /**
     * Whether a message is older than its TTL at {@code now}: the queue's or its own, whichever is shorter (its age
     * counts from its append).
     */
    boolean expired(StoredMessage m, long now) {
        long ttl = ttl(m.ttlMillis());
        return ttl != QueueArguments.NONE && now - m.enqueuedAt() > ttl;
    }

    /**
     * When a message with a TTL of its own, appended at {@code enqueuedAt}, expires: it is expired from the first
     * millisecond after that.
     */
    long dueAt(long enqueuedAt, long ownTtl) {
        return enqueuedAt + ttl(ownTtl);
    }

    /** The TTL that applies to a message: the queue's or its own, whichever is shorter; NONE for none. */
    private long ttl(long ownTtl) {
        if (ownTtl == io.hermod.broker.Message.NO_TTL) {
            return messageTtl;
        }
        return hasMessageTtl() ? Math.min(messageTtl, ownTtl) : ownTtl;
    }

    /**
     * Drops the expired messages at the head. With one TTL for the whole queue the oldest messages expire first, and
     * requeued messages, which keep their age, are the head: so those expired are all at the head, as in RabbitMQ.
     * A message with a TTL of its own shorter than those ahead of it waits until it is at the head or taken for
     * delivery, which skips it (RabbitMQ does the same).
     */
    void dropExpiredHead(SharedCursor cursor, ReadAhead readAhead, long now) {
        for (long offset = cursor.peek(); offset >= 0; offset = cursor.peek()) {
            StoredMessage head;
            try {
                head = cursor.nextIsRequeued() ? readAhead.readOne(offset) : readAhead.peek(offset);
            } catch (StorageException | IllegalStateException e) {
                return; // the delivery path reports and skips an unreadable message
            }
            if (head == null || !expired(head, now)) {
                return;
            }
            cursor.take();
            cursor.settle(offset);
        }
    }
}
