package io.hermod.broker.exchange;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
import java.util.Objects;

/**
 * What makes two bindings of one exchange the same binding: the binding key, the arguments and the destination, as in
 * RabbitMQ, where {@code #binding{}} holds all three and the same key and destination with other arguments is another
 * binding ({@code rabbit_binding.erl}). Arguments compare by {@link Arguments#equivalent}, as {@link
 * io.hermod.broker.definitions.BindingDefinition} does, so a binding the definitions log holds once is held once here.
 *
 * <p>Immutable when its arguments are (routers store copies made by {@link Arguments#copyOf}); used by the writer only.
 */
record BindingIdentity(String key, Map<String, ?> arguments, Object destination) {

    BindingIdentity {
        Objects.requireNonNull(key, "bindingKey");
        Objects.requireNonNull(destination, "destination");
        arguments = arguments == null ? Map.of() : arguments;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BindingIdentity b
                && key.equals(b.key)
                && destination.equals(b.destination)
                && Arguments.equivalent(arguments, b.arguments);
    }

    @Override
    public int hashCode() {
        return (31 * key.hashCode() + destination.hashCode()) * 31 + Arguments.hash(arguments);
    }
}
