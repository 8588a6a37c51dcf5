package io.hermod.broker.definitions;

import io.hermod.broker.BrokerException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary encoding of argument tables and of single values (every type of {@link Arguments}, nested), used by the
 * definitions log. Standalone encodings start with a format version byte; inside a {@link DefinitionCodec} record the
 * record's own version covers the embedded tables, so they go without one.
 *
 * <pre>
 *  standalone:  version u8 (= 1) | table             or   version u8 (= 1) | value
 *  table:       count uvarint | (key string | value)*          (entries in map order, keys unique)
 *  value:       tag u8 | payload
 *
 *  tag  type        payload
 *  'V'  null        -
 *  'S'  String      string
 *  't'  Boolean     u8 0 | 1
 *  'b'  Byte        i8
 *  's'  Short       i16 big-endian
 *  'I'  Integer     zig-zag varint
 *  'l'  Long        zig-zag varlong
 *  'f'  Float       IEEE 754 raw bits, i32 big-endian
 *  'd'  Double      IEEE 754 raw bits, i64 big-endian
 *  'D'  BigDecimal  scale zig-zag varint | unscaled length uvarint (1..1024) | unscaled two's complement big-endian
 *  'T'  Instant     epoch seconds zig-zag varlong | nanos uvarint (0..999,999,999)
 *  'x'  byte[]      length uvarint | bytes
 *  'A'  List        count uvarint | value*
 *  'F'  Map         table
 *
 *  string: UTF-8 length uvarint | UTF-8 bytes
 * </pre>
 *
 * The tags follow the letters of AMQP 0-9-1 field tables for readability in a hex dump; the payloads are not AMQP's.
 * Lists and tables nest at most {@link #MAX_DEPTH} deep, enforced on both sides so that whatever is encoded decodes.
 * Decoding checks every length and count against the bytes that remain and fails on garbage with a
 * {@link BrokerException} ({@code STORAGE_FAILED}) naming the problem. Decoded tables keep their order and are
 * unmodifiable. Stateless and thread-safe.
 */
final class ArgumentsCodec {

    /** The format version written by the standalone encodings. */
    static final int VERSION = 1;
    /** How deep lists and tables may nest (the top-level table is depth 1). */
    static final int MAX_DEPTH = 64;
    /** The longest unscaled part of a decimal, in bytes (about 2,400 decimal digits). */
    static final int MAX_DECIMAL_BYTES = 1024;

    static final byte NULL = 'V';
    static final byte STRING = 'S';
    static final byte BOOLEAN = 't';
    static final byte BYTE = 'b';
    static final byte SHORT = 's';
    static final byte INT = 'I';
    static final byte LONG = 'l';
    static final byte FLOAT = 'f';
    static final byte DOUBLE = 'd';
    static final byte DECIMAL = 'D';
    static final byte TIMESTAMP = 'T';
    static final byte BYTES = 'x';
    static final byte LIST = 'A';
    static final byte TABLE = 'F';

    private static final long MIN_EPOCH_SECOND = Instant.MIN.getEpochSecond();
    private static final long MAX_EPOCH_SECOND = Instant.MAX.getEpochSecond();

    private ArgumentsCodec() {}

    /**
     * Encodes a table, with the version byte; {@code null} encodes as the empty table.
     *
     * @throws IllegalArgumentException on a value of an unsupported type, nesting deeper than {@link #MAX_DEPTH}, a
     *     null key or a string that is not valid Unicode
     */
    static byte[] encodeTable(Map<String, ?> table) {
        FieldWriter out = new FieldWriter();
        out.writeByte(VERSION);
        writeTable(out, table);
        return out.toByteArray();
    }

    /** Encodes one value, with the version byte. */
    static byte[] encodeValue(Object value) {
        FieldWriter out = new FieldWriter();
        out.writeByte(VERSION);
        writeValue(out, value, 1);
        return out.toByteArray();
    }

    /**
     * Decodes what {@link #encodeTable} wrote; all of {@code bytes} must be the one table.
     *
     * @throws BrokerException {@code STORAGE_FAILED} on an unknown version or malformed bytes
     */
    static Map<String, Object> decodeTable(byte[] bytes) {
        FieldReader in = new FieldReader(ByteBuffer.wrap(bytes), "arguments table");
        readVersion(in);
        Map<String, Object> table = readTable(in);
        in.expectEnd();
        return table;
    }

    /** Decodes what {@link #encodeValue} wrote; all of {@code bytes} must be the one value. */
    static Object decodeValue(byte[] bytes) {
        FieldReader in = new FieldReader(ByteBuffer.wrap(bytes), "argument value");
        readVersion(in);
        Object value = readValue(in, 1);
        in.expectEnd();
        return value;
    }

    private static void readVersion(FieldReader in) {
        int version = in.readUnsignedByte("version");
        if (version != VERSION) {
            throw in.malformed("unknown arguments format version " + version + " (this broker reads " + VERSION + ")");
        }
    }

    // ------------------------------------------------------------------ encoding

    /** Writes a table without a version byte (for embedding in a versioned record). */
    static void writeTable(FieldWriter out, Map<String, ?> table) {
        writeEntries(out, table, 1);
    }

    private static void writeEntries(FieldWriter out, Map<?, ?> table, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("arguments nest deeper than " + MAX_DEPTH + " levels");
        }
        if (table == null) {
            out.writeUnsignedVarint(0);
            return;
        }
        out.writeUnsignedVarint(table.size());
        int written = 0;
        for (Map.Entry<?, ?> e : table.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("table keys must be non-null strings, not " + e.getKey());
            }
            out.writeString(key);
            writeValue(out, e.getValue(), depth);
            written++;
        }
        if (written != table.size()) {
            throw new IllegalArgumentException("the table changed while it was encoded");
        }
    }

    /** {@code depth} is that of the table or list holding the value. */
    private static void writeValue(FieldWriter out, Object value, int depth) {
        switch (value) {
            case null -> out.writeByte(NULL);
            case String s -> out.writeByte(STRING).writeString(s);
            case Boolean b -> out.writeByte(BOOLEAN).writeByte(b ? 1 : 0);
            case Byte b -> out.writeByte(BYTE).writeByte(b);
            case Short s -> out.writeByte(SHORT).writeShort(s);
            case Integer i -> out.writeByte(INT).writeVarint(i);
            case Long l -> out.writeByte(LONG).writeVarlong(l);
            case Float f -> out.writeByte(FLOAT).writeInt(Float.floatToRawIntBits(f));
            case Double d -> out.writeByte(DOUBLE).writeLong(Double.doubleToRawLongBits(d));
            case BigDecimal d -> {
                byte[] unscaled = d.unscaledValue().toByteArray();
                if (unscaled.length > MAX_DECIMAL_BYTES) {
                    throw new IllegalArgumentException(
                            "decimal has more than " + MAX_DECIMAL_BYTES + " bytes of digits: " + unscaled.length);
                }
                out.writeByte(DECIMAL).writeVarint(d.scale()).writeBytes(unscaled);
            }
            case Instant t ->
                out.writeByte(TIMESTAMP).writeVarlong(t.getEpochSecond()).writeUnsignedVarint(t.getNano());
            case byte[] bytes -> out.writeByte(BYTES).writeBytes(bytes);
            case List<?> list -> {
                if (depth + 1 > MAX_DEPTH) {
                    throw new IllegalArgumentException("arguments nest deeper than " + MAX_DEPTH + " levels");
                }
                out.writeByte(LIST).writeUnsignedVarint(list.size());
                int written = 0;
                for (Object element : list) {
                    writeValue(out, element, depth + 1);
                    written++;
                }
                if (written != list.size()) {
                    throw new IllegalArgumentException("a list changed while it was encoded");
                }
            }
            case Map<?, ?> map -> {
                out.writeByte(TABLE);
                writeEntries(out, map, depth + 1);
            }
            default ->
                throw new IllegalArgumentException(
                        "unsupported argument value type " + value.getClass().getName());
        }
    }

    // ------------------------------------------------------------------ decoding

    /** Reads a table without a version byte (embedded in a versioned record). */
    static Map<String, Object> readTable(FieldReader in) {
        return readEntries(in, 1);
    }

    private static Map<String, Object> readEntries(FieldReader in, int depth) {
        if (depth > MAX_DEPTH) {
            throw in.malformed("arguments nest deeper than " + MAX_DEPTH + " levels");
        }
        // an entry takes at least 2 bytes: an empty key and a null value
        int count = in.readCount("table entry count", 2);
        if (count == 0) {
            return Map.of();
        }
        Map<String, Object> table = new LinkedHashMap<>(count * 2);
        for (int i = 0; i < count; i++) {
            String key = in.readString("table key");
            Object value = readValue(in, depth);
            if (table.containsKey(key)) {
                throw in.malformed("duplicate table key '" + key + "'");
            }
            table.put(key, value);
        }
        return Collections.unmodifiableMap(table);
    }

    private static Object readValue(FieldReader in, int depth) {
        int tag = in.readUnsignedByte("value tag");
        return switch (tag) {
            case NULL -> null;
            case STRING -> in.readString("string value");
            case BOOLEAN -> {
                int b = in.readUnsignedByte("boolean value");
                if (b > 1) {
                    throw in.malformed("boolean value " + b + " is neither 0 nor 1");
                }
                yield b == 1;
            }
            case BYTE -> (byte) in.readUnsignedByte("byte value");
            case SHORT -> in.readShort("short value");
            case INT -> in.readVarint("int value");
            case LONG -> in.readVarlong("long value");
            case FLOAT -> Float.intBitsToFloat(in.readInt("float value"));
            case DOUBLE -> Double.longBitsToDouble(in.readLong("double value"));
            case DECIMAL -> readDecimal(in);
            case TIMESTAMP -> readTimestamp(in);
            case BYTES -> in.readBytes("byte array value");
            case LIST -> readList(in, depth + 1);
            case TABLE -> readEntries(in, depth + 1);
            default -> throw in.malformed("unknown value tag " + tag);
        };
    }

    private static BigDecimal readDecimal(FieldReader in) {
        int scale = in.readVarint("decimal scale");
        byte[] unscaled = in.readBytes("decimal digits");
        if (unscaled.length < 1 || unscaled.length > MAX_DECIMAL_BYTES) {
            throw in.malformed("decimal digits length " + unscaled.length + " is outside 1.." + MAX_DECIMAL_BYTES);
        }
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    private static Instant readTimestamp(FieldReader in) {
        long seconds = in.readVarlong("timestamp seconds");
        int nanos = in.readUnsignedVarint("timestamp nanos");
        if (nanos < 0 || nanos > 999_999_999) {
            throw in.malformed("timestamp nanos " + Integer.toUnsignedString(nanos) + " are outside 0..999,999,999");
        }
        if (seconds < MIN_EPOCH_SECOND || seconds > MAX_EPOCH_SECOND) {
            throw in.malformed("timestamp seconds " + seconds + " are outside the range of Instant");
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    private static List<Object> readList(FieldReader in, int depth) {
        if (depth > MAX_DEPTH) {
            throw in.malformed("arguments nest deeper than " + MAX_DEPTH + " levels");
        }
        // an element takes at least one byte (a null)
        int count = in.readCount("list element count", 1);
        if (count == 0) {
            return List.of();
        }
        List<Object> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(readValue(in, depth));
        }
        return Collections.unmodifiableList(list);
    }
}
