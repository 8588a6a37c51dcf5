package io.hermod.broker.queue;

import io.hermod.broker.Message;
import io.hermod.storage.record.Header;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How a message is laid out as one record of a queue's log: the body is the record value, the record key is absent,
 * and one-letter record headers carry what delivery needs, so nothing is re-encoded on the way out:
 *
 * <pre>
 *   value        body bytes
 *   header "e"   exchange published to (UTF-8)
 *   header "r"   routing key (UTF-8)
 *   header "p"   protocol property bytes, as published
 *   header "f"   flags, one byte: bit 0 = persistent
 *   header "t"   the message's own time to live in milliseconds, 8 bytes (only when it has one)
 *   header "y"   its priority, 1 byte (only when above 0)
 * </pre>
 *
 * Several messages appended together share one batch (one CRC, one write).
 */
final class MessageCodec {

    static final String EXCHANGE = "e";
    static final String ROUTING_KEY = "r";
    static final String PROPERTIES = "p";
    static final String FLAGS = "f";
    static final String TTL = "t";
    static final String PRIORITY = "y";
    private static final int PERSISTENT = 1;
    private static final Header[] FLAG_HEADERS = {
        new Header(FLAGS, ByteBuffer.wrap(new byte[] {0}).asReadOnlyBuffer()),
        new Header(FLAGS, ByteBuffer.wrap(new byte[] {PERSISTENT}).asReadOnlyBuffer())
    };

    private MessageCodec() {}

    /**
     * The exchange and routing-key headers of the last message a queue appended, reused while they repeat (they mostly
     * do: a queue's publishers send to few exchanges and keys), so that appending encodes no name per message. The
     * batch builder reads header values without moving them, so records and batches may share one. Not thread-safe:
     * one per queue, used on its executor.
     */
    static final class NameHeaders {
        private String exchangeName;
        private Header exchange;
        private String routingKeyName;
        private Header routingKey;

        Header exchange(String name) {
            if (!name.equals(exchangeName)) {
                exchangeName = name;
                exchange = new Header(EXCHANGE, utf8(name));
            }
            return exchange;
        }

        Header routingKey(String name) {
            if (!name.equals(routingKeyName)) {
                routingKeyName = name;
                routingKey = new Header(ROUTING_KEY, utf8(name));
            }
            return routingKey;
        }
    }

    static void add(RecordBatchBuilder batch, Message message, long timestamp, NameHeaders names) {
        Header exchange = names.exchange(message.exchange());
        Header routingKey = names.routingKey(message.routingKey());
        Header properties = new Header(PROPERTIES, ByteBuffer.wrap(message.properties()));
        Header flags = FLAG_HEADERS[message.persistent() ? 1 : 0];
        List<Header> headers;
        if (message.ttlMillis() == Message.NO_TTL && message.priority() == 0) {
            headers = List.of(exchange, routingKey, properties, flags);
        } else {
            headers = new java.util.ArrayList<>(6);
            headers.addAll(List.of(exchange, routingKey, properties, flags));
            if (message.ttlMillis() != Message.NO_TTL) {
                headers.add(new Header(TTL, ByteBuffer.allocate(Long.BYTES).putLong(0, message.ttlMillis())));
            }
            if (message.priority() > 0) {
                headers.add(new Header(PRIORITY, ByteBuffer.wrap(new byte[] {(byte) message.priority()})));
            }
        }
        batch.add(timestamp, null, message.body(), headers);
    }

    /** The stored form of a message just appended at {@code offset}, without reading it back. */
    static StoredMessage stored(Message message, long offset, long timestamp) {
        return new StoredMessage(
                offset,
                message.exchange(),
                message.routingKey(),
                message.persistent(),
                ByteBuffer.wrap(message.properties()).asReadOnlyBuffer(),
                ByteBuffer.wrap(message.body()).asReadOnlyBuffer(),
                timestamp,
                message.ttlMillis(),
                message.priority());
    }

    /** The TTL of its own of a message stored as this record; {@link Message#NO_TTL} when it has none. */
    static long ttl(Record record) {
        for (Header h : record.headers()) {
            if (TTL.equals(h.key()) && h.value() != null && h.value().remaining() == Long.BYTES) {
                return h.value().getLong(h.value().position());
            }
        }
        return Message.NO_TTL;
    }

    /** The priority of a message stored as this record: 0 when it has none. */
    static int priority(Record record) {
        for (Header h : record.headers()) {
            if (PRIORITY.equals(h.key())) {
                return priority(h.value());
            }
        }
        return 0;
    }

    private static int priority(ByteBuffer value) {
        return value != null && value.remaining() == 1 ? value.get(value.position()) & 0xFF : 0;
    }

    /** Decodes a record of a queue log; a record this codec did not write gives an exception naming the offset. */
    static StoredMessage decode(Record record) {
        String exchange = null;
        String routingKey = null;
        ByteBuffer properties = null;
        boolean persistent = false;
        long ttl = Message.NO_TTL;
        int priority = 0;
        for (Header h : record.headers()) {
            switch (h.key()) {
                case EXCHANGE -> exchange = string(h.value());
                case ROUTING_KEY -> routingKey = string(h.value());
                case PROPERTIES -> properties = h.value();
                case FLAGS ->
                    persistent = h.value() != null && (h.value().get(h.value().position()) & PERSISTENT) != 0;
                case TTL -> {
                    if (h.value() != null && h.value().remaining() == Long.BYTES) {
                        ttl = h.value().getLong(h.value().position());
                    }
                }
                case PRIORITY -> priority = priority(h.value());
                default -> {
                    // later versions may add headers; ignoring unknown ones keeps old brokers reading new logs
                }
            }
        }
        if (exchange == null || routingKey == null || properties == null || record.value() == null) {
            throw new IllegalStateException("record at offset " + record.offset() + " is not a queue message");
        }
        return new StoredMessage(
                record.offset(),
                exchange,
                routingKey,
                persistent,
                properties.asReadOnlyBuffer(),
                record.value().asReadOnlyBuffer(),
                record.timestamp(),
                ttl,
                priority);
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    }

    private static String string(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        if (b.hasArray()) {
            return new String(b.array(), b.arrayOffset() + b.position(), b.remaining(), StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
