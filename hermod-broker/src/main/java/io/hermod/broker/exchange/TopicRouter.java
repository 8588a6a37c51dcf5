package io.hermod.broker.exchange;

import io.hermod.broker.definitions.Arguments;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The bindings of one topic exchange: a message goes to the destinations whose binding-key pattern ({@code *} one
 * word, {@code #} zero or more) matches its routing key, as RabbitMQ's {@code rabbit_exchange_type_topic.erl} and
 * {@code rabbit_db_topic_exchange.erl}; {@link TopicTrie} does the matching and documents the rules. Headers play no
 * part.
 *
 * <p>This class adds binding identity to the trie: the trie holds a (key, destination) pair once, while a binding is
 * (key, arguments, destination), so the writer counts the bindings behind each pair and unbinds the pair from the trie
 * only with the last of them. Two bindings differing only in arguments therefore route the destination once and need
 * two unbinds before it stops being routed, as in RabbitMQ.
 *
 * <p>Threading: see {@link ExchangeRouter}, one writer and many routers; {@link TopicTrie}'s own contract is the same,
 * and its copy-on-write nodes let routes run lock-free and allocation-free after warm-up.
 */
final class TopicRouter<D> implements ExchangeRouter<D> {

    private final TopicTrie<D> trie = new TopicTrie<>();

    // writer only
    private final Set<BindingIdentity> bindings = new HashSet<>();
    private final BindingCounts<KeyAndDestination> counts = new BindingCounts<>();

    // written by the writer, read by anyone (the trie's own count is writer-only)
    private volatile int bindingCount;

    TopicRouter() {}

    @Override
    public boolean bind(String bindingKey, Map<String, Object> arguments, D destination) {
        Objects.requireNonNull(bindingKey, "bindingKey");
        Objects.requireNonNull(destination, "destination");
        if (!bindings.add(new BindingIdentity(bindingKey, Arguments.copyOf(arguments), destination))) {
            return false;
        }
        if (counts.increment(new KeyAndDestination(bindingKey, destination))) {
            trie.bind(bindingKey, destination);
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
        if (counts.decrement(new KeyAndDestination(bindingKey, destination))) {
            trie.unbind(bindingKey, destination);
        }
        bindingCount = bindings.size();
        return true;
    }

    @Override
    public void route(String routingKey, Map<String, Object> headers, Consumer<? super D> sink) {
        trie.route(routingKey, sink);
    }

    @Override
    public int bindingCount() {
        return bindingCount;
    }

    private record KeyAndDestination(String key, Object destination) {}
}
