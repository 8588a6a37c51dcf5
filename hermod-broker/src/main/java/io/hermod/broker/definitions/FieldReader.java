package io.hermod.broker.definitions;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A bounded cursor over encoded definitions: reads what {@link FieldWriter} writes and checks every length and count
 * against the bytes that remain before allocating anything, so garbage ends in a {@link BrokerException}
 * ({@link ErrorCode#STORAGE_FAILED}, "malformed ...") rather than an out-of-memory error, an endless loop or any other
 * exception. Not thread-safe; one per decoding.
 */
final class FieldReader {

    private final ByteBuffer in;
    private final int start;
    private final String what;

    /** Reads {@code in} from its position to its limit without moving them; {@code what} names it in errors. */
    FieldReader(ByteBuffer in, String what) {
        this.in = in.duplicate();
        this.start = in.position();
        this.what = what;
    }

    int remaining() {
        return in.remaining();
    }

    /** The position relative to the start, for messages. */
    private int at() {
        return in.position() - start;
    }

    BrokerException malformed(String problem) {
        return new BrokerException(ErrorCode.STORAGE_FAILED, "malformed " + what + " at byte " + at() + ": " + problem);
    }

    private void need(int bytes, String field) {
        if (in.remaining() < bytes) {
            throw malformed(field + " needs " + bytes + " bytes but only " + in.remaining() + " remain");
        }
    }

    int readUnsignedByte(String field) {
        need(1, field);
        return in.get() & 0xFF;
    }

    short readShort(String field) {
        need(2, field);
        return in.getShort();
    }

    int readInt(String field) {
        need(4, field);
        return in.getInt();
    }

    long readLong(String field) {
        need(8, field);
        return in.getLong();
    }

    int readUnsignedVarint(String field) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = readUnsignedByte(field);
            if (shift == 28 && (b & 0xF0) != 0) {
                throw malformed(field + " is a varint wider than 32 bits");
            }
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw malformed(field + " is a varint wider than 32 bits");
    }

    int readVarint(String field) {
        int raw = readUnsignedVarint(field);
        return (raw >>> 1) ^ -(raw & 1);
    }

    long readVarlong(String field) {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = readUnsignedByte(field);
            if (shift == 63 && (b & 0xFE) != 0) {
                throw malformed(field + " is a varlong wider than 64 bits");
            }
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw malformed(field + " is a varlong wider than 64 bits");
    }

    /**
     * A count of elements that each take at least {@code minBytesEach} bytes: checked against what remains, so a
     * collection is never sized beyond the input.
     */
    int readCount(String field, int minBytesEach) {
        int count = readUnsignedVarint(field);
        if (count < 0 || (long) count * minBytesEach > in.remaining()) {
            throw malformed(field + " " + Integer.toUnsignedString(count) + " exceeds the " + in.remaining()
                    + " bytes that remain");
        }
        return count;
    }

    private int readLength(String field) {
        int length = readUnsignedVarint(field + " length");
        if (length < 0 || length > in.remaining()) {
            throw malformed(field + " length " + Integer.toUnsignedString(length) + " exceeds the " + in.remaining()
                    + " bytes that remain");
        }
        return length;
    }

    /** A length-prefixed UTF-8 string; invalid UTF-8 is malformed, never replaced. */
    String readString(String field) {
        int length = readLength(field);
        ByteBuffer bytes = in.slice(in.position(), length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed(field + " is not valid UTF-8");
        }
    }

    byte[] readBytes(String field) {
        byte[] bytes = new byte[readLength(field)];
        in.get(bytes);
        return bytes;
    }

    /** Fails unless every byte was read: trailing bytes mean the encoding is not what it claims. */
    void expectEnd() {
        if (in.hasRemaining()) {
            throw malformed(in.remaining() + " bytes left over after the last field");
        }
    }
}
