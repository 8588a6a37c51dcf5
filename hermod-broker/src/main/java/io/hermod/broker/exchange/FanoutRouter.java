package io.hermod.broker.exchange;

import io.hermod.broker.definitions.Arguments;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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

    // writer only
    private final Set<BindingIdentity> bindings = new HashSet<>();
    private final BindingCounts<Object> counts = new BindingCounts<>();

    // written by the writer, read by anyone
    private volatile int bindingCount;

    FanoutRouter() {}

    @Override
    public boolean bind(String bindingKey, Map<String, Object> arguments, D destination) {
        Objects.requireNonNull(bindingKey, "bindingKey");
        Objects.requireNonNull(destination, "destination");
        if (!bindings.add(new BindingIdentity(bindingKey, Arguments.copyOf(arguments), destination))) {
            return false;
        }
        if (counts.increment(destination)) {
            destinations = CopyOnWrite.with(destinations, destination);
        }
        bindingCount = bindings.size();
        return true;
    }

    @Override
    public boolean unbind(String bindingKey, Map<String, Object> arguments, D destination) {
        Objects.requireNonNull(bindingKey, "bindingKey");
        Objects.requireNonNull(destination, "destination");
        if (!bindings.remove(new BindingIdentity(bindingKey, arguments, destination))) {
            return false;
        }
        if (counts.decrement(destination)) {
            destinations = CopyOnWrite.without(destinations, destination);
        }
        bindingCount = bindings.size();
        return true;
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
        return bindingCount;
    }
}
