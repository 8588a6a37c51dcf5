package io.hermod.broker.queue;

import io.hermod.broker.PropertiesFormat;
import io.hermod.broker.definitions.QueueDefinition;

/**
 * What a queue needs from the broker around it: its vhost, to dead-letter messages through the dead-letter exchange;
 * the protocol's {@link PropertiesFormat}, to add the {@code x-delivery-count} header; a timer, for the times a queue
 * waits for (retry delays, {@code x-not-before}, message expiry, {@code x-expires}); and its {@link QueueStats}.
 */
public interface QueueHost {

    /**
     * Republishes a dead-lettered copy of {@code message}, which {@code source} held; {@code done} runs once every
     * queue the copy reached has taken it (durably, for a persistent copy in a durable queue), when it reached none,
     * and when taking it failed. The queue keeps the original until then, so that a crash in between brings it back
     * rather than losing it (at least once). Called on the queue's executor; {@code done} may run on any thread.
     */
    void deadLetter(QueueDefinition source, StoredMessage message, DeadLetterReason reason, Runnable done);

    /** The arguments a queue runs with: its own and what policies set (see {@link QueuePolicies}). */
    default java.util.Map<String, Object> effectiveArguments(QueueDefinition definition) {
        return definition.arguments();
    }

    /** How message properties are encoded, for the few rewrites a queue makes. */
    PropertiesFormat propertiesFormat();

    /** Runs {@code task} on a broker thread after {@code delayMillis} (it must only hand work to the queue). */
    void schedule(Runnable task, long delayMillis);

    /**
     * Whether the machine's CPU is saturated now: a queue whose consumers fall behind then takes publishes at their
     * pace ({@link Pacing}). Any thread; cheap.
     */
    default boolean cpuSaturated() {
        return false;
    }

    /** Where the queue counts what flows through it, for metrics (its vhost's totals behind it); asked once. */
    default QueueStats stats() {
        return new QueueStats();
    }
}
