package io.hermod.server.management;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.amqp.codec.BasicProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * AMQP basic properties as the management API writes them in JSON ({@code content_type}, {@code delivery_mode},
 * {@code headers}, ...): read from a publish request and encoded as AMQP content-header property bytes (what the broker
 * stores and delivers unchanged), and decoded from a stored message for a get.
 */
final class MessageProperties {

    private static final Set<String> KNOWN = Set.of(
            "content_type",
            "content_encoding",
            "headers",
            "delivery_mode",
            "priority",
            "correlation_id",
            "reply_to",
            "expiration",
            "message_id",
            "timestamp",
            "type",
            "user_id",
            "app_id",
            "cluster_id");

    private MessageProperties() {}

    /**
     * The properties a publish request gives.
     *
     * @throws ApiException 400 for an unknown property or a value of the wrong type or range
     */
    static BasicProperties fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return BasicProperties.EMPTY;
        }
        if (!(node instanceof ObjectNode p)) {
            throw ApiException.badRequest("'properties' must be a JSON object");
        }
        Iterator<String> names = p.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!KNOWN.contains(name)) {
                throw ApiException.badRequest("unknown message property '" + name + "'");
            }
        }
        Map<String, Object> headers =
                p.has("headers") && !p.get("headers").isNull() ? Json.table(p.get("headers")) : null;
        try {
            return new BasicProperties(
                    Json.text(p, "content_type", null),
                    Json.text(p, "content_encoding", null),
                    headers,
                    octet(p, "delivery_mode"),
                    octet(p, "priority"),
                    Json.text(p, "correlation_id", null),
                    Json.text(p, "reply_to", null),
                    expiration(p),
                    Json.text(p, "message_id", null),
                    p.has("timestamp") ? Json.integer(p, "timestamp", 0) : null,
                    Json.text(p, "type", null),
                    Json.text(p, "user_id", null),
                    Json.text(p, "app_id", null),
                    Json.text(p, "cluster_id", null));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** RabbitMQ takes an expiration as a string of digits, and a number too. */
    private static String expiration(ObjectNode p) {
        JsonNode node = p.get("expiration");
        if (node == null || node.isNull()) {
            return null;
        }
        String value = node.isIntegralNumber() ? node.asText() : Json.text(p, "expiration", null);
        if (!value.matches("\\d{1,10}")) {
            throw ApiException.badRequest("expiration must be a number of milliseconds, not '" + value + "'");
        }
        return value;
    }

    private static Integer octet(ObjectNode p, String field) {
        if (!p.has(field) || p.get(field).isNull()) {
            return null;
        }
        long value = Json.integer(p, field, 0);
        if (value < 0 || value > 255) {
            throw ApiException.badRequest("'" + field + "' must be in [0, 255]");
        }
        return (int) value;
    }

    /** The AMQP content-header property bytes of these properties. */
    static byte[] encode(BasicProperties properties) {
        ByteBuf out = Unpooled.buffer();
        try {
            properties.encode(out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** Stored property bytes as JSON: only the properties that are set, as RabbitMQ shows them. */
    static Map<String, Object> toJson(ByteBuffer stored) {
        BasicProperties p = BasicProperties.decode(Unpooled.wrappedBuffer(stored.duplicate()));
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "content_type", p.contentType());
        put(m, "content_encoding", p.contentEncoding());
        put(m, "headers", p.headers() == null ? null : Json.toJson(p.headers()));
        put(m, "delivery_mode", p.deliveryMode());
        put(m, "priority", p.priority());
        put(m, "correlation_id", p.correlationId());
        put(m, "reply_to", p.replyTo());
        put(m, "expiration", p.expiration());
        put(m, "message_id", p.messageId());
        put(m, "timestamp", p.timestamp());
        put(m, "type", p.type());
        put(m, "user_id", p.userId());
        put(m, "app_id", p.appId());
        put(m, "cluster_id", p.clusterId());
        return m;
    }

    private static void put(Map<String, Object> m, String name, Object value) {
        if (value != null) {
            m.put(name, value);
        }
    }
}
