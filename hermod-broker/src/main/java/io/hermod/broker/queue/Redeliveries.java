package io.hermod.broker.queue;

import io.hermod.broker.PropertiesFormat;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * What a {@link Queue} does with a message that comes back unacknowledged, under {@code x-delivery-limit} and the retry
 * back-off ({@link RetryBackoff}): counts its returns ({@link Returns}), dead-letters it past the limit, holds it for
 * its retry delay, and gives it the {@code x-delivery-count} header when it goes out again. Without either argument
 * returns are not counted and a message comes back ready at once.
 *
 * <p>Threading: owned by the queue's serial executor: every method is called there, but {@link #retries()}, which the
 * broker's tick calls from its own thread (the back-off is volatile for it).
 */
final class Redeliveries {

    private final SharedCursor cursor;
    private final Returns returns;
    private final QueueTimers timers;
    private final InstantSource clock;
    private final QueueHost host;
    private final Supplier<QueueLimits> limits; // the queue's, which a policy may replace
    private final QueueLimits.Disposer disposer;

    // x-delivery-limit and retry back-off: how often messages came back, and those waiting out a retry delay
    private long deliveryLimit;
    private volatile RetryBackoff retry;
    private boolean countsReturns;

    Redeliveries(
            SharedCursor cursor,
            Returns returns,
            QueueTimers timers,
            InstantSource clock,
            QueueHost host,
            Supplier<QueueLimits> limits,
            QueueLimits.Disposer disposer) {
        this.cursor = cursor;
        this.returns = returns;
        this.timers = timers;
        this.clock = clock;
        this.host = host;
        this.limits = limits;
        this.disposer = disposer;
    }

    /** Takes the delivery limit and retry back-off the queue now runs with (its arguments, or a policy's). */
    void configure(QueueArguments arguments) {
        deliveryLimit = arguments.deliveryLimit();
        retry = arguments.retry();
        countsReturns = deliveryLimit != QueueArguments.NONE || retry != null;
    }

    /** Whether returned messages wait out a retry delay. Any thread. */
    boolean retries() {
        return retry != null;
    }

    /**
     * An unacknowledged message came back (nacked or rejected with requeue, its channel closed, its consumer timed
     * out). Where returns count: past {@code x-delivery-limit} it is dead-lettered (reason {@code delivery_limit}),
     * under a retry back-off it waits out its delay, held; otherwise, and in every other queue, it is ready again
     * ahead of newer messages.
     */
    SharedCursor.Handout returned(long offset) {
        SharedCursor.Handout h = cursor.handout(offset);
        if (!countsReturns) {
            cursor.requeue(offset);
            limits.get().readied(h.bodySize());
            return h;
        }
        int count = returns.count(offset) + 1;
        if (deliveryLimit != QueueArguments.NONE && count > deliveryLimit) {
            returns.returned(offset, 0);
            disposer.dispose(offset, null, DeadLetterReason.DELIVERY_LIMIT);
            return h;
        }
        if (retry == null) {
            returns.returned(offset, 0);
            cursor.requeue(offset);
            limits.get().readied(h.bodySize());
            return h;
        }
        long now = clock.millis();
        long due = now + retry.delay(count, ThreadLocalRandom.current().nextDouble());
        returns.returned(offset, due);
        timers.holdFor(offset, due, now);
        return h;
    }

    /**
     * The message as a consumer gets it: where returns count and it came back before, with the {@code
     * x-delivery-count} header (the number of returns, as RabbitMQ's quorum queues give it).
     */
    StoredMessage withDeliveryCount(StoredMessage m) {
        int count = countsReturns ? returns.count(m.offset()) : 0;
        if (count == 0) {
            return m;
        }
        PropertiesFormat format = host.propertiesFormat();
        Map<String, Object> headers =
                new LinkedHashMap<>(format.headers(m.properties().duplicate()));
        headers.put(Queue.DELIVERY_COUNT, (long) count);
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
}
