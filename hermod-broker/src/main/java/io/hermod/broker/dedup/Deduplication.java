package io.hermod.broker.dedup;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.Message;
import io.hermod.broker.PropertiesFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The deduplication arguments of a queue or an exchange, as the rabbitmq-message-deduplication plugin names them:
 * {@code x-message-deduplication} (true turns it on), {@code x-cache-size} (how many keys the window keeps, default
 * {@value #DEFAULT_CACHE_SIZE}) and {@code x-cache-ttl} (how long, in ms; default: no time limit). A message's key is
 * the value of its {@code x-deduplication-header} header, as with the plugin, or, without one, its {@code message_id};
 * Hermod's {@code x-deduplication-key-header} argument names another header to read instead. A message with no key is
 * never a duplicate.
 *
 * <p>Threading: an immutable value.
 */
public record Deduplication(long cacheSize, long cacheTtlMillis, String keyHeader) {

    public static final String ENABLED = "x-message-deduplication";
    public static final String CACHE_SIZE = "x-cache-size";
    public static final String CACHE_TTL = "x-cache-ttl";
    public static final String KEY_HEADER = "x-deduplication-key-header";
    /** The message header that carries the key (the plugin's). */
    public static final String DEFAULT_KEY_HEADER = "x-deduplication-header";

    public static final long DEFAULT_CACHE_SIZE = 100_000;
    private static final long MAX_CACHE_SIZE = 100_000_000;

    /**
     * The deduplication these arguments ask for, or null when they do not turn it on.
     *
     * @param what the queue or exchange, for errors ("queue 'q' in vhost '/'")
     * @throws BrokerException {@code PRECONDITION_FAILED} for a bad value, in RabbitMQ's words
     */
    public static Deduplication of(Map<String, Object> arguments, String what) {
        Object enabled = arguments.get(ENABLED);
        if (enabled != null && !(enabled instanceof Boolean)) {
            throw invalid(
                    ENABLED, what, "{unacceptable_type," + enabled.getClass().getSimpleName() + "}");
        }
        long size = integer(arguments, CACHE_SIZE, DEFAULT_CACHE_SIZE, 1, MAX_CACHE_SIZE, what);
        long ttl = integer(arguments, CACHE_TTL, 0, 0, 4_294_967_295L, what);
        Object header = arguments.getOrDefault(KEY_HEADER, DEFAULT_KEY_HEADER);
        if (!(header instanceof String h) || h.isEmpty()) {
            throw invalid(KEY_HEADER, what, "a header name is expected");
        }
        return Boolean.TRUE.equals(enabled) ? new Deduplication(size, ttl, h) : null;
    }

    /** Like {@link #of} for arguments already accepted once (a recovered definition): bad values turn it off. */
    public static Deduplication ofDefined(Map<String, Object> arguments) {
        try {
            return of(arguments, "");
        } catch (BrokerException e) {
            return null;
        }
    }

    /** The key of a message: its key header's value, else its message id (read from its properties); null if none. */
    public String key(Message m, PropertiesFormat format) {
        Object value = m.headers().isEmpty() ? null : m.headers().get(keyHeader);
        return switch (value) {
            case String s -> s;
            case byte[] b -> new String(b, StandardCharsets.UTF_8);
            case Number n -> n.toString();
            case null, default -> format.messageId(ByteBuffer.wrap(m.properties()));
        };
    }

    private static long integer(
            Map<String, Object> arguments, String key, long absent, long min, long max, String what) {
        Object v = arguments.get(key);
        if (v == null) {
            return absent;
        }
        long n = switch (v) {
            case Byte b -> b;
            case Short s -> s;
            case Integer i -> i;
            case Long l -> l;
            default ->
                throw invalid(
                        key, what, "\"expected integer, got " + v.getClass().getSimpleName() + "\"");
        };
        if (n < min || n > max) {
            throw invalid(key, what, "{value_out_of_range," + n + "}");
        }
        return n;
    }

    private static BrokerException invalid(String key, String what, String error) {
        return new BrokerException(
                ErrorCode.PRECONDITION_FAILED, "invalid arg '" + key + "' for " + what + ": " + error);
    }
}
