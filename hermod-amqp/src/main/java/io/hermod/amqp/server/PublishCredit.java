package io.hermod.amqp.server;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publisher flow control for one connection, in the spirit of RabbitMQ's credit flow: the messages a connection has
 * handed to the broker and the broker has not yet taken (appended by every target queue, and fsynced where the
 * message is persistent) are bounded by count, by bytes and by queue entries (each message counted once per queue it
 * reached, since it waits in every one's inbox). Past any bound the connection stops reading from its
 * socket — TCP pushes back on the publisher — and it reads again once the broker has taken the backlog down to half.
 * Without this a publisher that outruns its queues piles messages on the heap faster than they are stored.
 *
 * <p>Threading: {@link #publish} runs on the connection's event loop; {@link #taken} on any thread (queue threads
 * complete publishes). {@code taken} answers {@code true} once per pause, when the connection may read again; the
 * resume itself runs later on the event loop, which reads again only if no publish has paused it meanwhile
 * ({@link #paused()}).
 */
final class PublishCredit {

    private final long maxMessages;
    private final long maxBytes;
    private final long maxEntries;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong entries = new AtomicLong();
    private final AtomicBoolean paused = new AtomicBoolean();

    /**
     * @param maxMessages messages in flight that pause reading
     * @param maxBytes body bytes in flight that pause reading
     * @param maxEntries queue entries in flight (messages times the queues each reached) that pause reading
     */
    PublishCredit(long maxMessages, long maxBytes, long maxEntries) {
        if (maxMessages < 1 || maxBytes < 1 || maxEntries < 1) {
            throw new IllegalArgumentException(
                    "bounds must be >= 1: " + maxMessages + ", " + maxBytes + ", " + maxEntries);
        }
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /**
     * A message of {@code size} bytes was handed to the broker, which routed it to {@code queues} queues (event loop).
     *
     * @return whether this publish crossed a bound, so the connection must stop reading now
     */
    boolean publish(long size, int queues) {
        long m = messages.incrementAndGet();
        long b = bytes.addAndGet(size);
        long e = entries.addAndGet(weight(queues));
        if ((m >= maxMessages || b >= maxBytes || e >= maxEntries) && paused.compareAndSet(false, true)) {
            // the broker may have taken everything between the count and the pause, with no take left to resume
            return !(belowHalf() && paused.compareAndSet(true, false));
        }
        return false;
    }

    /**
     * The broker took a message {@link #publish} counted with the same size and queues (any thread).
     *
     * @return whether this take ended a pause (the backlog is down to half), so the connection may read again
     */
    boolean taken(long size, int queues) {
        messages.decrementAndGet();
        bytes.addAndGet(-size);
        entries.addAndGet(-weight(queues));
        return paused.get() && belowHalf() && paused.compareAndSet(true, false);
    }

    /** An unroutable message still cost the broker a routing: it counts as one entry. */
    private static long weight(int queues) {
        return Math.max(1, queues);
    }

    private boolean belowHalf() {
        return messages.get() <= maxMessages / 2 && bytes.get() <= maxBytes / 2 && entries.get() <= maxEntries / 2;
    }

    /** Whether reading is paused. */
    boolean paused() {
        return paused.get();
    }

    /** Messages handed to the broker and not yet taken. */
    long inFlight() {
        return messages.get();
    }
}
