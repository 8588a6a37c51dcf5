package io.hermod.broker.definitions;

import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import io.hermod.broker.definitions.DefinitionRecord.BindingAdded;
import io.hermod.broker.definitions.DefinitionRecord.BindingRemoved;
import io.hermod.broker.definitions.DefinitionRecord.ExchangeAdded;
import io.hermod.broker.definitions.DefinitionRecord.ExchangeRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PermissionRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PermissionSet;
import io.hermod.broker.definitions.DefinitionRecord.QueueAdded;
import io.hermod.broker.definitions.DefinitionRecord.QueueRemoved;
import io.hermod.broker.definitions.DefinitionRecord.UserAdded;
import io.hermod.broker.definitions.DefinitionRecord.UserRemoved;
import io.hermod.broker.definitions.DefinitionRecord.VhostAdded;
import io.hermod.broker.definitions.DefinitionRecord.VhostRemoved;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sample values and records for the definitions tests, and an exact, typed rendering of values to compare them by: a
 * {@code Short} 5 is not an {@code Integer} 5 here, byte arrays compare by content, floats by their bits, decimals by
 * unscaled value and scale, and table order counts. Stateless.
 */
final class TestDefinitions {

    private TestDefinitions() {}

    static final String UNICODE = "ünïcødé ✓ 日本語 🐇 \u0000 end";

    /** One or more values of every type {@link Arguments} accepts, including edge values. */
    static List<Object> sampleValues() {
        byte[] allBytes = new byte[256];
        for (int i = 0; i < allBytes.length; i++) {
            allBytes[i] = (byte) i;
        }
        List<Object> mixed = Arrays.asList(null, "a", 1, 2L, (short) 3, true, new byte[] {9});
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", List.of(Map.of("deep", List.of(List.of(), Map.of())), 7));
        nested.put("null", null);
        nested.put("", "empty key");
        return Arrays.asList(
                null,
                "",
                "plain",
                UNICODE,
                "x".repeat(100_000),
                Boolean.TRUE,
                Boolean.FALSE,
                (byte) 0,
                Byte.MIN_VALUE,
                Byte.MAX_VALUE,
                (short) -2,
                Short.MIN_VALUE,
                Short.MAX_VALUE,
                0,
                -1,
                Integer.MIN_VALUE,
                Integer.MAX_VALUE,
                0L,
                Long.MIN_VALUE,
                Long.MAX_VALUE,
                1.5f,
                -0.0f,
                Float.NaN,
                Float.MAX_VALUE,
                Float.NEGATIVE_INFINITY,
                2.25d,
                Double.MIN_VALUE,
                Double.POSITIVE_INFINITY,
                Double.NaN,
                new BigDecimal("123.4500"),
                new BigDecimal("-1E+30"),
                BigDecimal.ZERO,
                new BigDecimal(BigInteger.TEN.pow(500).negate(), -7),
                new BigDecimal(BigInteger.ONE, Integer.MIN_VALUE),
                Instant.EPOCH,
                Instant.ofEpochSecond(1_700_000_000L, 123_456_789),
                Instant.ofEpochSecond(-1, 5),
                Instant.MIN,
                Instant.MAX,
                new byte[0],
                allBytes,
                List.of(),
                mixed,
                Map.of(),
                nested);
    }

    /** A table holding every sample value, and the same nested in a list and a table. */
    static Map<String, Object> everyValueTable() {
        Map<String, Object> table = new LinkedHashMap<>();
        List<Object> values = sampleValues();
        for (int i = 0; i < values.size(); i++) {
            table.put("k" + i, values.get(i));
        }
        table.put("all-in-a-list", new ArrayList<>(values));
        table.put("all-in-a-table", new LinkedHashMap<>(table));
        return table;
    }

    static Map<String, Object> queueArguments() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("x-message-ttl", 60_000);
        arguments.put("x-dead-letter-exchange", "dlx");
        arguments.put("x-max-priority", (byte) 10);
        arguments.put("x-max-length-bytes", 1L << 40);
        arguments.put("x-queue-type", "classic");
        return arguments;
    }

    /** At least one record of every type, with every flag combination and rich arguments. */
    static List<DefinitionRecord> sampleRecords() {
        List<DefinitionRecord> records = new ArrayList<>();
        records.add(new VhostAdded("/"));
        records.add(new VhostAdded(UNICODE));
        records.add(new VhostRemoved("staging"));
        for (int flags = 0; flags < 8; flags++) {
            records.add(new ExchangeAdded(new ExchangeDefinition(
                    "/",
                    "ex-" + flags,
                    "topic",
                    (flags & 1) != 0,
                    (flags & 2) != 0,
                    (flags & 4) != 0,
                    flags == 0 ? Map.of() : Map.of("alternate-exchange", "ae-" + flags))));
            records.add(new QueueAdded(new QueueDefinition(
                    "/",
                    "q-" + flags,
                    "q-" + flags + "-0001",
                    (flags & 1) != 0,
                    (flags & 2) != 0,
                    (flags & 4) != 0,
                    flags == 0 ? null : queueArguments())));
        }
        records.add(new ExchangeAdded(new ExchangeDefinition("/", "", "direct", true, false, false, Map.of())));
        records.add(new ExchangeAdded(
                new ExchangeDefinition(UNICODE, UNICODE, "x-custom", true, false, false, everyValueTable())));
        records.add(new ExchangeRemoved("/", "old-exchange"));
        records.add(new QueueRemoved("/", "old-queue"));
        Map<String, Object> headersMatch = new LinkedHashMap<>();
        headersMatch.put("x-match", "all");
        headersMatch.put("format", "pdf");
        headersMatch.put("size", List.of(1, 2L, Map.of("unit", "kB")));
        records.add(new BindingAdded(
                new BindingDefinition("/", "amq.headers", DestinationKind.QUEUE, "q-1", "", headersMatch)));
        records.add(new BindingAdded(
                new BindingDefinition("/", "ex-1", DestinationKind.EXCHANGE, "ex-2", "a.*.#", Map.of())));
        records.add(new BindingRemoved(
                new BindingDefinition("/", "ex-1", DestinationKind.QUEUE, "q-2", "x".repeat(255), null)));
        records.add(new BindingRemoved(
                new BindingDefinition(UNICODE, UNICODE, DestinationKind.EXCHANGE, UNICODE, UNICODE, Map.of())));
        records.add(new UserAdded(new UserDefinition("guest", PasswordHash.of("guest"), List.of("administrator"))));
        records.add(new UserAdded(new UserDefinition(UNICODE, PasswordHash.of(UNICODE), List.of(UNICODE, "", "b"))));
        records.add(new UserAdded(new UserDefinition("no-tags", PasswordHash.of(""), List.of())));
        records.add(new UserRemoved("gone"));
        records.add(new PermissionSet(new PermissionDefinition("/", "guest", ".*", ".*", ".*")));
        records.add(new PermissionSet(
                new PermissionDefinition(UNICODE, UNICODE, "", "^(amq\\.gen.*|amq\\.default)$", UNICODE)));
        records.add(new PermissionRemoved("/", "gone"));
        records.add(new DefinitionRecord.PolicySet(
                new PolicyDefinition("/", "cap", "^jobs\\.", "queues", 7, Map.of("max-length", 10), false)));
        records.add(new DefinitionRecord.PolicySet(new PolicyDefinition(
                UNICODE, UNICODE, UNICODE, "all", -3, Map.of("message-ttl", 1_000L, "expires", 5), true)));
        records.add(new DefinitionRecord.PolicyRemoved("/", "cap", false));
        records.add(new DefinitionRecord.PolicyRemoved(UNICODE, UNICODE, true));
        return records;
    }

    /** A small queue declaration, numbered, for log tests. */
    static DefinitionRecord queue(int n) {
        return new QueueAdded(new QueueDefinition(
                "/", "queue-" + n, "queue-" + n + "-storage", true, false, false, Map.of("x-message-ttl", n)));
    }

    static List<DefinitionRecord> queues(int from, int count) {
        List<DefinitionRecord> records = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            records.add(queue(i));
        }
        return records;
    }

    /** An exact rendering of a value or record, type by type (see the class comment). */
    static String canonical(Object value) {
        StringBuilder out = new StringBuilder();
        render(value, out);
        return out.toString();
    }

    /** One line per element, so that a failing comparison points at the element. */
    static String canonicalLines(List<?> values) {
        StringBuilder out = new StringBuilder();
        for (Object value : values) {
            render(value, out);
            out.append('\n');
        }
        return out.toString();
    }

    private static void render(Object value, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case String s -> out.append("String\"").append(s).append('"');
            case Float f -> out.append("Float#").append(Integer.toHexString(Float.floatToRawIntBits(f)));
            case Double d -> out.append("Double#").append(Long.toHexString(Double.doubleToRawLongBits(d)));
            case BigDecimal d ->
                out.append("BigDecimal:").append(d.unscaledValue()).append("e-").append(d.scale());
            case byte[] bytes -> out.append("bytes:").append(HexFormat.of().formatHex(bytes));
            case PasswordHash hash -> out.append("PasswordHash:").append(hash.toBase64());
            case List<?> list -> {
                out.append("List[");
                for (Object element : list) {
                    render(element, out);
                    out.append(',');
                }
                out.append(']');
            }
            case Map<?, ?> map -> {
                out.append("Map{");
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    render(e.getKey(), out);
                    out.append('=');
                    render(e.getValue(), out);
                    out.append(',');
                }
                out.append('}');
            }
            case Record record -> {
                out.append(record.getClass().getSimpleName()).append('(');
                for (RecordComponent component : record.getClass().getRecordComponents()) {
                    out.append(component.getName()).append('=');
                    try {
                        render(component.getAccessor().invoke(record), out);
                    } catch (ReflectiveOperationException e) {
                        throw new AssertionError(e);
                    }
                    out.append(',');
                }
                out.append(')');
            }
            case Enum<?> e ->
                out.append(e.getClass().getSimpleName()).append('.').append(e.name());
            default -> out.append(value.getClass().getSimpleName()).append(':').append(value);
        }
    }
}
