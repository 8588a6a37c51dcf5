package io.hermod.amqp.server;

import io.hermod.amqp.codec.AmqpMethod;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.amqp.codec.FieldTables;
import io.hermod.amqp.codec.FrameEncoder;
import io.hermod.amqp.codec.MethodDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Structure-aware mutation for the connection fuzzer: decodes a recorded method frame or content header with the
 * codec, gives one of its fields (a method argument, a message property, the body size) a value a client could encode
 * but a broker may not expect — boundary numbers, reserved and foreign names, odd exchange types, queue and consumer
 * arguments of every field-table type, unsigned values above 2^31 — and encodes it again. The frame stays well formed,
 * so the damage reaches the connection and channel state machines and the broker's argument checks rather than the
 * frame decoder.
 *
 * <p>Threading: stateless; each call uses the caller's random source.
 */
final class FieldMutator {

    private static final int[] INTS = {
        0, 1, 2, 3, 9, 10, 255, 256, 4095, 4096, 65_535, 65_536, Integer.MAX_VALUE, Integer.MIN_VALUE, -1
    };
    private static final long[] LONGS = {0, 1, 2, 3, 1000, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32};
    private static final String[] STRINGS = {
        "",
        "amq.x",
        "amq.direct",
        "amq.topic",
        "amq.fanout",
        "amq.headers",
        "amq.match",
        "amq.rabbitmq.reply-to",
        "amq.rabbitmq.reply-to.g1h2AA==.bogus",
        "amq.gen-000",
        "fz99999.q",
        "x".repeat(255),
        "ünïcödé",
        "a\u0000b",
        "*",
        "#",
        "a.#.b.*",
        "-1",
        "0",
        "abc",
        "99999999999999999999",
        "direct",
        "fanout",
        "topic",
        "headers",
        "x-consistent-hash",
        "x-delayed-message",
        "bogus",
        "PLAIN",
        "AMQPLAIN",
        "EXTERNAL",
        "/",
        "guest"
    };

    private FieldMutator() {}

    /** Mutates one field of a method or content-header frame in {@code frames}; null when none could be mutated. */
    static String mutate(List<RecordedSession.Frame> frames, Random random) {
        for (int attempt = 0; attempt < 16; attempt++) {
            int f = 1 + random.nextInt(frames.size() - 1);
            byte[] bytes = frames.get(f).bytes();
            if (bytes.length < 12 || (bytes[0] != 1 && bytes[0] != 2)) {
                continue;
            }
            String what = bytes[0] == 1 ? mutateMethod(frames, f, random) : mutateContentHeader(frames, f, random);
            if (what != null) {
                return what;
            }
        }
        return null;
    }

    private static String mutateMethod(List<RecordedSession.Frame> frames, int f, Random random) {
        byte[] bytes = frames.get(f).bytes();
        AmqpMethod method;
        try {
            method = MethodDecoder.decode(Unpooled.wrappedBuffer(bytes, 7, bytes.length - 8));
        } catch (RuntimeException e) {
            return null; // damaged by an earlier mutation
        }
        Mutated<AmqpMethod> mutated = mutateRecord(method, random);
        if (mutated == null) {
            return null;
        }
        ByteBuf out = Unpooled.buffer();
        FrameEncoder.writeMethod(out, RecordedSession.u16(bytes, 1), mutated.value());
        replace(frames, f, ByteBufUtil.getBytes(out));
        return method.name() + "." + mutated.field() + " set to " + mutated.shown() + " in frame " + f;
    }

    private static String mutateContentHeader(List<RecordedSession.Frame> frames, int f, Random random) {
        byte[] bytes = frames.get(f).bytes();
        ByteBuffer header = ByteBuffer.wrap(bytes);
        int classId = header.getShort(7) & 0xffff;
        long bodySize = header.getLong(11);
        BasicProperties properties;
        try {
            properties = BasicProperties.decode(Unpooled.wrappedBuffer(bytes, 19, bytes.length - 20));
        } catch (RuntimeException e) {
            return null;
        }
        String what;
        if (random.nextInt(4) == 0) {
            long[] sizes = {0, 1, bodySize - 1, bodySize + 1, 4088, 4089, Long.MAX_VALUE, 1L << 31, 1L << 32};
            bodySize = sizes[random.nextInt(sizes.length)];
            what = "content body size set to " + bodySize;
        } else {
            Mutated<BasicProperties> mutated = mutateRecord(properties, random);
            if (mutated == null) {
                return null;
            }
            properties = mutated.value();
            what = "property " + mutated.field() + " set to " + mutated.shown();
        }
        ByteBuf encoded = Unpooled.buffer();
        properties.encode(encoded);
        ByteBuf out = Unpooled.buffer();
        FrameEncoder.writeContentHeader(out, RecordedSession.u16(bytes, 1), classId, bodySize, encoded);
        replace(frames, f, ByteBufUtil.getBytes(out));
        return what + " in frame " + f + " (content header)";
    }

    private record Mutated<T>(T value, String field, String shown) {}

    /** A copy of {@code record} with one component changed; null when no value its constructor accepts was found. */
    private static <T> Mutated<T> mutateRecord(T record, Random random) {
        RecordComponent[] components = record.getClass().getRecordComponents();
        if (components == null || components.length == 0) {
            return null;
        }
        for (int attempt = 0; attempt < 8; attempt++) {
            int i = random.nextInt(components.length);
            RecordComponent component = components[i];
            try {
                Object[] values = new Object[components.length];
                Class<?>[] types = new Class<?>[components.length];
                for (int j = 0; j < components.length; j++) {
                    values[j] = components[j].getAccessor().invoke(record);
                    types[j] = components[j].getType();
                }
                Object value = interesting(component.getType(), values[i], random);
                values[i] = value;
                Constructor<?> constructor = record.getClass().getDeclaredConstructor(types);
                @SuppressWarnings("unchecked")
                T mutated = (T) constructor.newInstance(values);
                return new Mutated<>(mutated, component.getName(), shown(value));
            } catch (InvocationTargetException e) {
                // the record refused the value (out of an unsigned range, null): try another
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(
                        "cannot rebuild " + record.getClass().getSimpleName(), e);
            }
        }
        return null;
    }

    private static Object interesting(Class<?> type, Object current, Random random) {
        if (type == boolean.class) {
            return !(Boolean) current;
        } else if (type == int.class || type == Integer.class) {
            if (type == Integer.class && random.nextInt(4) == 0) {
                return null;
            }
            return random.nextInt(4) == 0 && current != null
                    ? (Integer) current + (random.nextBoolean() ? 1 : -1)
                    : INTS[random.nextInt(INTS.length)];
        } else if (type == long.class || type == Long.class) { // Long: a timestamp property
            if (type == Long.class && (current == null || random.nextInt(4) == 0)) {
                return random.nextBoolean() ? null : LONGS[random.nextInt(LONGS.length)];
            }
            return random.nextInt(4) == 0 ? (Long) current + 1 : LONGS[random.nextInt(LONGS.length)];
        } else if (type == String.class) {
            return STRINGS[random.nextInt(STRINGS.length)];
        } else if (type == Map.class) {
            return table(random);
        } else if (type == byte[].class) {
            byte[][] responses = {
                {},
                "\0guest\0guest".getBytes(StandardCharsets.UTF_8),
                "\0guest\0wrong".getBytes(StandardCharsets.UTF_8),
                "\0\0".getBytes(StandardCharsets.UTF_8),
                "guest".getBytes(StandardCharsets.UTF_8),
                "\0".repeat(300).getBytes(StandardCharsets.UTF_8)
            };
            return responses[random.nextInt(responses.length)];
        }
        throw new IllegalStateException("no interesting values for " + type);
    }

    /** A field table with a queue, exchange, binding or consumer argument of an unexpected value or type. */
    private static Map<String, Object> table(Random random) {
        String[] keys = {
            "x-max-length",
            "x-max-length-bytes",
            "x-message-ttl",
            "x-expires",
            "x-max-priority",
            "x-queue-type",
            "x-overflow",
            "x-dead-letter-exchange",
            "x-dead-letter-routing-key",
            "x-single-active-consumer",
            "x-queue-mode",
            "x-priority",
            "x-match",
            "alternate-exchange",
            "x-delayed-type",
            "x-consumer-timeout",
            "x-stream-offset",
            "x-cancel-on-ha-failover",
            "capabilities",
            "connection_name",
            "product",
            "k"
        };
        Object[] values = {
            null,
            -1,
            0,
            1,
            255,
            256,
            Integer.MAX_VALUE,
            Integer.MIN_VALUE,
            -1L,
            Long.MAX_VALUE,
            Long.MIN_VALUE,
            (byte) -1,
            (short) 300,
            1.5,
            Double.NaN,
            Float.POSITIVE_INFINITY,
            new BigDecimal("1.5"),
            true,
            false,
            "",
            "ten",
            "stream",
            "quorum",
            "classic",
            "reject-publish",
            "reject-publish-dlx",
            "drop-head",
            "bogus",
            "all",
            "any",
            "all-with-x",
            "first",
            "amq.direct",
            new byte[] {1, 2},
            Instant.EPOCH,
            new FieldTables.BeyondInstant(Long.MIN_VALUE),
            List.of(1, "two"),
            Arrays.asList(null, null),
            Map.of("nested", Map.of("deeper", List.of()))
        };
        Map<String, Object> table = new LinkedHashMap<>();
        int entries = 1 + random.nextInt(3);
        for (int i = 0; i < entries; i++) {
            table.put(keys[random.nextInt(keys.length)], values[random.nextInt(values.length)]);
        }
        return table;
    }

    private static String shown(Object value) {
        if (value instanceof byte[] b) {
            return Arrays.toString(b);
        }
        if (value instanceof String s && s.length() > 40) {
            return "\"" + s.substring(0, 10) + "...\" (" + s.length() + " chars)";
        }
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    private static void replace(List<RecordedSession.Frame> frames, int f, byte[] bytes) {
        frames.set(f, new RecordedSession.Frame(bytes, frames.get(f).serverFramesBefore()));
    }
}
