package io.hermod.broker;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publisher flow control for one publisher (an AMQP connection, an embedded session), in the spirit of RabbitMQ's
 * credit flow: the messages it has handed to the broker and the broker has not yet taken (appended by every target
 * queue, and fsynced where the message is persistent) are bounded by count, by bytes and by queue entries (each message
 * counted once per queue it reached, since it waits in every one's inbox). Past any bound the publisher is paused — an
 * AMQP connection stops reading from its socket and TCP pushes back; an embedded publisher's thread waits — and it goes
 * on once the broker has taken the backlog down to half. Without this a publisher that outruns its queues piles
 * messages on the heap faster than they are stored.
 *
 * <p>Threading: {@link #publish} runs on the publisher's own thread (an event loop, an application thread); {@link
 * #taken} on any thread (queue threads complete publishes). {@code taken} answers {@code true} once per pause, when
 * the publisher may go on; a resume that runs later must check {@link #paused()}, since a publish may have paused it
 * again meanwhile.
 */
public final class PublishCredit {

    /**
     * Messages in flight that pause a publisher. Small, as RabbitMQ's credit flow (400 messages per channel and
     * queue): what a publisher has in flight waits in its queues' inboxes, on the heap and ahead of every later
     * message. With 4,096 messages and 16 MiB, ten publishers that outran their queues kept 40,000 messages waiting
     * there: ~0.7 s of latency at saturation and a full collection every second; with 256 and 1 MiB, 30 ms and none,
     * at the same throughput (hermod-bench/README.md).
     */
    public static final long MESSAGES = 256;

    /** Body bytes in flight that pause a publisher. */
    public static final long BYTES = 1 << 20;

    /**
     * Queue entries (a message times the queues it reached) that pause a publisher: a fanned-out message waits in each
     * queue's inbox, so without this bound 256 messages to 1,500 queues each would be 384,000 entries. Fan-out to 10
     * queues, as PerfTest's (d), stays within it at the full 256 messages.
     */
    public static final long ENTRIES = 4096;

    private final long maxMessages;
    private final long maxBytes;
    private final long maxEntries;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong entries = new AtomicLong();
    private final AtomicBoolean paused = new AtomicBoolean();

    /** A credit at the standard bounds: {@link #MESSAGES}, {@link #BYTES}, {@link #ENTRIES}. */
    public static PublishCredit standard() {
        return new PublishCredit(MESSAGES, BYTES, ENTRIES);
    }

    /**
     * @param maxMessages messages in flight that pause the publisher
     * @param maxBytes body bytes in flight that pause it
     * @param maxEntries queue entries in flight (messages times the queues each reached) that pause it
     */
    public PublishCredit(long maxMessages, long maxBytes, long maxEntries) {
        if (maxMessages < 1 || maxBytes < 1 || maxEntries < 1) {
            throw new IllegalArgumentException(
                    "bounds must be >= 1: " + maxMessages + ", " + maxBytes + ", " + maxEntries);
        }
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /**
     * A message of {@code size} bytes was handed to the broker, which routed it to {@code queues} queues.
     *
     * @return whether this publish crossed a bound, so the publisher must pause now
     */
    public boolean publish(long size, int queues) {
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
     * @return whether this take ended a pause (the backlog is down to half), so the publisher may go on
     */
    public boolean taken(long size, int queues) {
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

    /** Whether the publisher is paused. */
    public boolean paused() {
        return paused.get();
    }

    /** Messages handed to the broker and not yet taken. */
    long inFlight() {
        return messages.get();
    }
}
