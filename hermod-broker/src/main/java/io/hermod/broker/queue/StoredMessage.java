package io.hermod.broker.queue;

import java.nio.ByteBuffer;

/**
 * One message as a queue holds it between reading it from its log (or keeping it from the append) and handing it to a
 * consumer. The buffers are read-only views; {@code body} may share memory with the batch it was read from.
 *
 * @param enqueuedAt when the queue appended it, in the broker clock's milliseconds (the record's timestamp)
 * @param ttlMillis its own time to live, from its append ({@link io.hermod.broker.Message#NO_TTL}: none)
 * @param priority its priority as published, 0 to 255 (what a copy of it, dead-lettered, must keep)
 */
public record StoredMessage(
        long offset,
        String exchange,
        String routingKey,
        boolean persistent,
        ByteBuffer properties,
        ByteBuffer body,
        long enqueuedAt,
        long ttlMillis,
        int priority) {

    /**
     * What holding one message costs the heap besides its bytes: this record, its two buffer views and, for one read
     * from the log, its exchange and routing key. Small messages are mostly this.
     */
    static final int HEAP_OVERHEAD = 192;

    /** The bytes of its properties and body, for prefetch accounting ({@code prefetch_size}). */
    public int size() {
        return body.remaining() + properties.remaining();
    }

    /** What a queue holding it costs the heap, for the message cache's budget: empty messages are not free. */
    int heapBytes() {
        return size() + HEAP_OVERHEAD;
    }
}
