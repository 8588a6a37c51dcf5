package io.hermod.amqp.server;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutates a recorded session for the connection fuzzer: bit flips and interesting values anywhere or inside a payload,
 * byte insertions and deletions with and without the size field fixed up, corrupted size fields, truncation, random
 * bytes after a valid prefix, swapped, duplicated and dropped frames, frames moved to other channels, and random frames
 * (valid envelope, random content) inserted or replacing the rest of the session. Payload-only mutations keep the framing intact so that the method,
 * property and field-table decoders see the damage; the others exercise the frame decoder. Everything comes from the
 * {@link Random} passed in, so a seed reproduces a case. Two mutations in five are structure-aware ({@link
 * FieldMutator}: one field of a method or content header re-encoded with an unexpected value).
 *
 * <p>Threading: stateless; each call uses its own random source.
 */
final class FrameMutator {

    /** A mutated session and what was done to it, for the failure report. */
    record Mutation(List<RecordedSession.Frame> frames, String description) {}

    /** Class and method ids of the spec beyond those in the corpus (tx, flow, recover-async, secure-ok, ...). */
    private static final int[][] METHODS = {
        {10, 11}, {10, 21}, {10, 31}, {10, 40}, {10, 50}, {10, 51}, {10, 70}, {20, 10}, {20, 20}, {20, 21}, {20, 40},
        {20, 41}, {30, 10}, {40, 10}, {40, 20}, {40, 30}, {40, 40}, {50, 10}, {50, 20}, {50, 30}, {50, 40}, {50, 50},
        {60, 10}, {60, 20}, {60, 30}, {60, 40}, {60, 70}, {60, 80}, {60, 90}, {60, 100}, {60, 110}, {60, 120}, {85, 10},
        {90, 10}, {90, 20}, {90, 30}
    };

    private static final int[] INTERESTING_BYTES = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xce, 'A', 'F', 'S', 'l', 'x'};
    private static final long[] INTERESTING_INTS = {
        0,
        1,
        2,
        255,
        256,
        4087,
        4088,
        4089,
        65535,
        65536,
        131_064,
        0x7fff_ffffL,
        0x8000_0000L,
        0xffff_fffeL,
        0xffff_ffffL
    };

    private static final int OPERATORS = 17;

    private FrameMutator() {}

    /** One to three mutations of {@code session}. */
    static Mutation mutate(RecordedSession session, Random random) {
        List<RecordedSession.Frame> frames = new ArrayList<>(session.frames());
        int count = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
        StringBuilder description = new StringBuilder();
        for (int i = 0; i < count && frames.size() > 1; i++) {
            if (!description.isEmpty()) {
                description.append("; ");
            }
            String field = random.nextInt(5) < 2 ? FieldMutator.mutate(frames, random) : null;
            if (field != null) {
                description.append(field);
                continue;
            }
            try {
                description.append(apply(random.nextInt(OPERATORS), frames, random));
            } catch (NoFrameToMutate e) {
                description.append("no frame left to mutate");
            }
        }
        return new Mutation(frames, description.toString());
    }

    private static String apply(int operator, List<RecordedSession.Frame> frames, Random random) {
        return switch (operator) {
            case 0 -> {
                int f = random.nextInt(frames.size()); // the protocol header included
                byte[] b = bytes(frames, f);
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                }
                yield replace(frames, f, b, flips + " bit flip(s) anywhere in");
            }
            case 1 -> {
                int f = framePick(frames, random, 1);
                byte[] b = bytes(frames, f);
                int flips = 1 + random.nextInt(3);
                for (int i = 0; i < flips; i++) {
                    b[7 + random.nextInt(payloadLength(b))] ^= (byte) (1 << random.nextInt(8));
                }
                yield replace(frames, f, b, flips + " bit flip(s) in the payload of");
            }
            case 2 -> {
                int f = framePick(frames, random, 1);
                byte[] b = bytes(frames, f);
                int at = 7 + random.nextInt(payloadLength(b));
                int value = INTERESTING_BYTES[random.nextInt(INTERESTING_BYTES.length)];
                b[at] = (byte) value;
                yield replace(
                        frames, f, b, "payload byte " + (at - 7) + " set to 0x" + Integer.toHexString(value) + " in");
            }
            case 3 -> {
                int f = framePick(frames, random, 0);
                byte[] b = bytes(frames, f);
                int at = 7 + random.nextInt(payloadLength(b) + 1);
                int n = 1 + random.nextInt(16);
                byte[] grown = insert(b, at, randomBytes(random, n));
                setSize(grown, payloadLength(grown));
                yield replace(frames, f, grown, n + " byte(s) inserted (size fixed up) in the payload of");
            }
            case 4 -> {
                int f = framePick(frames, random, 1);
                byte[] b = bytes(frames, f);
                int at = 7 + random.nextInt(payloadLength(b));
                int n = 1 + random.nextInt(Math.min(16, 7 + payloadLength(b) - at));
                byte[] shrunk = delete(b, at, n);
                setSize(shrunk, payloadLength(shrunk));
                yield replace(frames, f, shrunk, n + " byte(s) deleted (size fixed up) from the payload of");
            }
            case 5 -> {
                int f = framePick(frames, random, 0);
                byte[] b = bytes(frames, f);
                int n = 1 + random.nextInt(16);
                yield replace(
                        frames,
                        f,
                        insert(b, random.nextInt(b.length + 1), randomBytes(random, n)),
                        n + " byte(s) inserted into");
            }
            case 6 -> {
                int f = framePick(frames, random, 0);
                byte[] b = bytes(frames, f);
                int at = random.nextInt(b.length);
                int n = 1 + random.nextInt(Math.min(16, b.length - at));
                yield replace(frames, f, delete(b, at, n), n + " byte(s) deleted from");
            }
            case 7 -> {
                int f = framePick(frames, random, 0);
                byte[] b = bytes(frames, f);
                long size = switch (random.nextInt(4)) {
                    case 0 -> payloadLength(b) + 1L;
                    case 1 -> Math.max(0, payloadLength(b) - 1L);
                    case 2 -> random.nextInt() & 0xffff_ffffL;
                    default -> INTERESTING_INTS[random.nextInt(INTERESTING_INTS.length)];
                };
                ByteBuffer.wrap(b).putInt(3, (int) size);
                yield replace(frames, f, b, "size field set to " + size + " in");
            }
            case 8 -> {
                int f = random.nextInt(frames.size());
                byte[] b = bytes(frames, f);
                int keep = random.nextInt(b.length);
                String what = "truncated after " + keep + " byte(s) of frame " + f + " (" + describe(frames, f) + ")";
                frames.subList(f, frames.size()).clear();
                if (keep > 0) {
                    frames.add(new RecordedSession.Frame(Arrays.copyOf(b, keep), 0));
                }
                yield what;
            }
            case 9 -> {
                int f = 1 + random.nextInt(frames.size() - 1);
                int n = 1 + random.nextInt(2048);
                String what = n + " random byte(s) after the first " + f + " frame(s)";
                frames.subList(f, frames.size()).clear();
                frames.add(new RecordedSession.Frame(randomBytes(random, n), 0));
                yield what;
            }
            case 10 -> {
                int a = framePick(frames, random, 0);
                int b = framePick(frames, random, 0);
                String what = "frames " + a + " (" + describe(frames, a) + ") and " + b + " (" + describe(frames, b)
                        + ") swapped";
                RecordedSession.Frame first = frames.get(a);
                frames.set(a, frames.get(b));
                frames.set(b, first);
                yield what;
            }
            case 11 -> {
                int f = framePick(frames, random, 0);
                frames.add(f, frames.get(f));
                yield "frame " + f + " (" + describe(frames, f) + ") duplicated";
            }
            case 12 -> {
                int f = framePick(frames, random, 0);
                String what = "frame " + f + " (" + describe(frames, f) + ") dropped";
                frames.remove(f);
                yield what;
            }
            case 13 -> {
                int f = 1 + random.nextInt(frames.size());
                byte[] frame = randomFrame(random);
                frames.add(f, new RecordedSession.Frame(frame, 0));
                yield "random frame inserted at " + f + ": " + new RecordedSession.Frame(frame, 0).describe() + " of "
                        + frame.length + " bytes";
            }
            case 14 -> {
                int f = framePick(frames, random, 0);
                byte[] b = bytes(frames, f);
                int[] channels = {0, 1, 2, 3, 2047, 2048, 65535};
                int channel = random.nextBoolean() ? channels[random.nextInt(channels.length)] : random.nextInt(65536);
                b[1] = (byte) (channel >> 8);
                b[2] = (byte) channel;
                yield replace(frames, f, b, "moved to channel " + channel + ":");
            }
            case 15 -> {
                int f = 1 + random.nextInt(frames.size() - 1);
                int n = 1 + random.nextInt(20);
                String what = n + " random frame(s) after the first " + f + " frame(s)";
                frames.subList(f, frames.size()).clear();
                for (int i = 0; i < n; i++) {
                    frames.add(new RecordedSession.Frame(randomFrame(random), 0));
                }
                yield what;
            }
            default -> {
                int f = framePick(frames, random, 4);
                byte[] b = bytes(frames, f);
                int at = 7 + random.nextInt(payloadLength(b) - 3);
                long value = INTERESTING_INTS[random.nextInt(INTERESTING_INTS.length)];
                boolean wide = random.nextBoolean();
                if (wide) {
                    ByteBuffer.wrap(b).putInt(at, (int) value);
                } else {
                    ByteBuffer.wrap(b).putShort(at, (short) value);
                }
                yield replace(
                        frames,
                        f,
                        b,
                        (wide ? "long " : "short ") + value + " written at payload offset " + (at - 7) + " of");
            }
        };
    }

    /** A frame with a valid envelope and random content: a method (known ids), a content header, a body or a heartbeat. */
    static byte[] randomFrame(Random random) {
        int[] types = {1, 1, 1, 2, 2, 3, 8, random.nextInt(256)};
        int type = types[random.nextInt(types.length)];
        int channel = random.nextInt(3) == 0 ? random.nextInt(65536) : random.nextInt(3);
        byte[] payload;
        switch (type) {
            case 1 -> {
                int[] method = METHODS[random.nextInt(METHODS.length)];
                ByteBuffer p = ByteBuffer.allocate(4 + random.nextInt(64));
                p.putShort((short) method[0]).putShort((short) method[1]);
                while (p.hasRemaining()) {
                    p.put((byte) random.nextInt());
                }
                payload = p.array();
            }
            case 2 -> {
                ByteBuffer p = ByteBuffer.allocate(14 + random.nextInt(48));
                p.putShort((short) (random.nextInt(4) == 0 ? random.nextInt(65536) : 60))
                        .putShort((short) 0)
                        .putLong(random.nextBoolean() ? random.nextInt(100_000) : random.nextLong());
                while (p.hasRemaining()) {
                    p.put((byte) random.nextInt());
                }
                payload = p.array();
            }
            case 8 -> payload = random.nextInt(4) == 0 ? randomBytes(random, 1 + random.nextInt(8)) : new byte[0];
            default -> payload = randomBytes(random, random.nextInt(512));
        }
        byte[] frame = new byte[payload.length + 8];
        ByteBuffer.wrap(frame)
                .put((byte) type)
                .putShort((short) channel)
                .putInt(payload.length)
                .put(payload)
                .put((byte) 0xce);
        return frame;
    }

    // ------------------------------------------------------------------ helpers

    /** A frame (not the protocol header) with a payload of at least {@code minPayload} bytes, if there is one. */
    private static int framePick(List<RecordedSession.Frame> frames, Random random, int minPayload) {
        for (int attempt = 0; attempt < 32; attempt++) {
            int f = 1 + random.nextInt(frames.size() - 1);
            byte[] b = frames.get(f).bytes();
            if (b.length >= 8 && payloadLength(b) >= minPayload) {
                return f;
            }
        }
        throw new NoFrameToMutate(); // only after a truncation
    }

    /** No frame fits the operator: the session was cut short by an earlier mutation. */
    private static final class NoFrameToMutate extends RuntimeException {
        NoFrameToMutate() {
            super(null, null, false, false);
        }
    }

    private static byte[] bytes(List<RecordedSession.Frame> frames, int f) {
        return frames.get(f).bytes().clone();
    }

    private static String replace(List<RecordedSession.Frame> frames, int f, byte[] bytes, String what) {
        String description = what + " frame " + f + " (" + describe(frames, f) + ")";
        frames.set(f, new RecordedSession.Frame(bytes, frames.get(f).serverFramesBefore()));
        return description;
    }

    private static String describe(List<RecordedSession.Frame> frames, int f) {
        return frames.get(f).describe();
    }

    /** The payload length of a frame as sent: everything between the 7-byte header and the end octet. */
    private static int payloadLength(byte[] frame) {
        return Math.max(0, frame.length - 8);
    }

    private static void setSize(byte[] frame, int size) {
        ByteBuffer.wrap(frame).putInt(3, size);
    }

    private static byte[] insert(byte[] b, int at, byte[] inserted) {
        byte[] out = new byte[b.length + inserted.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(b, at, out, at + inserted.length, b.length - at);
        return out;
    }

    private static byte[] delete(byte[] b, int at, int n) {
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }
}
