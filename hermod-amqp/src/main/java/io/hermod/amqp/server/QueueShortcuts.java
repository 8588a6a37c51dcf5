package io.hermod.amqp.server;

import io.hermod.amqp.codec.AmqpMethod;
import io.hermod.amqp.codec.BasicConsume;
import io.hermod.amqp.codec.BasicGet;
import io.hermod.amqp.codec.ExchangeBind;
import io.hermod.amqp.codec.ExchangeDeclare;
import io.hermod.amqp.codec.ExchangeDelete;
import io.hermod.amqp.codec.ExchangeUnbind;
import io.hermod.amqp.codec.QueueBind;
import io.hermod.amqp.codec.QueueDeclare;
import io.hermod.amqp.codec.QueueDelete;
import io.hermod.amqp.codec.QueuePurge;
import io.hermod.amqp.codec.QueueUnbind;
import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;

/**
 * The names a channel's methods mean, as rabbit_channel reads them before acting: an empty queue name in basic.get,
 * basic.consume, queue.delete, queue.purge and queue.bind/unbind is the queue this channel declared last (and an empty
 * routing key with it, in a bind or unbind, that queue's name: expand_shortcuts), and carriage returns and line feeds
 * are dropped from the exchange and queue names of declares, deletes and bindings (strip_cr_lf). Other methods, and
 * methods whose names need neither, are returned as they are.
 *
 * <p>Threading: stateless.
 */
final class QueueShortcuts {

    private QueueShortcuts() {}

    /**
     * {@code method} with its names expanded and stripped.
     *
     * @param lastDeclared the queue this channel declared last ({@code ""}: none yet)
     * @throws BrokerException {@code NOT_FOUND} "no previously declared queue" for a shortcut without one
     */
    static AmqpMethod expand(AmqpMethod method, String lastDeclared) {
        return switch (method) {
            case BasicGet m when m.queue().isEmpty() -> new BasicGet(m.ticket(), last(lastDeclared), m.noAck());
            case BasicConsume m
            when m.queue().isEmpty() ->
                new BasicConsume(
                        m.ticket(),
                        last(lastDeclared),
                        m.consumerTag(),
                        m.noLocal(),
                        m.noAck(),
                        m.exclusive(),
                        m.noWait(),
                        m.arguments());
            case QueuePurge m when m.queue().isEmpty() -> new QueuePurge(m.ticket(), last(lastDeclared), m.noWait());
            case QueueDelete m ->
                new QueueDelete(m.ticket(), queue(m.queue(), lastDeclared), m.ifUnused(), m.ifEmpty(), m.noWait());
            case QueueBind m ->
                new QueueBind(
                        m.ticket(),
                        queue(m.queue(), lastDeclared),
                        strip(m.exchange()),
                        routingKey(m.queue(), m.routingKey(), lastDeclared),
                        m.noWait(),
                        m.arguments());
            case QueueUnbind m ->
                new QueueUnbind(
                        m.ticket(),
                        queue(m.queue(), lastDeclared),
                        strip(m.exchange()),
                        routingKey(m.queue(), m.routingKey(), lastDeclared),
                        m.arguments());
            case QueueDeclare m
            when needsStrip(m.queue()) ->
                new QueueDeclare(
                        m.ticket(),
                        strip(m.queue()),
                        m.passive(),
                        m.durable(),
                        m.exclusive(),
                        m.autoDelete(),
                        m.noWait(),
                        m.arguments());
            case ExchangeDeclare m
            when needsStrip(m.exchange()) ->
                new ExchangeDeclare(
                        m.ticket(),
                        strip(m.exchange()),
                        m.type(),
                        m.passive(),
                        m.durable(),
                        m.autoDelete(),
                        m.internal(),
                        m.noWait(),
                        m.arguments());
            case ExchangeDelete m
            when needsStrip(m.exchange()) ->
                new ExchangeDelete(m.ticket(), strip(m.exchange()), m.ifUnused(), m.noWait());
            case ExchangeBind m
            when needsStrip(m.destination()) || needsStrip(m.source()) ->
                new ExchangeBind(
                        m.ticket(),
                        strip(m.destination()),
                        strip(m.source()),
                        m.routingKey(),
                        m.noWait(),
                        m.arguments());
            case ExchangeUnbind m
            when needsStrip(m.destination()) || needsStrip(m.source()) ->
                new ExchangeUnbind(
                        m.ticket(),
                        strip(m.destination()),
                        strip(m.source()),
                        m.routingKey(),
                        m.noWait(),
                        m.arguments());
            default -> method;
        };
    }

    private static String queue(String name, String lastDeclared) {
        return name.isEmpty() ? last(lastDeclared) : strip(name);
    }

    private static String routingKey(String queue, String routingKey, String lastDeclared) {
        return queue.isEmpty() && routingKey.isEmpty() ? last(lastDeclared) : routingKey;
    }

    private static String last(String lastDeclared) {
        if (lastDeclared.isEmpty()) {
            throw new BrokerException(ErrorCode.NOT_FOUND, "no previously declared queue");
        }
        return lastDeclared;
    }

    private static boolean needsStrip(String name) {
        return name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0;
    }

    static String strip(String name) {
        return needsStrip(name) ? name.replace("\n", "").replace("\r", "") : name;
    }
}
