package io.hermod.broker;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
import java.util.Objects;

/** What an exchange declare asks for (AMQP exchange.declare). */
public record ExchangeSpec(
        String name,
        String type,
        boolean durable,
        boolean autoDelete,
        boolean internal,
        Map<String, Object> arguments) {

    public ExchangeSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        arguments = Arguments.copyOf(arguments);
    }

    /** A durable exchange of this type, not auto-deleted, not internal, without arguments. */
    public static ExchangeSpec durable(String name, String type) {
        return new ExchangeSpec(name, type, true, false, false, Map.of());
    }
}
