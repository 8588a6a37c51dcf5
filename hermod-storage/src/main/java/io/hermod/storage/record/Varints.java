package io.hermod.storage.record;

import java.nio.ByteBuffer;

/**
 * Zig-zag variable-length integers as used inside Kafka record batch v2 records (the protobuf encoding). Stateless.
 */
final class Varints {

    private Varints() {}

    static int sizeOfVarint(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xffffff80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static void writeVarint(int value, ByteBuffer out) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            out.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    static void writeVarlong(long value, ByteBuffer out) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            out.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    /** Reads a zig-zag varint; a value longer than 5 bytes is malformed. */
    static int readVarint(ByteBuffer in) {
        int raw = 0;
        int shift = 0;
        byte b;
        do {
            if (shift > 28) {
                throw new IllegalArgumentException("varint longer than 5 bytes");
            }
            b = in.get();
            raw |= (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0);
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** Reads a zig-zag varlong; a value longer than 10 bytes is malformed. */
    static long readVarlong(ByteBuffer in) {
        long raw = 0;
        int shift = 0;
        byte b;
        do {
            if (shift > 63) {
                throw new IllegalArgumentException("varlong longer than 10 bytes");
            }
            b = in.get();
            raw |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0);
        return (raw >>> 1) ^ -(raw & 1);
    }
}
