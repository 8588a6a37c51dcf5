package io.hermod.broker;

import java.util.Map;
import java.util.Objects;

/**
 * A message as a publisher hands it to the broker. {@code properties} are the protocol's encoded message properties
 * (for AMQP the content-header property bytes), stored and delivered back unchanged so that delivery re-encodes
 * nothing; the broker reads only what its rules need, passed alongside: the routing key, the headers table (for headers
 * exchanges, in {@link io.hermod.broker.definitions.Arguments} types) and whether the message is persistent.
 *
 * <p>The arrays and the map are not copied: the caller must not change them after publishing.
 *
 * @param exchange the exchange published to ({@code ""} is the default exchange)
 * @param ttlMillis the message's own time to live in its queues, in milliseconds ({@link #NO_TTL}: none); AMQP's
 *     {@code expiration} property. A queue's {@code x-message-ttl}, when shorter, wins.
 * @param priority 0 to 255 (AMQP's {@code priority} property); queues with {@code x-max-priority} deliver higher first
 */
public record Message(
        String exchange,
        String routingKey,
        Map<String, Object> headers,
        boolean persistent,
        byte[] properties,
        byte[] body,
        long ttlMillis,
        int priority) {

    /** {@link #ttlMillis()} of a message that has none. */
    public static final long NO_TTL = -1;

    private static final byte[] NONE = {};

    public Message {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        headers = headers == null ? Map.of() : headers;
        properties = properties == null ? NONE : properties;
        Objects.requireNonNull(body, "body");
        if (ttlMillis < NO_TTL) {
            throw new IllegalArgumentException("ttlMillis must be >= 0 or NO_TTL: " + ttlMillis);
        }
        if (priority < 0 || priority > 255) {
            throw new IllegalArgumentException("priority must be 0 to 255: " + priority);
        }
    }

    /** A message without a priority (0). */
    public Message(
            String exchange,
            String routingKey,
            Map<String, Object> headers,
            boolean persistent,
            byte[] properties,
            byte[] body,
            long ttlMillis) {
        this(exchange, routingKey, headers, persistent, properties, body, ttlMillis, 0);
    }

    /** A message without a time to live of its own. */
    public Message(
            String exchange,
            String routingKey,
            Map<String, Object> headers,
            boolean persistent,
            byte[] properties,
            byte[] body) {
        this(exchange, routingKey, headers, persistent, properties, body, NO_TTL, 0);
    }

    /** A message with no properties and no headers. */
    public static Message of(String exchange, String routingKey, boolean persistent, byte[] body) {
        return new Message(exchange, routingKey, Map.of(), persistent, NONE, body);
    }
}
