package io.hermod.broker.exchange;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The bindings of one headers exchange: a message goes to the destinations with a binding whose arguments match its
 * headers ({@link HeadersMatcher} holds the rule, RabbitMQ's {@code rabbit_exchange_type_headers.erl}). The routing key
 * plays no part in matching but, as the arguments, is part of a binding's identity.
 *
 * <p>A route scans the bindings linearly, as RabbitMQ does ({@code rabbit_router:match_bindings/2}): headers exchanges
 * have few bindings, and an index over argument tables would cost more than it saves. The bindings are grouped by
 * destination so that a destination with several matching bindings is handed to the sink once without a per-route set.
 *
 * <p>Threading: see {@link ExchangeRouter}, one writer and many routers. Readers see an immutable array of immutable
 * {@link Target}s through a volatile field; the writer replaces the array (and the one changed target) on every
 * change, so a route takes no lock and allocates nothing of its own.
 */
final class HeadersRouter<D> implements ExchangeRouter<D> {

    private static final Target[] NO_TARGETS = {};

    // read by routers: one target per distinct destination
    private volatile Target[] targets = NO_TARGETS;

    // every headers binding is an entry of its own: it has its own match rule
    private final BindingBook<BindingIdentity> book = new BindingBook<>();

    HeadersRouter() {}

    @Override
    public boolean bind(String bindingKey, Map<String, Object> arguments, D destination) {
        Map<String, Object> copy = Arguments.copyOf(arguments);
        // validated before anything changes: a refused binding leaves no trace
        HeadersMatcher matcher = HeadersMatcher.compile(copy);
        BindingIdentity identity = new BindingIdentity(bindingKey, copy, destination);
        if (book.add(identity, identity) == BindingBook.Change.NONE) {
            return false;
        }
        Target[] current = targets;
        int index = indexOf(current, destination);
        Binding binding = new Binding(identity, matcher);
        if (index < 0) {
            targets = CopyOnWrite.with(current, new Target(destination, new Binding[] {binding}));
        } else {
            Target target = current[index];
            Binding[] grown = CopyOnWrite.with(target.bindings, binding);
            targets = CopyOnWrite.replacedAt(current, index, new Target(destination, grown));
        }
        return true;
    }

    @Override
    public boolean unbind(String bindingKey, Map<String, Object> arguments, D destination) {
        BindingIdentity identity = new BindingIdentity(bindingKey, arguments, destination);
        if (book.remove(identity, identity) == BindingBook.Change.NONE) {
            return false;
        }
        Target[] current = targets;
        int index = indexOf(current, destination);
        if (index < 0) {
            throw new IllegalStateException("headers router lost the destination " + destination);
        }
        Binding[] remaining = current[index].without(identity);
        targets = remaining.length == 0
                ? CopyOnWrite.removedAt(current, index)
                : CopyOnWrite.replacedAt(current, index, new Target(destination, remaining));
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void route(String routingKey, Map<String, Object> headers, Consumer<? super D> sink) {
        for (Target target : targets) {
            if (target.matches(headers)) {
                sink.accept((D) target.destination);
            }
        }
    }

    @Override
    public int bindingCount() {
        return book.size();
    }

    private static int indexOf(Target[] targets, Object destination) {
        for (int i = 0; i < targets.length; i++) {
            if (targets[i].destination.equals(destination)) {
                return i;
            }
        }
        return -1;
    }

    private record Binding(BindingIdentity identity, HeadersMatcher matcher) {}

    /** One destination and its bindings (never none). Immutable. */
    private static final class Target {
        final Object destination;
        final Binding[] bindings;

        Target(Object destination, Binding[] bindings) {
            this.destination = destination;
            this.bindings = bindings;
        }

        boolean matches(Map<String, Object> headers) {
            for (Binding binding : bindings) {
                if (binding.matcher.matches(headers)) {
                    return true;
                }
            }
            return false;
        }

        Binding[] without(BindingIdentity identity) {
            for (int i = 0; i < bindings.length; i++) {
                if (bindings[i].identity.equals(identity)) {
                    return CopyOnWrite.removedAt(bindings, i);
                }
            }
            throw new IllegalStateException("headers router lost a binding of " + destination);
        }
    }
}
