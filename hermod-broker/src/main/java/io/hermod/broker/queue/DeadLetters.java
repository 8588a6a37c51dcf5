package io.hermod.broker.queue;

import io.hermod.broker.definitions.QueueDefinition;

/**
 * Where a queue with a dead-letter exchange sends the messages it dead-letters: its vhost, which republishes a copy
 * through that exchange. The queue keeps the original until {@code done} runs, so that a crash in between brings it
 * back rather than losing it (at least once).
 */
@FunctionalInterface
public interface DeadLetters {

    /**
     * Republishes a dead-lettered copy of {@code message}, which {@code source} held; {@code done} runs once every
     * queue the copy reached has taken it (durably, for a persistent copy in a durable queue), when it reached none,
     * and when taking it failed. Called on the queue's executor; {@code done} may run on any thread.
     */
    void deadLetter(QueueDefinition source, StoredMessage message, DeadLetterReason reason, Runnable done);
}
