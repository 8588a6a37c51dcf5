package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes the AMQP 0-9-1 argument types that need more than one {@link ByteBuf} call (spec 4.2.5), and checks the
 * ranges of the unsigned types that travel in wider Java types. Values that cannot be encoded are the caller's bug:
 * {@link IllegalArgumentException}.
 *
 * <p>Threading: stateless.
 */
final class PrimitiveEncoder {

    /** The longest short string, in UTF-8 bytes. */
    static final int SHORTSTR_MAX = 255;

    private PrimitiveEncoder() {}

    /*
     * Strings are encoded with String.getBytes, not Netty's char-by-char UTF-8 writer: for the ASCII names and tags
     * AMQP carries, the JDK's encoder is a vectorised check and an array copy (each basic.deliver writes three).
     */

    static void writeShortstr(ByteBuf out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > SHORTSTR_MAX) {
            throw new IllegalArgumentException("a shortstr holds at most 255 UTF-8 bytes, not " + bytes.length + ": "
                    + value.substring(0, Math.min(value.length(), 40)) + "...");
        }
        out.writeByte(bytes.length);
        out.writeBytes(bytes);
    }

    static void writeLongstr(ByteBuf out, String value) {
        writeLongstr(out, value.getBytes(StandardCharsets.UTF_8));
    }

    static void writeLongstr(ByteBuf out, byte[] value) {
        out.writeInt(value.length);
        out.writeBytes(value);
    }

    static void checkOctet(int value, String name) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException(name + " is an octet (0..255), not " + value);
        }
    }

    static void checkShort(int value, String name) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException(name + " is a short (0..65535), not " + value);
        }
    }
}
