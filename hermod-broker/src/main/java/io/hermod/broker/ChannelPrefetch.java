package io.hermod.broker;

import io.hermod.broker.queue.Queue;
import io.hermod.broker.queue.QueueConsumer;
import io.hermod.broker.queue.StoredMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The prefetch limit a {@link Channel} shares among all its consumers (AMQP basic.qos with {@code global=true}, as
 * RabbitMQ 3.3+ has it with its rabbit_limiter), on top of each consumer's own: at most {@code limit} deliveries to the
 * channel's consumers await acknowledgement, whichever consumer and queue they came from. At the limit every consumer
 * of the channel answers not ready, auto-acknowledging ones too (rabbit_limiter:can_send refuses them alike), so the
 * queues keep their messages; an acknowledgement that makes room wakes them.
 *
 * <p>Queues check readiness and then deliver, each on its own thread, so two queues may both see the last free place.
 * The delivery that comes second waits here, before the channel numbers it, until an acknowledgement makes room: the
 * client never has more than {@code limit} outstanding, and a waiting delivery cannot be settled by an ack-multiple
 * it was never part of. At the limit each consumer that acknowledges may also put one delivery in this line (its
 * place in turn): freed places go to the line first, in order, so that the queue that took the last place, still
 * running when the acknowledgement comes, does not take the next one too and starve the others (rabbit_limiter wakes
 * blocked queues in random order for the same reason). Deliveries that auto-acknowledge never wait and never count. Polling gets do not count either
 * (RabbitMQ counts them in a quirk its own source calls "not strictly right").
 *
 * <p>Threading: guarded by the owning channel's lock, except {@link #full}, which queue threads read without it.
 */
final class ChannelPrefetch {

    /**
     * A delivery that found no room: what the channel needs to number and hand it over later; {@code onLeft} runs when
     * it leaves the waiting line (handed over or taken out).
     */
    record Waiting(
            Queue queue,
            QueueConsumer consumer,
            StoredMessage message,
            boolean redelivered,
            DeliveryHandler handler,
            Runnable onLeft) {}

    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private int limit;
    /** Consumer deliveries numbered and awaiting acknowledgement (whether or not a limit is set). */
    private int outstanding;

    private volatile boolean full;

    /** Sets the limit (0: none); deliveries already out stay out. */
    void limit(int newLimit) {
        if (newLimit < 0) {
            throw new IllegalArgumentException("prefetch must be >= 0: " + newLimit);
        }
        limit = newLimit;
        update();
    }

    int limit() {
        return limit;
    }

    /** Whether the channel's consumers must take no more now; any thread, without the lock. */
    boolean full() {
        return full;
    }

    /** Whether a delivery that needs an acknowledgement must wait rather than go out now. */
    boolean mustWait() {
        return limit > 0 && outstanding >= limit;
    }

    void await(Waiting delivery) {
        waiting.add(delivery);
        update();
    }

    /** The next waiting delivery there is room for, or null; the caller numbers it and reports it {@link #sent}. */
    Waiting next() {
        if (waiting.isEmpty() || mustWait()) {
            return null;
        }
        Waiting next = waiting.poll();
        update();
        next.onLeft().run();
        return next;
    }

    /** A consumer delivery that needs an acknowledgement was numbered. */
    void sent() {
        outstanding++;
        update();
    }

    /** {@code count} consumer deliveries were settled (acknowledged, rejected or given back). */
    void settled(int count) {
        outstanding -= count;
        update();
    }

    /** Takes out the waiting deliveries that {@code which} selects (their consumer or queue is gone). */
    List<Waiting> remove(Predicate<Waiting> which) {
        List<Waiting> removed = new ArrayList<>();
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (which.test(w)) {
                it.remove();
                removed.add(w);
                w.onLeft().run();
            }
        }
        update();
        return removed;
    }

    private void update() {
        full = limit > 0 && outstanding + waiting.size() >= limit;
    }
}
