package io.hermod.server.metrics;

import io.hermod.broker.QueueStatus;
import io.hermod.broker.queue.DeadLetterReason;
import io.hermod.broker.queue.QueueStats;
import io.prometheus.metrics.model.snapshots.Labels;

/**
 * The metrics every queue has, once per vhost ({@code hermod_vhost_*}, the vhost's queues added up) or once per queue
 * ({@code hermod_queue_*}): messages ready and unacknowledged, consumers, the message counters and the
 * publish-to-deliver latency.
 *
 * <p>Threading: one scrape's.
 */
final class QueueFamilies {

    private static final double SECONDS_PER_MILLI = 1e-3;

    private final Families.Scalar ready;
    private final Families.Scalar unacknowledged;
    private final Families.Scalar consumers;
    private final Families.Scalar published;
    private final Families.Scalar delivered;
    private final Families.Scalar redelivered;
    private final Families.Scalar acknowledged;
    private final Families.Scalar deadLettered;
    private final Families.Histogram latency;

    /** @param what how the help texts name the subject: "the vhost's queues", "the queue" */
    QueueFamilies(Families families, String prefix, String what) {
        ready = families.gauge(prefix + "_messages_ready", "Messages ready to be delivered in " + what);
        unacknowledged = families.gauge(
                prefix + "_messages_unacknowledged", "Messages delivered and not yet acknowledged in " + what);
        consumers = families.gauge(prefix + "_consumers", "Consumers of " + what);
        published = families.counter(prefix + "_messages_published", "Messages published into " + what);
        delivered = families.counter(
                prefix + "_messages_delivered",
                "Messages delivered to consumers or taken by basic.get from " + what + ", redeliveries included");
        redelivered = families.counter(
                prefix + "_messages_redelivered", "Deliveries of messages flagged redelivered from " + what);
        acknowledged =
                families.counter(prefix + "_messages_acknowledged", "Messages acknowledged by consumers of " + what);
        deadLettered = families.counter(
                prefix + "_messages_dead_lettered",
                "Messages sent to the dead-letter exchange from " + what + ", by reason");
        latency = families.histogram(
                prefix + "_delivery_latency_seconds",
                "Time from a message's append to its first delivery or get, for " + what,
                SECONDS_PER_MILLI);
    }

    void add(Labels labels, long readyCount, long unackedCount, int consumerCount, QueueStats stats) {
        ready.add(readyCount, labels);
        unacknowledged.add(unackedCount, labels);
        consumers.add(consumerCount, labels);
        published.add(stats.published(), labels);
        delivered.add(stats.delivered(), labels);
        redelivered.add(stats.redelivered(), labels);
        acknowledged.add(stats.acknowledged(), labels);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLettered.add(stats.deadLettered(reason), labels.add("reason", reason.text()));
        }
        latency.add(stats.latency(), labels);
    }

    void add(Labels labels, QueueStatus status, QueueStats stats) {
        add(labels, status.messagesReady(), status.messagesUnacknowledged(), status.consumers(), stats);
    }

    void done() {
        ready.done();
        unacknowledged.done();
        consumers.done();
        published.done();
        delivered.done();
        redelivered.done();
        acknowledged.done();
        deadLettered.done();
        latency.done();
    }
}
