package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.ByteBuffer;

/**
 * Writes AMQP 0-9-1 frames (spec 4.2.3; layout in {@link FrameDecoder}): methods, content (a header frame and the body
 * split into frames of at most frame-max bytes, spec 4.2.6) and heartbeats.
 *
 * <p>Buffer ownership: the {@code write...} methods append to an {@code out} the caller owns and copy from {@code
 * properties} and {@code body}, which stay the caller's: not released, their indexes unchanged. {@link #content}
 * returns a new buffer the caller owns (writing it to a channel releases it) that shares {@code body}'s memory through
 * retained slices instead of copying it.
 *
 * <p>Threading: stateless.
 */
public final class FrameEncoder {

    /** Bodies up to this size are copied by {@link #content}: cheaper than a composite buffer. */
    static final int COPY_THRESHOLD = 1024;

    private FrameEncoder() {}

    /**
     * Appends a method frame.
     *
     * @throws IllegalArgumentException when the channel is not 0..65535 or the method cannot be encoded ({@link
     *     MethodEncoder}); {@code out} is then left as it was
     */
    public static void writeMethod(ByteBuf out, int channel, AmqpMethod method) {
        PrimitiveEncoder.checkShort(channel, "channel");
        int start = out.writerIndex();
        try {
            out.writeByte(AmqpConstants.FRAME_METHOD);
            out.writeShort(channel);
            out.writeInt(0);
            MethodEncoder.encode(method, out);
            out.setInt(start + 3, out.writerIndex() - start - FrameDecoder.HEADER_SIZE);
            out.writeByte(AmqpConstants.FRAME_END);
        } catch (RuntimeException e) {
            out.writerIndex(start);
            throw e;
        }
    }

    /**
     * Appends a content header frame: {@code classId}, weight 0, {@code bodySize}, then the readable bytes of {@code
     * properties} (flag words and values, e.g. from {@link BasicProperties#encode} or a received {@link
     * ContentHeaderFrame#properties()}). The frame is not checked against frame-max: a property list that came in a
     * frame of this connection's size fits.
     */
    public static void writeContentHeader(ByteBuf out, int channel, int classId, long bodySize, ByteBuf properties) {
        writeContentHeader(out, channel, classId, bodySize, properties, BYTE_BUF);
    }

    private static <T> void writeContentHeader(
            ByteBuf out, int channel, int classId, long bodySize, T properties, Source<T> source) {
        PrimitiveEncoder.checkShort(channel, "channel");
        PrimitiveEncoder.checkShort(classId, "classId");
        int length = source.length(properties);
        out.writeByte(AmqpConstants.FRAME_HEADER);
        out.writeShort(channel);
        out.writeInt(FrameDecoder.CONTENT_HEADER_FIXED_SIZE + length);
        out.writeShort(classId);
        out.writeShort(0);
        out.writeLong(bodySize);
        source.copy(properties, 0, length, out);
        out.writeByte(AmqpConstants.FRAME_END);
    }

    /**
     * Appends a content header frame and the readable bytes of {@code body} as body frames of at most {@code frameMax}
     * bytes each (so at most {@code frameMax - 8} body bytes); no body frame when the body is empty.
     *
     * @param frameMax the connection's negotiated frame-max; 0 means no limit
     * @throws IllegalArgumentException when {@code frameMax} is neither 0 nor at least {@link
     *     AmqpConstants#FRAME_MIN_SIZE}
     */
    public static void writeContent(
            ByteBuf out, int channel, int classId, ByteBuf properties, ByteBuf body, int frameMax) {
        writeContent(out, channel, classId, properties, body, BYTE_BUF, frameMax);
    }

    private static <T> void writeContent(
            ByteBuf out, int channel, int classId, T properties, T body, Source<T> source, int frameMax) {
        int chunk = bodyChunk(frameMax);
        int size = source.length(body);
        writeContentHeader(out, channel, classId, size, properties, source);
        for (int i = 0; i < size; ) {
            int length = Math.min(chunk, size - i);
            writeBodyFrameHeader(out, channel, length);
            source.copy(body, i, length, out);
            out.writeByte(AmqpConstants.FRAME_END);
            i += length;
        }
    }

    /**
     * Appends a whole command: the method frame of a method with content ({@code basic.publish}, {@code
     * basic.deliver}, {@code basic.return}, {@code basic.get-ok}), then its content as {@link #writeContent} does.
     *
     * @throws IllegalArgumentException when the method has no content, or as {@link #writeMethod} and {@link
     *     #writeContent} do
     */
    public static void writeCommand(
            ByteBuf out, int channel, AmqpMethod method, ByteBuf properties, ByteBuf body, int frameMax) {
        writeCommand(out, channel, method, properties, body, BYTE_BUF, frameMax);
    }

    /**
     * {@link #writeCommand(ByteBuf, int, AmqpMethod, ByteBuf, ByteBuf, int)} from NIO buffers (a stored message's
     * property bytes and body), copied from their position to their limit without changing either: the same message
     * may be encoded for several consumers at once.
     */
    public static void writeCommand(
            ByteBuf out, int channel, AmqpMethod method, ByteBuffer properties, ByteBuffer body, int frameMax) {
        writeCommand(out, channel, method, properties, body, BYTE_BUFFER, frameMax);
    }

    private static <T> void writeCommand(
            ByteBuf out, int channel, AmqpMethod method, T properties, T body, Source<T> source, int frameMax) {
        if (!method.hasContent()) {
            throw new IllegalArgumentException(method.name() + " carries no content");
        }
        bodyChunk(frameMax);
        writeMethod(out, channel, method);
        writeContent(out, channel, method.classId(), properties, body, source, frameMax);
    }

    /**
     * The content header and body frames of {@code body} as one new buffer, as {@link #writeContent} would write them,
     * but sharing the body's memory (retained slices) when it is larger than {@value #COPY_THRESHOLD} bytes. The caller
     * owns the result and releases it (writing it to a channel does); {@code properties} and {@code body} stay the
     * caller's.
     */
    public static ByteBuf content(
            ByteBufAllocator alloc, int channel, int classId, ByteBuf properties, ByteBuf body, int frameMax) {
        int chunk = bodyChunk(frameMax);
        PrimitiveEncoder.checkShort(channel, "channel");
        PrimitiveEncoder.checkShort(classId, "classId");
        int bodySize = body.readableBytes();
        int frames = bodySize == 0 ? 0 : (bodySize - 1) / chunk + 1;
        int headerFrameSize =
                FrameDecoder.OVERHEAD + FrameDecoder.CONTENT_HEADER_FIXED_SIZE + properties.readableBytes();
        if (bodySize <= COPY_THRESHOLD) {
            ByteBuf out = alloc.buffer(headerFrameSize + bodySize + frames * FrameDecoder.OVERHEAD);
            writeContent(out, channel, classId, properties, body, frameMax);
            return out;
        }
        // One small buffer holds the header frame and every body frame's header and end octet; slices of it and of
        // the body interleave in a composite: [header frame, body header 1] [body 1] [end, body header 2] ... [end].
        int framing = headerFrameSize + frames * FrameDecoder.OVERHEAD;
        ByteBuf framingBytes = alloc.buffer(framing, framing);
        CompositeByteBuf composite = alloc.compositeBuffer(2 * frames + 1);
        try {
            writeContentHeader(framingBytes, channel, classId, bodySize, properties);
            int region = 0;
            int end = body.writerIndex();
            for (int i = body.readerIndex(); i < end; ) {
                int length = Math.min(chunk, end - i);
                writeBodyFrameHeader(framingBytes, channel, length);
                composite.addComponent(true, framingBytes.retainedSlice(region, framingBytes.writerIndex() - region));
                composite.addComponent(true, body.retainedSlice(i, length));
                region = framingBytes.writerIndex();
                framingBytes.writeByte(AmqpConstants.FRAME_END);
                i += length;
            }
            composite.addComponent(true, framingBytes.retainedSlice(region, 1));
            return composite;
        } catch (RuntimeException e) {
            composite.release();
            throw e;
        } finally {
            framingBytes.release();
        }
    }

    /** Appends a heartbeat frame (channel 0, empty; spec 4.2.7). */
    public static void writeHeartbeat(ByteBuf out) {
        out.writeByte(AmqpConstants.FRAME_HEARTBEAT);
        out.writeShort(0);
        out.writeInt(0);
        out.writeByte(AmqpConstants.FRAME_END);
    }

    private static void writeBodyFrameHeader(ByteBuf out, int channel, int length) {
        out.writeByte(AmqpConstants.FRAME_BODY);
        out.writeShort(channel);
        out.writeInt(length);
    }

    /** Where content bytes come from: a Netty buffer (its readable bytes) or an NIO buffer (position to limit). */
    private interface Source<T> {
        int length(T source);

        /** Appends {@code length} bytes from {@code offset} (relative to the readable start) to {@code out}. */
        void copy(T source, int offset, int length, ByteBuf out);
    }

    private static final Source<ByteBuf> BYTE_BUF = new Source<>() {
        @Override
        public int length(ByteBuf source) {
            return source.readableBytes();
        }

        @Override
        public void copy(ByteBuf source, int offset, int length, ByteBuf out) {
            out.writeBytes(source, source.readerIndex() + offset, length);
        }
    };

    /**
     * Copies with an absolute bulk put into the output's own NIO view: no wrapper, no duplicate, neither buffer's
     * position moved.
     */
    private static final Source<ByteBuffer> BYTE_BUFFER = new Source<>() {
        @Override
        public int length(ByteBuffer source) {
            return source.remaining();
        }

        @Override
        public void copy(ByteBuffer source, int offset, int length, ByteBuf out) {
            out.ensureWritable(length);
            int at = out.writerIndex();
            if (out.nioBufferCount() == 1) {
                ByteBuffer target = out.internalNioBuffer(at, length);
                target.put(target.position(), source, source.position() + offset, length);
            } else {
                out.setBytes(at, source.slice(source.position() + offset, length));
            }
            out.writerIndex(at + length);
        }
    };

    /** The most body bytes one body frame may carry under {@code frameMax}. */
    private static int bodyChunk(int frameMax) {
        if (frameMax == 0) {
            return Integer.MAX_VALUE - FrameDecoder.OVERHEAD;
        }
        if (frameMax < AmqpConstants.FRAME_MIN_SIZE) {
            throw new IllegalArgumentException(
                    "frame-max must be 0 (no limit) or at least " + AmqpConstants.FRAME_MIN_SIZE + ", not " + frameMax);
        }
        return frameMax - FrameDecoder.OVERHEAD;
    }
}
