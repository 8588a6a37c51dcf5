package io.hermod.amqp.codec;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/** Test helper: runs bytes through a {@link FrameDecoder} in an embedded channel. */
final class Frames {

    private Frames() {}

    /** What a decoder made of some input: the frames (the caller owns their buffers) and the errors raised. */
    record Decoded(List<Frame> frames, List<Throwable> errors) {

        void release() {
            frames.forEach(ReferenceCountUtil::release);
        }
    }

    /** Decodes bytes that hold only valid frames; rethrows any decoder error. Method frames only: no buffers held. */
    static List<Frame> decodeAll(byte[] bytes) {
        Decoded decoded = decode(new FrameDecoder(), List.of(bytes));
        if (!decoded.errors().isEmpty()) {
            decoded.release();
            throw new AssertionError("decoder failed", decoded.errors().getFirst());
        }
        return decoded.frames();
    }

    /** Feeds {@code chunks} one read at a time to {@code decoder}, collecting frames and errors; closes the channel. */
    static Decoded decode(FrameDecoder decoder, List<byte[]> chunks) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        List<Frame> frames = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        try {
            for (byte[] chunk : chunks) {
                try {
                    // a pooled (leak-tracked) buffer, as a socket read would deliver
                    channel.writeInbound(
                            ByteBufAllocator.DEFAULT.buffer(chunk.length).writeBytes(chunk));
                } catch (Throwable t) {
                    errors.add(t);
                }
                for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
                    frames.add((Frame) message);
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        return new Decoded(frames, errors);
    }
}
