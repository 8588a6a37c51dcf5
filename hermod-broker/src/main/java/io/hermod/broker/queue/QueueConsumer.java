package io.hermod.broker.queue;

import java.util.Objects;

/**
 * One consumer of a queue: its tag, priority, credit (prefetch by message count and by bytes; 0 means no limit) and
 * where its messages go. Credit is spent when a message is handed out and returned when it is settled or requeued; a
 * consumer with {@code autoAck} needs no credit.
 *
 * <p>The configuration is immutable; the in-flight counters belong to the queue's executor.
 */
public final class QueueConsumer {

    private final String tag;
    private final int priority;
    private final int prefetchCount;
    private final long prefetchBytes;
    private final boolean exclusive;
    private final boolean autoAck;
    private final DeliverySink sink;

    // owned by the queue's executor
    int inFlight;
    long inFlightBytes;
    boolean cancelled;

    public QueueConsumer(
            String tag,
            int priority,
            int prefetchCount,
            long prefetchBytes,
            boolean exclusive,
            boolean autoAck,
            DeliverySink sink) {
        if (prefetchCount < 0 || prefetchBytes < 0) {
            throw new IllegalArgumentException("prefetch must be >= 0");
        }
        this.tag = Objects.requireNonNull(tag, "tag");
        this.priority = priority;
        this.prefetchCount = prefetchCount;
        this.prefetchBytes = prefetchBytes;
        this.exclusive = exclusive;
        this.autoAck = autoAck;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    public String tag() {
        return tag;
    }

    public int priority() {
        return priority;
    }

    public boolean exclusive() {
        return exclusive;
    }

    public boolean autoAck() {
        return autoAck;
    }

    public int prefetchCount() {
        return prefetchCount;
    }

    DeliverySink sink() {
        return sink;
    }

    /** Whether another message may go out now: room in both limits (one message may overshoot the byte limit). */
    boolean hasCredit() {
        if (cancelled || !sink.ready()) {
            return false;
        }
        if (autoAck) {
            return true;
        }
        return (prefetchCount == 0 || inFlight < prefetchCount)
                && (prefetchBytes == 0 || inFlightBytes < prefetchBytes);
    }

    void spend(int bytes) {
        if (!autoAck) {
            inFlight++;
            inFlightBytes += bytes;
        }
    }

    void refund(int bytes) {
        inFlight--;
        inFlightBytes -= bytes;
    }

    @Override
    public String toString() {
        return "consumer " + tag;
    }
}
