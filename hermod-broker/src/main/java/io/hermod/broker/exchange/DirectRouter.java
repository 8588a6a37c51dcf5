package io.hermod.broker.exchange;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The bindings of one direct exchange: a message goes to the destinations bound with a binding key equal to its routing
 * key, character for character (so case-sensitive, and {@code ""} matches only {@code ""}). Binding arguments play no
 * part in matching but are part of a binding's identity. This is RabbitMQ's {@code rabbit_exchange_type_direct.erl},
 * which looks the routing key up in the exchange's bindings ({@code rabbit_db_binding:match_routing_key/2}).
 *
 * <p>Threading: see {@link ExchangeRouter}, one writer and many routers. Readers see a concurrent map from binding key
 * to an immutable array of distinct destinations; the writer replaces a key's array whole on each change, so a route
 * is one map lookup and allocates nothing. Each destination is stored once per key with a binding count kept by the
 * writer, so a destination bound with one key and several argument tables is routed once and stays routed until its
 * last such binding goes.
 */
final class DirectRouter<D> implements ExchangeRouter<D> {

    // read by routers: binding key -> distinct destinations (never empty; an unused key is removed)
    private final ConcurrentHashMap<String, Object[]> destinationsByKey = new ConcurrentHashMap<>();

    private final BindingBook<KeyAndDestination> book = new BindingBook<>();

    DirectRouter() {}

    @Override
    public boolean bind(String bindingKey, Map<String, Object> arguments, D destination) {
        BindingIdentity binding = new BindingIdentity(bindingKey, Arguments.copyOf(arguments), destination);
        BindingBook.Change change = book.add(binding, new KeyAndDestination(bindingKey, destination));
        if (change == BindingBook.Change.ENTRY) {
            Object[] old = destinationsByKey.getOrDefault(bindingKey, CopyOnWrite.NO_DESTINATIONS);
            destinationsByKey.put(bindingKey, CopyOnWrite.with(old, destination));
        }
        return change != BindingBook.Change.NONE;
    }

    @Override
    public boolean unbind(String bindingKey, Map<String, Object> arguments, D destination) {
        BindingIdentity binding = new BindingIdentity(bindingKey, arguments, destination);
        BindingBook.Change change = book.remove(binding, new KeyAndDestination(bindingKey, destination));
        if (change == BindingBook.Change.ENTRY) {
            Object[] remaining = CopyOnWrite.without(destinationsByKey.get(bindingKey), destination);
            if (remaining.length == 0) {
                destinationsByKey.remove(bindingKey);
            } else {
                destinationsByKey.put(bindingKey, remaining);
            }
        }
        return change != BindingBook.Change.NONE;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void route(String routingKey, Map<String, Object> headers, Consumer<? super D> sink) {
        Object[] destinations = destinationsByKey.get(routingKey);
        if (destinations != null) {
            for (Object destination : destinations) {
                sink.accept((D) destination);
            }
        }
    }

    @Override
    public int bindingCount() {
        return book.size();
    }

    private record KeyAndDestination(String key, Object destination) {}
}
