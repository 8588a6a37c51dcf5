package io.hermod.broker;

/**
 * One consumer of a {@link Channel}, as management tools show it.
 *
 * @param prefetchCount the consumer's unacknowledged-message limit (0: none)
 */
public record ConsumerInfo(
        String consumerTag, String queue, boolean autoAck, boolean exclusive, int prefetchCount, int priority) {}
