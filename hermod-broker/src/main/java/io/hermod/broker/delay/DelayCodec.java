package io.hermod.broker.delay;

import io.hermod.broker.Message;
import io.hermod.broker.definitions.Arguments;
import io.hermod.storage.record.Header;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a delayed message is laid out as one record of a delay store's log: a queue message's layout ({@code
 * queue/MessageCodec}: body as the value, one-letter record headers) plus its due time and, when it has any, its
 * headers table, which routing needs when it falls due (a headers exchange, or one reached through a binding):
 *
 * <pre>
 *   timestamp    when it was published (broker clock, ms); due - timestamp is the delay asked for
 *   value        body bytes
 *   header "e"   exchange published to (UTF-8)
 *   header "r"   routing key (UTF-8)
 *   header "p"   protocol property bytes, as published
 *   header "f"   flags, one byte: bit 0 = persistent
 *   header "t"   the message's own time to live in milliseconds, int64 (only when it has one)
 *   header "d"   due time, int64 ms of the broker clock
 *   header "h"   the headers table, Arguments.encode (only when not empty)
 *   header "y"   its priority, 1 byte (only when above 0)
 * </pre>
 *
 * <p>Every header but the required ones is optional and found by its key, so the layout grows by new keys: a record
 * written before a key existed reads as without it (before "y", every record reads as of priority 0), and a reader
 * passes over keys it does not know.
 *
 * <p>Stateless.
 */
final class DelayCodec {

    private static final String EXCHANGE = "e";
    private static final String ROUTING_KEY = "r";
    private static final String PROPERTIES = "p";
    private static final String FLAGS = "f";
    private static final String TTL = "t";
    private static final String DUE = "d";
    private static final String HEADERS = "h";
    private static final String PRIORITY = "y";
    private static final int PERSISTENT = 1;

    /** What recovery needs of a record: when it falls due and whether it survives a restart. */
    record Due(long dueAt, boolean persistent) {}

    /** A stored message read back, to be routed (or moved). */
    record Stored(Message message, long publishedAt, long dueAt) {

        /** The delay asked for at publish time. */
        long delay() {
            return Math.max(0, dueAt - publishedAt);
        }
    }

    private DelayCodec() {}

    static void add(RecordBatchBuilder batch, Message message, long publishedAt, long dueAt) {
        List<Header> headers = new ArrayList<>(8);
        headers.add(new Header(EXCHANGE, utf8(message.exchange())));
        headers.add(new Header(ROUTING_KEY, utf8(message.routingKey())));
        headers.add(new Header(PROPERTIES, ByteBuffer.wrap(message.properties())));
        headers.add(new Header(FLAGS, ByteBuffer.wrap(new byte[] {(byte) (message.persistent() ? PERSISTENT : 0)})));
        if (message.ttlMillis() != Message.NO_TTL) {
            headers.add(new Header(TTL, ByteBuffer.allocate(Long.BYTES).putLong(0, message.ttlMillis())));
        }
        headers.add(new Header(DUE, ByteBuffer.allocate(Long.BYTES).putLong(0, dueAt)));
        if (!message.headers().isEmpty()) {
            headers.add(new Header(HEADERS, ByteBuffer.wrap(Arguments.encode(message.headers()))));
        }
        if (message.priority() > 0) {
            headers.add(new Header(PRIORITY, ByteBuffer.wrap(new byte[] {(byte) message.priority()})));
        }
        batch.add(publishedAt, null, message.body(), headers);
    }

    /** The due time and flags of a record, without decoding the rest. */
    static Due due(Record record) {
        long dueAt = -1;
        boolean persistent = false;
        for (Header h : record.headers()) {
            switch (h.key()) {
                case DUE -> dueAt = longValue(h.value(), record);
                case FLAGS -> persistent = flags(h.value());
                default -> {
                    // not needed here
                }
            }
        }
        if (dueAt < 0) {
            throw notDelayed(record);
        }
        return new Due(dueAt, persistent);
    }

    /** The whole message of a record, as it was published. */
    static Stored decode(Record record) {
        String exchange = null;
        String routingKey = null;
        byte[] properties = null;
        boolean persistent = false;
        long ttl = Message.NO_TTL;
        long dueAt = -1;
        int priority = 0;
        Map<String, Object> headers = Map.of();
        for (Header h : record.headers()) {
            switch (h.key()) {
                case EXCHANGE -> exchange = string(h.value());
                case ROUTING_KEY -> routingKey = string(h.value());
                case PROPERTIES -> properties = bytes(h.value());
                case FLAGS -> persistent = flags(h.value());
                case TTL -> ttl = longValue(h.value(), record);
                case DUE -> dueAt = longValue(h.value(), record);
                case HEADERS -> headers = Arguments.decode(bytes(h.value()));
                case PRIORITY -> priority = priority(h.value(), record);
                default -> {
                    // later versions may add headers; ignoring unknown ones keeps old brokers reading new logs
                }
            }
        }
        if (exchange == null || routingKey == null || properties == null || record.value() == null || dueAt < 0) {
            throw notDelayed(record);
        }
        Message message = new Message(
                exchange, routingKey, headers, persistent, properties, bytes(record.value()), ttl, priority);
        return new Stored(message, record.timestamp(), dueAt);
    }

    private static IllegalStateException notDelayed(Record record) {
        return new IllegalStateException("record at offset " + record.offset() + " is not a delayed message");
    }

    private static boolean flags(ByteBuffer value) {
        return value != null && value.hasRemaining() && (value.get(value.position()) & PERSISTENT) != 0;
    }

    private static int priority(ByteBuffer value, Record record) {
        if (value == null || value.remaining() != 1) {
            throw notDelayed(record);
        }
        return value.get(value.position()) & 0xFF;
    }

    private static long longValue(ByteBuffer value, Record record) {
        if (value == null || value.remaining() != Long.BYTES) {
            throw notDelayed(record);
        }
        return value.getLong(value.position());
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return bytes;
    }

    private static String string(ByteBuffer b) {
        return b == null ? null : new String(bytes(b), StandardCharsets.UTF_8);
    }
}
