package io.hermod.amqp.server;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The gate a channel's consumer deliveries pass on their way to the socket: open, they are written at once; closed by
 * the client's {@code channel.flow active=false} (spec 1.5.2.3), they are held, in order, until {@code active=true}
 * opens it again. Replies to the client's own requests (basic.get-ok and the like) do not pass here.
 *
 * <p>While the gate is closed the channel's consumers answer not ready, so their queues keep their messages; the gate
 * only holds the few deliveries already on their way when the pause arrived. A consumer cancelled while its deliveries
 * are held must never see them (a delivery after cancel-ok is an error for clients): {@link #drop} takes them out.
 *
 * <p>Buffer ownership: {@link #send} takes the encoded delivery; the gate writes it (the write releases it) or
 * releases it when it is dropped or the gate is shut.
 *
 * <p>Threading: thread-safe. Deliveries arrive on queue threads and other connections' event loops (direct reply-to);
 * flow changes, drops and {@link #shut} come from the channel's event loop, broker cancellations from queue threads.
 * One lock keeps held deliveries ahead of newer ones.
 */
final class DeliveryGate {

    /** A delivery held while the channel is paused; {@code needsAck}: the broker counts it as unacknowledged. */
    private record Held(String consumerTag, long deliveryTag, boolean needsAck, ByteBuf frames) {}

    private final AmqpConnection connection;

    // guarded by this
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private boolean paused;
    private boolean shut;

    DeliveryGate(AmqpConnection connection) {
        this.connection = connection;
    }

    /** Whether deliveries go out now (the client has not paused the channel). */
    synchronized boolean isOpen() {
        return !paused && !shut;
    }

    /** Writes an encoded delivery, or holds it while the client has paused the channel. */
    synchronized void send(String consumerTag, long deliveryTag, boolean needsAck, ByteBuf frames) {
        if (shut) {
            frames.release();
        } else if (paused) {
            held.add(new Held(consumerTag, deliveryTag, needsAck, frames));
        } else {
            connection.sendEncoded(frames);
        }
    }

    /** channel.flow: {@code false} holds deliveries from now on, {@code true} writes the held ones and opens again. */
    synchronized void active(boolean active) {
        if (active) {
            Held next;
            while ((next = held.poll()) != null) {
                connection.sendEncoded(next.frames());
            }
        }
        paused = !active;
    }

    /**
     * Drops the held deliveries of a consumer that is gone and returns the delivery tags among them the broker counts
     * as unacknowledged (the caller gives those back to their queues).
     */
    synchronized List<Long> drop(String consumerTag) {
        List<Long> unacknowledged = new ArrayList<>();
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (h.consumerTag().equals(consumerTag)) {
                it.remove();
                h.frames().release();
                if (h.needsAck()) {
                    unacknowledged.add(h.deliveryTag());
                }
            }
        }
        return unacknowledged;
    }

    /** The channel closed: drops what is held and whatever still arrives. Idempotent. */
    synchronized void shut() {
        shut = true;
        Held next;
        while ((next = held.poll()) != null) {
            next.frames().release();
        }
    }
}
