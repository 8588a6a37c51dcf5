package io.hermod.broker;

import io.hermod.broker.definitions.QueueDefinition;

/**
 * A queue as management tools show it: what declared it and its counters as of its last run (they may lag by one run,
 * unlike {@link QueueInfo}, which a declare answers once the queue has caught up).
 *
 * @param messagesReady messages waiting to be handed out
 * @param messagesUnacknowledged messages handed out and not yet settled
 * @param consumers the consumers attached
 * @param paced whether the queue holds publishes back, taking them at its consumers' pace (publisher pacing; RabbitMQ's
 *     {@code flow})
 */
public record QueueStatus(
        QueueDefinition definition, long messagesReady, long messagesUnacknowledged, int consumers, boolean paced) {}
