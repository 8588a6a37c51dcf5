package io.hermod.broker.queue;

import io.hermod.broker.BrokerException;

/**
 * Told when a queue has taken a published message: for a persistent message on a durable queue once it is on stable
 * storage, for any other once it is in the queue. Called on a broker pool thread, never a storage thread.
 */
@FunctionalInterface
public interface EnqueueCallback {

    /** {@code failure} is null on success; otherwise nothing can be promised about the message. */
    void onEnqueued(BrokerException failure);
}
