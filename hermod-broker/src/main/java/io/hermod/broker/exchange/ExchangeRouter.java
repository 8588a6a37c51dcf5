package io.hermod.broker.exchange;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The bindings of one exchange and the rule that matches a message against them. One implementation per exchange type;
 * {@link ExchangeType#newRouter()} makes one.
 *
 * <p>A binding is the triple (binding key, arguments, destination): the same key and destination with other arguments
 * is another binding, as in RabbitMQ. A route hands each matching destination to the sink once, however many of its
 * bindings match.
 *
 * <p>Threading: <b>one writer, many routers.</b> {@link #bind} and {@link #unbind} are called by one thread at a time
 * (the broker applying definition changes); {@link #route} may run on any number of threads at once, concurrently with
 * the writer, without locks, and sees each binding change wholly or not at all.
 *
 * @param <D> the destination type (the broker's queue or exchange handle); compared with {@code equals}
 */
public sealed interface ExchangeRouter<D> permits DirectRouter, FanoutRouter, TopicRouter, HeadersRouter {

    /**
     * Adds a binding; false if exactly this binding already exists.
     *
     * @throws io.hermod.broker.BrokerException {@code PRECONDITION_FAILED} for arguments this type rejects (a headers
     *     binding with an invalid {@code x-match})
     */
    boolean bind(String bindingKey, Map<String, Object> arguments, D destination);

    /** Removes a binding; false if there was no such binding. */
    boolean unbind(String bindingKey, Map<String, Object> arguments, D destination);

    /**
     * Hands {@code sink} every destination with a binding that matches a message with this routing key and these
     * headers (never null; empty when the message has none), each once, on the calling thread.
     */
    void route(String routingKey, Map<String, Object> headers, Consumer<? super D> sink);

    /** The number of bindings. */
    int bindingCount();
}
