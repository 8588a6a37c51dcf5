package io.hermod.broker.exchange;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
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

    // the trie's own count is writer-only; the book's may be read by anyone
    private final BindingBook<KeyAndDestination> book = new BindingBook<>();

    TopicRouter() {}

    @Override
    public boolean bind(String bindingKey, Map<String, Object> arguments, D destination) {
        BindingIdentity binding = new BindingIdentity(bindingKey, Arguments.copyOf(arguments), destination);
        BindingBook.Change change = book.add(binding, new KeyAndDestination(bindingKey, destination));
        if (change == BindingBook.Change.ENTRY) {
            trie.bind(bindingKey, destination);
        }
        return change != BindingBook.Change.NONE;
    }

    @Override
    public boolean unbind(String bindingKey, Map<String, Object> arguments, D destination) {
        BindingIdentity binding = new BindingIdentity(bindingKey, arguments, destination);
        BindingBook.Change change = book.remove(binding, new KeyAndDestination(bindingKey, destination));
        if (change == BindingBook.Change.ENTRY) {
            trie.unbind(bindingKey, destination);
        }
        return change != BindingBook.Change.NONE;
    }

    @Override
    public void route(String routingKey, Map<String, Object> headers, Consumer<? super D> sink) {
        trie.route(routingKey, sink);
    }

    @Override
    public int bindingCount() {
        return book.size();
    }

    private record KeyAndDestination(String key, Object destination) {}
}
