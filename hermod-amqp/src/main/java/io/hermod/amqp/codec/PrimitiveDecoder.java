package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Reads the AMQP 0-9-1 argument types (spec 4.2.5) with every length checked before anything is read or allocated:
 * the {@code read...} methods consume a buffer's readable bytes (method arguments); the {@code ...At}, {@code skip...}
 * and {@code check...} methods work on absolute indexes bounded by {@code end} and move nothing (content properties,
 * which several readers may share).
 *
 * <p>Failures are {@link AmqpCodecException}s: {@code FRAME_ERROR} when a value runs past the end of its frame,
 * {@code SYNTAX_ERROR} for an illegal value (malformed UTF-8 in a text string). Text strings must be valid UTF-8 because they become Java strings; anything binary travels as
 * {@code byte[]}.
 *
 * <p>Threading: stateless.
 */
final class PrimitiveDecoder {

    private PrimitiveDecoder() {}

    static int readOctet(ByteBuf in) {
        need(in, 1, "octet");
        return in.readUnsignedByte();
    }

    static int readShort(ByteBuf in) {
        need(in, 2, "short");
        return in.readUnsignedShort();
    }

    /** A 32-bit unsigned integer in an {@code int} (its bits). */
    static int readLong(ByteBuf in) {
        need(in, 4, "long");
        return in.readInt();
    }

    /** A 64-bit unsigned integer in a {@code long} (its bits). */
    static long readLonglong(ByteBuf in) {
        need(in, 8, "longlong");
        return in.readLong();
    }

    static String readShortstr(ByteBuf in) {
        int index = in.readerIndex();
        String value = shortstrAt(in, index, in.writerIndex());
        in.readerIndex(index + 1 + in.getUnsignedByte(index));
        return value;
    }

    static String readLongstr(ByteBuf in) {
        int index = in.readerIndex();
        String value = longstrAt(in, index, in.writerIndex());
        in.readerIndex(index + 4 + (int) in.getUnsignedInt(index));
        return value;
    }

    static byte[] readLongstrBytes(ByteBuf in) {
        int index = in.readerIndex();
        int length = longstrLength(in, index, in.writerIndex());
        byte[] value = ByteBufUtil.getBytes(in, index + 4, length);
        in.readerIndex(index + 4 + length);
        return value;
    }

    /** Fails unless every readable byte has been consumed. */
    static void expectEnd(ByteBuf in) {
        if (in.isReadable()) {
            throw new AmqpCodecException(
                    ReplyCode.FRAME_ERROR, in.readableBytes() + " bytes left over after the last argument");
        }
    }

    /** Fails unless {@code index} is {@code end}. */
    static void expectEnd(int index, int end) {
        if (index != end) {
            throw new AmqpCodecException(
                    ReplyCode.FRAME_ERROR, (end - index) + " bytes left over after the last value");
        }
    }

    static int octetAt(ByteBuf b, int index, int end) {
        need(index, end, 1, "octet");
        return b.getUnsignedByte(index);
    }

    static int shortAt(ByteBuf b, int index, int end) {
        need(index, end, 2, "short");
        return b.getUnsignedShort(index);
    }

    static int longAt(ByteBuf b, int index, int end) {
        need(index, end, 4, "long");
        return b.getInt(index);
    }

    static long longlongAt(ByteBuf b, int index, int end) {
        need(index, end, 8, "longlong");
        return b.getLong(index);
    }

    static String shortstrAt(ByteBuf b, int index, int end) {
        need(index, end, 1, "shortstr length");
        int length = b.getUnsignedByte(index);
        need(index + 1, end, length, "shortstr");
        return utf8(b, index + 1, length, "shortstr");
    }

    static String longstrAt(ByteBuf b, int index, int end) {
        int length = longstrLength(b, index, end);
        return utf8(b, index + 4, length, "longstr");
    }

    /** The index after a fixed-width value of {@code width} bytes at {@code index}. */
    static int skipFixed(ByteBuf b, int index, int end, int width) {
        need(index, end, width, "value");
        return index + width;
    }

    /** The index after the short string at {@code index} (its content unchecked). */
    static int skipShortstr(ByteBuf b, int index, int end) {
        need(index, end, 1, "shortstr length");
        int length = b.getUnsignedByte(index);
        need(index + 1, end, length, "shortstr");
        return index + 1 + length;
    }

    /** The index after the long string at {@code index} (its content unchecked). */
    static int skipLongstr(ByteBuf b, int index, int end) {
        return index + 4 + longstrLength(b, index, end);
    }

    /** As {@link #skipShortstr}, also checking the text is valid UTF-8. */
    static int checkShortstr(ByteBuf b, int index, int end) {
        int next = skipShortstr(b, index, end);
        checkUtf8(b, index + 1, next - index - 1, "shortstr");
        return next;
    }

    /** As {@link #skipLongstr}, also checking the text is valid UTF-8. */
    static int checkLongstr(ByteBuf b, int index, int end) {
        int next = skipLongstr(b, index, end);
        checkUtf8(b, index + 4, next - index - 4, "longstr");
        return next;
    }

    /** The length of the long string at {@code index}, checked to lie within {@code end}. */
    static int longstrLength(ByteBuf b, int index, int end) {
        need(index, end, 4, "longstr length");
        long length = b.getUnsignedInt(index);
        if (length > end - index - 4) {
            throw tooShort("longstr", length, end - index - 4);
        }
        return (int) length;
    }

    /** Text of {@code length} bytes at {@code index}, which must be valid UTF-8. */
    static String utf8(ByteBuf b, int index, int length, String what) {
        checkUtf8(b, index, length, what);
        return b.toString(index, length, StandardCharsets.UTF_8);
    }

    static void checkUtf8(ByteBuf b, int index, int length, String what) {
        if (!ByteBufUtil.isText(b, index, length, StandardCharsets.UTF_8)) {
            throw new AmqpCodecException(ReplyCode.SYNTAX_ERROR, what + " of " + length + " bytes is not valid UTF-8");
        }
    }

    private static void need(ByteBuf in, int bytes, String what) {
        if (in.readableBytes() < bytes) {
            throw tooShort(what, bytes, in.readableBytes());
        }
    }

    static void need(int index, int end, long bytes, String what) {
        if (bytes > end - index) {
            throw tooShort(what, bytes, end - index);
        }
    }

    /** The failure for a value of {@code needed} bytes with only {@code left} bytes before the end. */
    static AmqpCodecException tooShort(String what, long needed, int left) {
        return new AmqpCodecException(
                ReplyCode.FRAME_ERROR,
                what + " needs " + needed + " bytes but only " + Math.max(left, 0) + " are left");
    }
}
