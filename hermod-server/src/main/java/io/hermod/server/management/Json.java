package io.hermod.server.management;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.amqp.codec.FieldTables;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for the management API: one shared mapper, bounded parsing, and the translation between the broker's argument
 * values ({@link io.hermod.broker.definitions.Arguments}) and JSON, as RabbitMQ shows them (long strings and byte
 * arrays as text, timestamps as epoch seconds; JSON integers become longs, other numbers doubles).
 *
 * <p>Threading: stateless; the mapper is thread-safe once configured.
 */
final class Json {

    /** How deeply a request's JSON may nest; deeper is a 400, never a stack overflow. */
    static final int MAX_DEPTH = 64;

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .build());
    }

    private Json() {}

    /**
     * Parses a request body.
     *
     * @throws ApiException 400 naming what is wrong
     */
    static JsonNode parse(byte[] body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest("the body is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("unreadable body: " + e.getMessage());
        }
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** A broker argument value as JSON shows it. */
    static Object toJson(Object value) {
        return switch (value) {
            case null -> null;
            case byte[] bytes -> new String(bytes, StandardCharsets.UTF_8);
            case Instant t -> t.getEpochSecond();
            case FieldTables.BeyondInstant t -> t.seconds();
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                list.forEach(v -> out.add(toJson(v)));
                yield out;
            }
            case Map<?, ?> map -> toJson(map);
            default -> value; // strings, booleans, numbers
        };
    }

    static Map<String, Object> toJson(Map<?, ?> table) {
        Map<String, Object> out = new LinkedHashMap<>();
        table.forEach((k, v) -> out.put(String.valueOf(k), toJson(v)));
        return out;
    }

    /** A JSON value as a broker argument value. */
    static Object fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : new BigDecimal(node.bigIntegerValue());
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isArray()) {
            List<Object> out = new ArrayList<>(node.size());
            node.forEach(v -> out.add(fromJson(v)));
            return out;
        }
        if (node.isObject()) {
            return table(node);
        }
        throw ApiException.badRequest("unsupported JSON value " + node);
    }

    /**
     * A JSON object as a broker field table (arguments, headers); null or absent gives an empty table.
     *
     * @throws ApiException 400 when it is present but not an object
     */
    static Map<String, Object> table(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiException.badRequest(
                    "expected a JSON object, got " + node.getNodeType().name().toLowerCase());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            out.put(e.getKey(), fromJson(e.getValue()));
        }
        return out;
    }

    // ------------------------------------------------------------------ typed field reads of request bodies

    /** A text field; {@code fallback} when absent or null. @throws ApiException 400 when of another type */
    static String text(ObjectNode body, String field, String fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest("'" + field + "' must be a string");
        }
        return node.textValue();
    }

    /** A required text field. @throws ApiException 400 when absent or not text */
    static String requiredText(ObjectNode body, String field) {
        String value = text(body, field, null);
        if (value == null) {
            throw ApiException.badRequest("'" + field + "' is missing");
        }
        return value;
    }

    /** A boolean field (RabbitMQ also takes "true"/"false" strings); {@code fallback} when absent. */
    static boolean bool(ObjectNode body, String field, boolean fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual()
                && (node.textValue().equals("true") || node.textValue().equals("false"))) {
            return Boolean.parseBoolean(node.textValue());
        }
        throw ApiException.badRequest("'" + field + "' must be true or false");
    }

    /** An integer field (or a string of digits, as RabbitMQ's forms send); {@code fallback} when absent. */
    static long integer(ObjectNode body, String field, long fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.textValue().strip());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw ApiException.badRequest("'" + field + "' must be an integer");
    }
}
