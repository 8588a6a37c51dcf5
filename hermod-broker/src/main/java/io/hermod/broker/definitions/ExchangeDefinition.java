package io.hermod.broker.definitions;

import java.util.Map;
import java.util.Objects;

/**
 * What declares an exchange: its name within a vhost, its type name ({@code direct}, {@code fanout}, {@code topic},
 * {@code headers}, ...), its flags and its arguments (values as described in {@link Arguments}).
 */
public record ExchangeDefinition(
        String vhost,
        String name,
        String type,
        boolean durable,
        boolean autoDelete,
        boolean internal,
        Map<String, Object> arguments) {

    public ExchangeDefinition {
        Objects.requireNonNull(vhost, "vhost");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        arguments = Arguments.copyOf(arguments);
    }
}
