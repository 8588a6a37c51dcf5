package io.hermod.broker.queue;

import io.hermod.storage.LatencyHistogram;
import java.util.concurrent.atomic.LongAdder;

/**
 * What flowed through a queue since the broker started, for metrics: messages published to it, delivered (to consumers
 * and polling gets), redelivered, acknowledged and dead-lettered (by reason), and how long messages waited between
 * their append and their first delivery. A vhost's totals are summed from its queues' at scrape time ({@link #add}),
 * with what deleted queues had counted kept apart, so that they never go down; a message counts once, in its queue
 * (counting into shared vhost totals as well made every queue thread contend for the same cache lines).
 *
 * <p>Threading: counted on the queue's executor, read by a metrics scrape on any thread (STYLE.md rule 14: counters
 * read at scrape time, nothing per message above an add).
 */
public final class QueueStats {

    /** Upper bounds of the publish-to-deliver latency, in milliseconds (the broker clock's resolution). */
    public static final long[] LATENCY_BOUNDS_MILLIS = {
        1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000
    };

    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder redelivered = new LongAdder();
    private final LongAdder acknowledged = new LongAdder();
    private final LongAdder[] deadLettered = new LongAdder[DeadLetterReason.values().length];
    private final LatencyHistogram latency = new LatencyHistogram(LATENCY_BOUNDS_MILLIS);

    public QueueStats() {
        for (int i = 0; i < deadLettered.length; i++) {
            deadLettered[i] = new LongAdder();
        }
    }

    void onPublished(int messages) {
        published.add(messages);
    }

    /**
     * A message went to a consumer or a polling get; a first delivery also records how long it waited since its append.
     */
    void onDelivered(boolean redelivery, long waitedMillis) {
        delivered.increment();
        if (redelivery) {
            redelivered.increment();
        } else {
            latency.record(waitedMillis);
        }
    }

    void onAcknowledged() {
        acknowledged.increment();
    }

    void onDeadLettered(DeadLetterReason reason) {
        deadLettered[reason.ordinal()].increment();
    }

    /** Adds everything {@code other} counted to these (totals over many queues). */
    public void add(QueueStats other) {
        published.add(other.published());
        delivered.add(other.delivered());
        redelivered.add(other.redelivered());
        acknowledged.add(other.acknowledged());
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLettered[reason.ordinal()].add(other.deadLettered(reason));
        }
        latency.add(other.latency());
    }

    public long published() {
        return published.sum();
    }

    /** Deliveries to consumers and messages taken by polling gets, redeliveries included. */
    public long delivered() {
        return delivered.sum();
    }

    /** Deliveries flagged redelivered. */
    public long redelivered() {
        return redelivered.sum();
    }

    /** Messages acknowledged by consumers (automatic acknowledgement not included). */
    public long acknowledged() {
        return acknowledged.sum();
    }

    /** Messages sent to the dead-letter exchange for this reason. */
    public long deadLettered(DeadLetterReason reason) {
        return deadLettered[reason.ordinal()].sum();
    }

    /** Milliseconds from append to first delivery. */
    public LatencyHistogram latency() {
        return latency;
    }
}
