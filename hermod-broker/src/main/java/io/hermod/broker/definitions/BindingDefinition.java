package io.hermod.broker.definitions;

import java.util.Map;
import java.util.Objects;

/**
 * One binding: from a source exchange to a destination queue or exchange, with a binding key and arguments. Two
 * bindings are the same binding when all of these are equal (as RabbitMQ: the same key with other arguments is another
 * binding). {@code equals} compares arguments with {@link Arguments#equivalent}.
 */
public record BindingDefinition(
        String vhost,
        String source,
        DestinationKind destinationKind,
        String destination,
        String routingKey,
        Map<String, Object> arguments) {

    /** Whether a binding leads to a queue or to another exchange. */
    public enum DestinationKind {
        QUEUE,
        EXCHANGE
    }

    public BindingDefinition {
        Objects.requireNonNull(vhost, "vhost");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destinationKind, "destinationKind");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(routingKey, "routingKey");
        arguments = Arguments.copyOf(arguments);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BindingDefinition b
                && vhost.equals(b.vhost)
                && source.equals(b.source)
                && destinationKind == b.destinationKind
                && destination.equals(b.destination)
                && routingKey.equals(b.routingKey)
                && Arguments.equivalent(arguments, b.arguments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vhost, source, destinationKind, destination, routingKey, Arguments.hash(arguments));
    }
}
