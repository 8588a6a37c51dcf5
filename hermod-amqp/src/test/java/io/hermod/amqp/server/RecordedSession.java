package io.hermod.amqp.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client sent in one session, split into the protocol header and frames, each with the number of frames the
 * server had sent before the client wrote it (a replay waits for as many before sending it, so that, for instance, an
 * ack follows the delivery it acknowledges).
 *
 * @param frames the protocol header first, then the frames in the order sent
 */
record RecordedSession(List<Frame> frames) {

    RecordedSession {
        frames = List.copyOf(frames);
    }

    /**
     * One frame as sent (or, first, the 8-byte protocol header).
     *
     * @param bytes the whole frame: type, channel, size, payload and end octet
     * @param serverFramesBefore the server frames (heartbeats aside, confirms weighed by {@link ServerFrames}) the
     *     client had received when it sent this one
     */
    record Frame(byte[] bytes, int serverFramesBefore) {

        int type() {
            return bytes[0] & 0xff;
        }

        /** "method 60.40 on channel 1", "body on channel 1", ...: for failure reports. */
        String describe() {
            if (bytes.length < 7 || bytes[0] == 'A') {
                return "the protocol header";
            }
            int channel = ((bytes[1] & 0xff) << 8) | (bytes[2] & 0xff);
            return switch (type()) {
                case 1 ->
                    bytes.length >= 11
                            ? "method " + u16(bytes, 7) + "." + u16(bytes, 9) + " on channel " + channel
                            : "a short method frame on channel " + channel;
                case 2 -> "content header on channel " + channel;
                case 3 -> "content body on channel " + channel;
                case 8 -> "heartbeat";
                default -> "frame type " + type();
            };
        }
    }

    /**
     * Counts the server's frames the way the recording and the replay can agree on: heartbeats are not answers, and a
     * publisher confirm weighs the publishes it confirms — the server coalesces confirms into {@code multiple} acks
     * as they happen to settle together, so one run's three acks are another run's one.
     */
    static final class ServerFrames {
        private final java.util.Map<Integer, Long> confirmed = new java.util.HashMap<>();

        /** The weight of the whole frame at {@code position} in {@code bytes}. */
        int weigh(byte[] bytes, int position) {
            int type = bytes[position] & 0xff;
            if (type == 8) {
                return 0;
            }
            int size = java.nio.ByteBuffer.wrap(bytes, position + 3, 4).getInt();
            int payload = position + 7;
            if (type != 1 || size < 13 || u16(bytes, payload) != 60) {
                return 1;
            }
            int method = u16(bytes, payload + 2);
            if (method != 80 && method != 120) { // basic.ack, basic.nack
                return 1;
            }
            int channel = u16(bytes, position + 1);
            long tag = java.nio.ByteBuffer.wrap(bytes, payload + 4, 8).getLong();
            boolean multiple = (bytes[payload + 12] & 1) != 0;
            long before = confirmed.getOrDefault(channel, 0L);
            confirmed.put(channel, Math.max(before, tag));
            return multiple ? (int) Math.max(0, tag - before) : 1;
        }
    }

    static int u16(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xff) << 8) | (bytes[offset + 1] & 0xff);
    }

    /** A copy whose names carry {@code replacement} instead of {@link SessionRecorder#TOKEN} (same length). */
    RecordedSession renamed(String replacement) {
        byte[] token = SessionRecorder.TOKEN.getBytes(StandardCharsets.US_ASCII);
        byte[] with = replacement.getBytes(StandardCharsets.US_ASCII);
        if (with.length != token.length) {
            throw new IllegalArgumentException("a replacement must keep the length of " + SessionRecorder.TOKEN);
        }
        List<Frame> renamed = new ArrayList<>(frames.size());
        for (Frame frame : frames) {
            byte[] bytes = frame.bytes().clone();
            for (int i = 0; i + token.length <= bytes.length; i++) {
                if (matches(bytes, i, token)) {
                    System.arraycopy(with, 0, bytes, i, with.length);
                }
            }
            renamed.add(new Frame(bytes, frame.serverFramesBefore()));
        }
        return new RecordedSession(renamed);
    }

    private static boolean matches(byte[] bytes, int offset, byte[] token) {
        for (int j = 0; j < token.length; j++) {
            if (bytes[offset + j] != token[j]) {
                return false;
            }
        }
        return true;
    }
}
