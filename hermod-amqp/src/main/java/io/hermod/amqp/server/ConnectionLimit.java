package io.hermod.amqp.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * RabbitMQ's {@code connection_max}: how many connections may be open at once over all the server's listeners. A
 * connection takes a place at connection.open (where RabbitMQ checks it) and gives it back when its socket closes, so a
 * client that never gets past the handshake holds none.
 *
 * <p>Threading: any thread (one atomic counter shared by every connection of a server).
 */
final class ConnectionLimit {

    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    /** @param max the most open connections; {@link AmqpServerConfig#NO_LIMIT} for no limit */
    ConnectionLimit(int max) {
        this.max = max;
    }

    /** Takes a place, if one is free. */
    boolean tryAcquire() {
        while (true) {
            int current = open.get();
            if (max != AmqpServerConfig.NO_LIMIT && current >= max) {
                return false;
            }
            if (open.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives back a place taken by {@link #tryAcquire()}. */
    void release() {
        open.decrementAndGet();
    }

    int max() {
        return max;
    }
}
