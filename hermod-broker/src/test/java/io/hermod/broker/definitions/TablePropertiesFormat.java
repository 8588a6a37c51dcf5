package io.hermod.broker.definitions;

import io.hermod.broker.PropertiesFormat;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link PropertiesFormat} for broker tests, which have no protocol: properties are a table (in the definitions'
 * encoding) with {@code headers} and {@code expiration}; empty properties have neither.
 */
public final class TablePropertiesFormat implements PropertiesFormat {

    public static final TablePropertiesFormat INSTANCE = new TablePropertiesFormat();

    private TablePropertiesFormat() {}

    /** Properties with these headers and this expiration (null: none). */
    public static byte[] properties(Map<String, Object> headers, String expiration) {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("headers", headers);
        if (expiration != null) {
            table.put("expiration", expiration);
        }
        return ArgumentsCodec.encodeTable(table);
    }

    public static Map<String, Object> table(ByteBuffer properties) {
        if (!properties.hasRemaining()) {
            return Map.of();
        }
        byte[] bytes = new byte[properties.remaining()];
        properties.duplicate().get(bytes);
        return ArgumentsCodec.decodeTable(bytes);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> headers(ByteBuffer properties) {
        return table(properties).get("headers") instanceof Map<?, ?> h ? (Map<String, Object>) h : Map.of();
    }

    /** Properties with a message id (and no headers). */
    public static byte[] withMessageId(String messageId) {
        return ArgumentsCodec.encodeTable(Map.of("headers", Map.of(), "message_id", messageId));
    }

    @Override
    public String messageId(ByteBuffer properties) {
        return (String) table(properties).get("message_id");
    }

    @Override
    public String expiration(ByteBuffer properties) {
        return (String) table(properties).get("expiration");
    }

    @Override
    public byte[] withHeaders(ByteBuffer properties, Map<String, Object> headers, boolean dropExpiration) {
        return properties(headers, dropExpiration ? null : expiration(properties));
    }
}
