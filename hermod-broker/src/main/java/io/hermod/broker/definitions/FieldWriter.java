package io.hermod.broker.definitions;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array with the primitive fields of the definitions encodings: unsigned and zig-zag varints (LEB128,
 * as protobuf and the Kafka record format), big-endian fixed-width numbers and length-prefixed UTF-8 strings and
 * bytes. The counterpart of {@link FieldReader}. Not thread-safe; one per encoding.
 */
final class FieldWriter {

    private byte[] buf;
    private int size;

    FieldWriter() {
        this(64);
    }

    FieldWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int more) {
        int needed = size + more;
        if (needed < 0) {
            throw new IllegalArgumentException("encoding exceeds 2 GiB");
        }
        if (needed > buf.length) {
            int grown = (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) buf.length * 2, needed));
            buf = Arrays.copyOf(buf, grown);
        }
    }

    FieldWriter writeByte(int value) {
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    FieldWriter writeShort(short value) {
        ensure(2);
        buf[size++] = (byte) (value >> 8);
        buf[size++] = (byte) value;
        return this;
    }

    FieldWriter writeInt(int value) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (value >> shift);
        }
        return this;
    }

    FieldWriter writeLong(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (value >> shift);
        }
        return this;
    }

    /** An unsigned varint: 7 bits a byte, low bits first; at most 5 bytes for an int. */
    FieldWriter writeUnsignedVarint(int value) {
        ensure(5);
        int v = value;
        while ((v & ~0x7F) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
        return this;
    }

    /** A zig-zag varint: small magnitudes of either sign take few bytes. */
    FieldWriter writeVarint(int value) {
        return writeUnsignedVarint((value << 1) ^ (value >> 31));
    }

    /** A zig-zag varlong: at most 10 bytes. */
    FieldWriter writeVarlong(long value) {
        ensure(10);
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
        return this;
    }

    /**
     * A string as its UTF-8 length (unsigned varint) then its UTF-8 bytes.
     *
     * @throws IllegalArgumentException when the string is not valid Unicode (an unpaired surrogate), which UTF-8
     *     cannot represent: encoding it anyway would change the name on the way back
     */
    FieldWriter writeString(String value) {
        byte[] utf8 = utf8(value);
        writeUnsignedVarint(utf8.length);
        return writeRaw(utf8);
    }

    /** Bytes as their length (unsigned varint) then the bytes. */
    FieldWriter writeBytes(byte[] value) {
        writeUnsignedVarint(value.length);
        return writeRaw(value);
    }

    FieldWriter writeRaw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, buf, size, value.length);
        size += value.length;
        return this;
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private static byte[] utf8(String value) {
        // fast path: pure ASCII, the common case for names
        int length = value.length();
        boolean ascii = true;
        for (int i = 0; i < length && ascii; i++) {
            ascii = value.charAt(i) < 0x80;
        }
        if (ascii) {
            return value.getBytes(StandardCharsets.US_ASCII);
        }
        CharsetEncoder encoder = StandardCharsets.UTF_8
                .newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            ByteBuffer out = encoder.encode(CharBuffer.wrap(value));
            byte[] bytes = new byte[out.remaining()];
            out.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "string is not valid Unicode (unpaired surrogate): " + e.getMessage(), e);
        }
    }
}
