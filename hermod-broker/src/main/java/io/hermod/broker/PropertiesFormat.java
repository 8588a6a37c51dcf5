package io.hermod.broker;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * How a protocol encodes a message's properties ({@link Message#properties()}), for the few places where the broker
 * must read or change them after the publish: dead-lettering adds the {@code x-death} history to the headers and
 * removes the expiration, a queue that counts deliveries adds {@code x-delivery-count}. The broker stores and delivers properties as opaque bytes everywhere else, so the hot path
 * never decodes them; a protocol module registers its format with {@link Broker#usePropertiesFormat}.
 *
 * <p>Headers are in the value model of {@link io.hermod.broker.definitions.Arguments}. Implementations must be
 * thread-safe and must not throw on properties their protocol did not write (empty ones, say, from an embedded
 * publisher): they treat what they cannot read as having no headers and no expiration.
 */
public interface PropertiesFormat {

    /** The headers of these properties; empty when there are none. */
    Map<String, Object> headers(ByteBuffer properties);

    /** The expiration property as the publisher gave it (AMQP's is text), or null. */
    String expiration(ByteBuffer properties);

    /** The message id (AMQP's {@code message_id}), for deduplication; null when none. */
    default String messageId(ByteBuffer properties) {
        return null;
    }

    /** Properties equal to these but with {@code headers} as their headers, and without expiration if asked. */
    byte[] withHeaders(ByteBuffer properties, Map<String, Object> headers, boolean dropExpiration);

    /**
     * The format of a broker no protocol has told of its own: properties it cannot read. Dead-lettered and redelivered
     * messages keep their properties unchanged, so they carry no {@code x-death} history or {@code x-delivery-count},
     * and dead-letter cycles cannot be seen.
     */
    PropertiesFormat OPAQUE = new PropertiesFormat() {
        @Override
        public Map<String, Object> headers(ByteBuffer properties) {
            return Map.of();
        }

        @Override
        public String expiration(ByteBuffer properties) {
            return null;
        }

        @Override
        public byte[] withHeaders(ByteBuffer properties, Map<String, Object> headers, boolean dropExpiration) {
            byte[] copy = new byte[properties.remaining()];
            properties.duplicate().get(copy);
            return copy;
        }
    };
}
