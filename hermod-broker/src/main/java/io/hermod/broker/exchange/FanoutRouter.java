package io.hermod.broker.exchange;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The bindings of one fanout exchange: a message goes to every bound destination, whatever its routing key and
 * headers. Binding keys and arguments play no part in matching but are part of a binding's identity, so one destination
 * may have several bindings and is still routed once. This is RabbitMQ's {@code rabbit_exchange_type_fanout.erl},
 * which matches every binding of the exchange ({@code rabbit_router:match_routing_key(Name, ['_'])}).
 *
 * <p>Threading: see {@link ExchangeRouter}, one writer and many routers. Readers see one immutable array of distinct
 * destinations through a volatile field, replaced whole by the writer, so a route allocates nothing. The writer counts
 * each destination's bindings and drops it from the array only with the last one.
 */
final class FanoutRouter<D> implements ExchangeRouter<D> {

    // read by routers
    private volatile Object[] destinations = CopyOnWrite.NO_DESTINATIONS;

    private final BindingBook<Object> book = new BindingBook<>();

    FanoutRouter() {}

    @Override
    public boolean bind(String bindingKey, Map<String, Object> arguments, D destination) {
        BindingBook.Change change =
                book.add(new BindingIdentity(bindingKey, Arguments.copyOf(arguments), destination), destination);
        if (change == BindingBook.Change.ENTRY) {
            destinations = CopyOnWrite.with(destinations, destination);
        }
        return change != BindingBook.Change.NONE;
    }

    @Override
    public boolean unbind(String bindingKey, Map<String, Object> arguments, D destination) {
        BindingBook.Change change = book.remove(new BindingIdentity(bindingKey, arguments, destination), destination);
        if (change == BindingBook.Change.ENTRY) {
            destinations = CopyOnWrite.without(destinations, destination);
        }
        return change != BindingBook.Change.NONE;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void route(String routingKey, Map<String, Object> headers, Consumer<? super D> sink) {
        for (Object destination : destinations) {
            sink.accept((D) destination);
        }
    }

    @Override
    public int bindingCount() {
        return book.size();
    }
}
