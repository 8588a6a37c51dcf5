package io.hermod.amqp.server;

import io.hermod.broker.Message;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * RabbitMQ's direct reply-to (https://www.rabbitmq.com/docs/direct-reply-to): the server-wide registry of reply
 * consumers. A channel that consumes from the pseudo-queue {@value #QUEUE} (in no-ack mode) registers here and gets an
 * opaque token; its publishes with {@code reply_to = amq.rabbitmq.reply-to} carry {@code amq.rabbitmq.reply-to.<token>}
 * instead, and a publish to the default exchange with that routing key is handed straight to the consumer — no queue,
 * nothing stored — or dropped (unroutable) when the consumer has gone.
 *
 * <p>The broker never sees these messages: the pseudo-queue is an AMQP convention, so it lives in the protocol module.
 *
 * <p>Threading: thread-safe. Channels register and unregister on their event loops; publishers on any connection look
 * consumers up on theirs.
 */
final class DirectReplyTo {

    /** The pseudo-queue a client consumes its replies from, and the {@code reply_to} value it publishes with. */
    static final String QUEUE = "amq.rabbitmq.reply-to";

    /** The prefix of the routing keys (and rewritten {@code reply_to} values) that address one reply consumer. */
    static final String PREFIX = QUEUE + ".";

    /** A registered reply consumer: the vhost it lives in and where its messages go (called on the publisher's thread). */
    record Registration(String vhost, Consumer<Message> sink) {
        Registration {
            Objects.requireNonNull(vhost, "vhost");
            Objects.requireNonNull(sink, "sink");
        }
    }

    private final ConcurrentHashMap<String, Registration> consumers = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** Registers a reply consumer and returns its token (the suffix of its reply address). */
    String register(Registration consumer) {
        while (true) {
            String token = randomToken();
            if (consumers.putIfAbsent(token, consumer) == null) {
                return token;
            }
        }
    }

    void unregister(String token) {
        consumers.remove(token);
    }

    /** A server-chosen consumer tag, as RabbitMQ's {@code amq.ctag-...}. */
    String generateConsumerTag() {
        return "amq.ctag-" + randomToken();
    }

    /** Whether {@code routingKey}, published to the default exchange, addresses a reply consumer. */
    static boolean isReplyAddress(String exchange, String routingKey) {
        return exchange.isEmpty() && routingKey.startsWith(PREFIX);
    }

    /**
     * Hands a message published to the default exchange with a reply address to its consumer, on the caller's thread.
     * False when there is no such consumer in {@code vhost} (the message is then unroutable).
     */
    boolean deliver(String vhost, Message message) {
        Registration consumer = consumers.get(message.routingKey().substring(PREFIX.length()));
        if (consumer == null || !consumer.vhost().equals(vhost)) {
            return false;
        }
        consumer.sink().accept(message);
        return true;
    }

    /**
     * Whether a queue.declare of {@code queue} names a live pseudo-queue: {@value #QUEUE} itself always does, a reply
     * address does while its consumer exists (rabbit_channel's declare_fast_reply_to).
     */
    boolean exists(String vhost, String queue) {
        if (queue.equals(QUEUE)) {
            return true;
        }
        if (!queue.startsWith(PREFIX)) {
            return false;
        }
        Registration consumer = consumers.get(queue.substring(PREFIX.length()));
        return consumer != null && consumer.vhost().equals(vhost);
    }

    /** Whether a queue name belongs to the pseudo-queue's namespace (never a real queue). */
    static boolean isPseudoQueue(String queue) {
        return queue.startsWith(QUEUE);
    }

    private String randomToken() {
        byte[] bytes = new byte[18];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
