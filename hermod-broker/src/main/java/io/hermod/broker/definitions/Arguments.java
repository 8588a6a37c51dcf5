package io.hermod.broker.definitions;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value model of arguments (of exchanges, queues, bindings and consumers) and of message headers as the broker sees
 * them: an AMQP field table in plain Java types. A value is {@code null}, {@link String}, {@link Boolean},
 * {@link Byte}, {@link Short}, {@link Integer}, {@link Long}, {@link Float}, {@link Double}, {@link BigDecimal},
 * {@link Instant} (a timestamp), {@code byte[]}, a {@link List} of values, or a {@link Map} from {@link String} to
 * values. Protocol modules translate their own field types into these.
 *
 * <p>Equivalence follows what RabbitMQ users rely on: integers compare by value whatever their width ({@code 5} as a
 * short equals {@code 5L}), so do floating-point numbers and decimals; byte arrays compare by content.
 */
public final class Arguments {

    /** How deeply tables and arrays may nest (as the definitions codec allows); deeper is refused, cycles too. */
    public static final int MAX_DEPTH = 64;

    private Arguments() {}

    /**
     * An unmodifiable deep copy of {@code arguments} ({@code null} gives an empty map), in the same order.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} when a value is not of a supported type
     * @throws IllegalArgumentException on a null name, a key that is not a string, nesting deeper than allowed
     */
    public static Map<String, Object> copyOf(Map<String, ?> arguments) {
        if (arguments == null || arguments.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> copy = new LinkedHashMap<>(arguments.size() * 2);
        for (Map.Entry<String, ?> e : arguments.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("argument names must not be null");
            }
            copy.put(e.getKey(), copyValue(e.getValue(), e.getKey(), 1));
        }
        return Collections.unmodifiableMap(copy);
    }

    /** The AMQP field type RabbitMQ names in its errors (rabbit_framing's type atoms) for a value of this model. */
    public static String typeName(Object value) {
        return switch (value) {
            case null -> "void";
            case String s -> "longstr";
            case Boolean b -> "bool";
            case Byte b -> "byte";
            case Short s -> "short";
            case Integer i -> "signedint";
            case Long l -> "long";
            case Float f -> "float";
            case Double d -> "double";
            case BigDecimal d -> "decimal";
            case Instant t -> "timestamp";
            case byte[] b -> "binary";
            case List<?> l -> "array";
            case Map<?, ?> m -> "table";
            default -> value.getClass().getSimpleName();
        };
    }

    private static Object copyValue(Object value, String name, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("argument " + name + " nests tables or arrays deeper than " + MAX_DEPTH);
        }
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Byte b -> b;
            case Short s -> s;
            case Integer i -> i;
            case Long l -> l;
            case Float f -> f;
            case Double d -> d;
            case BigDecimal d -> d;
            case Instant t -> t;
            case byte[] bytes -> bytes.clone();
            case List<?> list -> {
                List<Object> copy = new ArrayList<>(list.size());
                for (Object element : list) {
                    copy.add(copyValue(element, name, depth + 1));
                }
                yield Collections.unmodifiableList(copy);
            }
            case Map<?, ?> map -> {
                Map<String, Object> copy = new LinkedHashMap<>(map.size() * 2);
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("table keys must be strings in argument " + name);
                    }
                    copy.put(key, copyValue(e.getValue(), name, depth + 1));
                }
                yield Collections.unmodifiableMap(copy);
            }
            default -> // a value a protocol could carry but the broker cannot keep: the client's to fix, as an invalid
                // arg
                throw new BrokerException(
                        ErrorCode.PRECONDITION_FAILED,
                        "argument '" + name + "' has a value of a type that cannot be kept: " + typeName(value));
        };
    }

    /**
     * The bytes of a table in the definitions' own encoding (a version byte, then the table), for state kept outside
     * the definitions log: a delay store keeps the headers of a delayed message with it, to route it when due.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} on a value of an unsupported type
     */
    public static byte[] encode(Map<String, ?> table) {
        try {
            return ArgumentsCodec.encodeTable(table);
        } catch (IllegalArgumentException e) { // a value of a type the definitions' encoding has no tag for
            throw new BrokerException(ErrorCode.PRECONDITION_FAILED, "cannot be kept: " + e.getMessage(), e);
        }
    }

    /**
     * The table {@link #encode} wrote.
     *
     * @throws BrokerException {@code STORAGE_FAILED} on an unknown version or malformed bytes
     */
    public static Map<String, Object> decode(byte[] bytes) {
        return ArgumentsCodec.decodeTable(bytes);
    }

    /** Whether two argument tables are equivalent: the same names with equivalent values. */
    public static boolean equivalent(Map<String, ?> a, Map<String, ?> b) {
        Map<String, ?> left = a == null ? Map.of() : a;
        Map<String, ?> right = b == null ? Map.of() : b;
        if (left.size() != right.size()) {
            return false;
        }
        for (Map.Entry<String, ?> e : left.entrySet()) {
            if (!right.containsKey(e.getKey()) || !valuesEquivalent(e.getValue(), right.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Whether two values are equivalent (see the class comment). */
    public static boolean valuesEquivalent(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (isIntegral(a) && isIntegral(b)) {
            return ((Number) a).longValue() == ((Number) b).longValue();
        }
        if (a instanceof Number x && b instanceof Number y && !isIntegral(a) && !isIntegral(b)) {
            if (x instanceof BigDecimal || y instanceof BigDecimal) {
                BigDecimal left = decimal(x);
                BigDecimal right = decimal(y);
                return left != null && right != null && left.compareTo(right) == 0;
            }
            return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!valuesEquivalent(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            @SuppressWarnings("unchecked")
            boolean same = equivalent((Map<String, ?>) x, (Map<String, ?>) y);
            return same;
        }
        return a.equals(b);
    }

    /** A hash consistent with {@link #equivalent}. */
    public static int hash(Map<String, ?> arguments) {
        int h = 0;
        if (arguments != null) {
            for (Map.Entry<String, ?> e : arguments.entrySet()) {
                h += e.getKey().hashCode() ^ valueHash(e.getValue());
            }
        }
        return h;
    }

    private static int valueHash(Object value) {
        return switch (value) {
            case null -> 0;
            case Byte b -> Long.hashCode(b);
            case Short s -> Long.hashCode(s);
            case Integer i -> Long.hashCode(i);
            case Long l -> Long.hashCode(l);
            // floats, doubles and decimals may be equivalent across types: one bucket (rare in arguments)
            case Float f -> 0;
            case Double d -> 0;
            case BigDecimal d -> 0;
            case byte[] bytes -> Arrays.hashCode(bytes);
            case List<?> list -> {
                int h = 1;
                for (Object element : list) {
                    h = 31 * h + valueHash(element);
                }
                yield h;
            }
            case Map<?, ?> map -> {
                @SuppressWarnings("unchecked")
                int h = hash((Map<String, ?>) map);
                yield h;
            }
            default -> value.hashCode();
        };
    }

    /** The exact decimal value of a float, double or decimal; null for NaN and infinities, which have none. */
    private static BigDecimal decimal(Number n) {
        if (n instanceof BigDecimal d) {
            return d;
        }
        double v = n.doubleValue();
        return Double.isFinite(v) ? new BigDecimal(n.toString()) : null;
    }

    private static boolean isIntegral(Object value) {
        return value instanceof Byte || value instanceof Short || value instanceof Integer || value instanceof Long;
    }
}
