package io.hermod.broker;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
import java.util.Objects;

/** What a queue declare asks for (AMQP queue.declare); an empty name asks the broker to choose one. */
public record QueueSpec(
        String name, boolean durable, boolean exclusive, boolean autoDelete, Map<String, Object> arguments) {

    public QueueSpec {
        Objects.requireNonNull(name, "name");
        arguments = Arguments.copyOf(arguments);
    }

    /** A durable, shared queue that stays when unused. */
    public static QueueSpec durable(String name) {
        return new QueueSpec(name, true, false, false, Map.of());
    }

    /** A queue that does not survive a restart. */
    public static QueueSpec transientQueue(String name) {
        return new QueueSpec(name, false, false, false, Map.of());
    }
}
