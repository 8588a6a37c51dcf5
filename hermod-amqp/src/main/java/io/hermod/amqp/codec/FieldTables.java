package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AMQP field tables (spec 4.2.5.5) with the field types RabbitMQ and its clients use (the 0-9-1 errata), in the value
 * model of the broker's {@code Arguments}:
 *
 * <pre>
 * type  wire                          decoded as        encoded from
 * t     boolean octet                 Boolean           Boolean
 * b     signed 8-bit                  Byte              Byte
 * B     unsigned 8-bit                Short             -
 * s     signed 16-bit                 Short             Short
 * u     unsigned 16-bit               Integer           -
 * I     signed 32-bit                 Integer           Integer
 * i     unsigned 32-bit               Long              -
 * l, L  signed 64-bit                 Long              Long (as l)
 * f     IEEE 754 32-bit               Float             Float
 * d     IEEE 754 64-bit               Double            Double
 * D     scale octet + signed 32-bit   BigDecimal        BigDecimal
 * S     long string                   String if valid UTF-8, else byte[]   String
 * x     long string (binary)          byte[]            byte[]
 * T     64-bit seconds                Instant, or       Instant (whole seconds),
 *                                     BeyondInstant     BeyondInstant
 * A     array: length + typed values  List              List
 * F     table: length + name/value    Map               Map
 * V     nothing                       null              null
 * </pre>
 *
 * <p>{@code L} is read as RabbitMQ's server reads it; the 0-9-1 text's {@code U} and {@code s} (short string) are not
 * accepted, as RabbitMQ does not accept them. Of a field named twice the first instance counts (spec 4.2.5.5). Decoding
 * is bounded: every length is checked against what is left of the enclosing table before anything is allocated, and
 * nesting is limited to {@link #MAX_DEPTH}. Decoded tables and arrays are unmodifiable and keep the wire order.
 *
 * <p>Failures while decoding are {@link AmqpCodecException}s: {@code FRAME_ERROR} when a length runs past the end,
 * {@code SYNTAX_ERROR} for an unknown field type, malformed UTF-8 in a field name, nesting deeper than {@link
 * #MAX_DEPTH}. Values that cannot be encoded are {@link
 * IllegalArgumentException}s.
 *
 * <p>Threading: stateless; the reading methods use absolute gets and do not move indexes except {@link #read}.
 */
public final class FieldTables {

    /** How deeply tables and arrays may nest: values of the outermost table are at depth 1 (as in Arguments). */
    public static final int MAX_DEPTH = 64;

    private FieldTables() {}

    /**
     * Reads a field table (a 32-bit byte length, then name/value pairs) at {@code in}'s reader index and consumes it.
     * The caller keeps ownership of {@code in}; the result holds no reference to it.
     *
     * @throws AmqpCodecException when the bytes are not a well-formed table
     */
    public static Map<String, Object> read(ByteBuf in) {
        int index = in.readerIndex();
        Map<String, Object> table = readAt(in, index, in.writerIndex());
        in.readerIndex(skip(in, index, in.writerIndex()));
        return table;
    }

    /**
     * Appends {@code table} (null is written as an empty table) to {@code out}, which the caller owns.
     *
     * @throws IllegalArgumentException when a name is null or over 255 UTF-8 bytes, a value's type is not in the table
     *     above, a decimal does not fit (scale above 255, unscaled value beyond 32 bits) or nesting is deeper than
     *     {@link #MAX_DEPTH}; {@code out} then holds partial bytes: discard them
     */
    public static void write(Map<String, ?> table, ByteBuf out) {
        writeTable(table, out, 1);
    }

    /** The table at {@code index}, bounded by {@code end}; does not move indexes. */
    static Map<String, Object> readAt(ByteBuf b, int index, int end) {
        return readTable(b, index, end, 1);
    }

    /** The index after the table at {@code index}, checking only its length. */
    static int skip(ByteBuf b, int index, int end) {
        return index + 4 + length(b, index, end, "table");
    }

    /** The index after the table at {@code index}, checking everything {@link #readAt} would, allocating nothing. */
    static int validate(ByteBuf b, int index, int end) {
        return tableEnd(b, index, end, 1);
    }

    private static Map<String, Object> readTable(ByteBuf b, int index, int end, int depth) {
        int length = length(b, index, end, "table");
        if (length == 0) {
            return Map.of();
        }
        int i = index + 4;
        int tableEnd = i + length;
        Map<String, Object> table = new LinkedHashMap<>();
        while (i < tableEnd) {
            checkDepth(depth);
            String name = PrimitiveDecoder.shortstrAt(b, i, tableEnd);
            i += 1 + b.getUnsignedByte(i);
            PrimitiveDecoder.need(i, tableEnd, 1, "field type");
            int type = b.getUnsignedByte(i++);
            int next = valueEnd(b, type, i, tableEnd, depth, false);
            Object value = value(b, type, i, next, depth);
            if (!table.containsKey(name)) {
                table.put(name, value);
            }
            i = next;
        }
        return Collections.unmodifiableMap(table);
    }

    private static List<Object> readArray(ByteBuf b, int index, int end, int depth) {
        int length = length(b, index, end, "array");
        if (length == 0) {
            return List.of();
        }
        int i = index + 4;
        int arrayEnd = i + length;
        List<Object> array = new ArrayList<>();
        while (i < arrayEnd) {
            checkDepth(depth);
            int type = b.getUnsignedByte(i++);
            int next = valueEnd(b, type, i, arrayEnd, depth, false);
            array.add(value(b, type, i, next, depth));
            i = next;
        }
        return Collections.unmodifiableList(array);
    }

    private static int tableEnd(ByteBuf b, int index, int end, int depth) {
        int i = index + 4;
        int tableEnd = i + length(b, index, end, "table");
        while (i < tableEnd) {
            checkDepth(depth);
            i = PrimitiveDecoder.checkShortstr(b, i, tableEnd);
            PrimitiveDecoder.need(i, tableEnd, 1, "field type");
            int type = b.getUnsignedByte(i++);
            i = valueEnd(b, type, i, tableEnd, depth, true);
        }
        return tableEnd;
    }

    private static int arrayEnd(ByteBuf b, int index, int end, int depth) {
        int i = index + 4;
        int arrayEnd = i + length(b, index, end, "array");
        while (i < arrayEnd) {
            checkDepth(depth);
            int type = b.getUnsignedByte(i++);
            i = valueEnd(b, type, i, arrayEnd, depth, true);
        }
        return arrayEnd;
    }

    /**
     * The index after a value of {@code type} at {@code index}. With {@code deep}, nested tables and arrays are checked
     * whole, otherwise only their lengths: {@link #value} checks them as it reads them.
     */
    private static int valueEnd(ByteBuf b, int type, int index, int end, int depth, boolean deep) {
        return switch (type) {
            case 't', 'b', 'B' -> PrimitiveDecoder.skipFixed(b, index, end, 1);
            case 's', 'u' -> PrimitiveDecoder.skipFixed(b, index, end, 2);
            case 'I', 'i', 'f' -> PrimitiveDecoder.skipFixed(b, index, end, 4);
            case 'l', 'L', 'd', 'T' -> PrimitiveDecoder.skipFixed(b, index, end, 8);
            case 'D' -> PrimitiveDecoder.skipFixed(b, index, end, 5);
            case 'S', 'x' -> index + 4 + length(b, index, end, type == 'S' ? "long string" : "byte array");
            case 'F' -> deep ? tableEnd(b, index, end, depth + 1) : index + 4 + length(b, index, end, "table");
            case 'A' -> deep ? arrayEnd(b, index, end, depth + 1) : index + 4 + length(b, index, end, "array");
            case 'V' -> index;
            default ->
                throw new AmqpCodecException(
                        ReplyCode.SYNTAX_ERROR,
                        "unknown field type 0x" + Integer.toHexString(type) + " ('" + (char) type + "') in a table");
        };
    }

    /**
     * A timestamp value ({@code T}) that {@link Instant} cannot hold: its 64 bits, kept so that it is written back as it
     * came (RabbitMQ passes any value through; some clients send milliseconds or nanoseconds there).
     */
    public record BeyondInstant(long seconds) {}

    private static Object timestamp(long seconds) {
        return seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()
                ? new BeyondInstant(seconds)
                : Instant.ofEpochSecond(seconds);
    }

    /** The value of {@code type} at {@code index}, which {@link #valueEnd} has bounded by {@code end}. */
    private static Object value(ByteBuf b, int type, int index, int end, int depth) {
        return switch (type) {
            case 't' -> b.getByte(index) != 0;
            case 'b' -> b.getByte(index);
            case 'B' -> b.getUnsignedByte(index);
            case 's' -> b.getShort(index);
            case 'u' -> b.getUnsignedShort(index);
            case 'I' -> b.getInt(index);
            case 'i' -> b.getUnsignedInt(index);
            case 'l', 'L' -> b.getLong(index);
            case 'f' -> b.getFloat(index);
            case 'd' -> b.getDouble(index);
            case 'D' -> BigDecimal.valueOf(b.getInt(index + 1), b.getUnsignedByte(index));
            case 'T' -> timestamp(b.getLong(index));
            case 'S' -> text(b, index + 4, end - index - 4);
            case 'x' -> ByteBufUtil.getBytes(b, index + 4, end - index - 4);
            case 'F' -> readTable(b, index, end, depth + 1);
            case 'A' -> readArray(b, index, end, depth + 1);
            case 'V' -> null;
            default -> throw new IllegalStateException("valueEnd accepted type " + type);
        };
    }

    /** A long string as text when it is valid UTF-8 (almost always), else as bytes: nothing is lost either way. */
    private static Object text(ByteBuf b, int index, int length) {
        return ByteBufUtil.isText(b, index, length, StandardCharsets.UTF_8)
                ? b.toString(index, length, StandardCharsets.UTF_8)
                : ByteBufUtil.getBytes(b, index, length);
    }

    private static int length(ByteBuf b, int index, int end, String what) {
        if (end - index < 4) {
            throw PrimitiveDecoder.tooShort(what + " length", 4, end - index);
        }
        long length = b.getUnsignedInt(index);
        PrimitiveDecoder.need(index + 4, end, length, what);
        return (int) length;
    }

    /** Refuses a value deeper than {@link #MAX_DEPTH} (values of the outermost table are at depth 1). */
    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw new AmqpCodecException(
                    ReplyCode.SYNTAX_ERROR, "tables and arrays nest deeper than " + MAX_DEPTH + " levels");
        }
    }

    private static void writeTable(Map<?, ?> table, ByteBuf out, int depth) {
        int start = out.writerIndex();
        out.writeInt(0);
        if (table != null) {
            for (Map.Entry<?, ?> e : table.entrySet()) {
                if (!(e.getKey() instanceof String name)) {
                    throw new IllegalArgumentException("field names are strings, not " + e.getKey());
                }
                PrimitiveEncoder.writeShortstr(out, name);
                writeValue(e.getValue(), out, depth);
            }
        }
        out.setInt(start, out.writerIndex() - start - 4);
    }

    private static void writeArray(List<?> array, ByteBuf out, int depth) {
        int start = out.writerIndex();
        out.writeInt(0);
        for (Object value : array) {
            writeValue(value, out, depth);
        }
        out.setInt(start, out.writerIndex() - start - 4);
    }

    private static void writeValue(Object value, ByteBuf out, int depth) {
        if (depth > MAX_DEPTH) {
            // also stops a table that contains itself
            throw new IllegalArgumentException("tables and arrays nest deeper than " + MAX_DEPTH + " levels");
        }
        switch (value) {
            case null -> out.writeByte('V');
            case String v -> {
                out.writeByte('S');
                PrimitiveEncoder.writeLongstr(out, v);
            }
            case Boolean v -> {
                out.writeByte('t');
                out.writeByte(v ? 1 : 0);
            }
            case Byte v -> {
                out.writeByte('b');
                out.writeByte(v);
            }
            case Short v -> {
                out.writeByte('s');
                out.writeShort(v);
            }
            case Integer v -> {
                out.writeByte('I');
                out.writeInt(v);
            }
            case Long v -> {
                out.writeByte('l');
                out.writeLong(v);
            }
            case Float v -> {
                out.writeByte('f');
                out.writeFloat(v);
            }
            case Double v -> {
                out.writeByte('d');
                out.writeDouble(v);
            }
            case BigDecimal v -> writeDecimal(v, out);
            case Instant v -> {
                out.writeByte('T');
                out.writeLong(v.getEpochSecond());
            }
            case BeyondInstant v -> {
                out.writeByte('T');
                out.writeLong(v.seconds());
            }
            case byte[] v -> {
                out.writeByte('x');
                PrimitiveEncoder.writeLongstr(out, v);
            }
            case List<?> v -> {
                out.writeByte('A');
                writeArray(v, out, depth + 1);
            }
            case Map<?, ?> v -> {
                out.writeByte('F');
                writeTable(v, out, depth + 1);
            }
            default ->
                throw new IllegalArgumentException(
                        "a field table cannot hold a " + value.getClass().getName());
        }
    }

    /** Decimal: a scale octet and a signed 32-bit unscaled value (the errata's reading of spec 4.2.5.5). */
    private static void writeDecimal(BigDecimal value, ByteBuf out) {
        // A negative scale (1E+3) is the same number at scale 0 with a larger unscaled value.
        BigDecimal v = value.scale() < 0 ? value.setScale(0) : value;
        BigInteger unscaled = v.unscaledValue();
        if (v.scale() > 255 || unscaled.bitLength() > 31) {
            throw new IllegalArgumentException(
                    "a decimal needs a scale of at most 255 and a 32-bit unscaled value: " + value);
        }
        out.writeByte('D');
        out.writeByte(v.scale());
        out.writeInt(unscaled.intValue());
    }
}
