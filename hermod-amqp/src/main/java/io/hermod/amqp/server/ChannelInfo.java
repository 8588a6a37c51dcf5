package io.hermod.amqp.server;

import io.hermod.broker.ConsumerInfo;
import java.util.List;

/**
 * One open channel as management tools show it; RabbitMQ names it {@code "<connection name> (<number>)"}.
 *
 * @param connection the connection it belongs to
 * @param unacknowledged deliveries not yet acknowledged on it
 * @param prefetchCount the per-consumer prefetch basic.qos set (0: none)
 * @param consumers its consumers
 */
public record ChannelInfo(
        ConnectionInfo connection,
        int number,
        int unacknowledged,
        int prefetchCount,
        boolean confirm,
        boolean transactional,
        List<ConsumerInfo> consumers) {

    public ChannelInfo {
        consumers = List.copyOf(consumers);
    }

    /** RabbitMQ's channel name. */
    public String name() {
        return connection.name() + " (" + number + ")";
    }
}
