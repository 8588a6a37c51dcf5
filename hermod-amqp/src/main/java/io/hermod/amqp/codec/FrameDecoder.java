package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits an AMQP 0-9-1 connection's bytes after the protocol header (which the server reads itself) into {@link
 * Frame}s. The frame layout (spec 4.2.3):
 *
 * <pre>
 *  0      1         3             7                      7 + size
 *  +------+---------+-------------+----------------------+-----------+
 *  | type | channel | size        | payload (size bytes) | end: 0xCE |
 *  +------+---------+-------------+----------------------+-----------+
 *   octet   short     long (unsigned)
 * </pre>
 *
 * <p>Method payloads are decoded by {@link MethodDecoder}. A content header's payload is class id (short), weight
 * (short, must be 0), body size (longlong) and the property list, which for class {@code basic} is validated here so
 * that only well-formed properties are stored and forwarded; heartbeats must be empty. Channel numbers are passed on
 * unchecked: which channel may carry what is the connection's business.
 *
 * <p>Bounded: a frame's size is checked against frame-max (which counts the 8 bytes of header and end octet, spec
 * 4.2.3) as soon as its 7-byte header has arrived, so an oversized frame is refused before its payload is buffered.
 * Until {@link #setFrameMax} is called after {@code connection.tune-ok}, frame-max is the spec's minimum, 4096, unless
 * the constructor says otherwise.
 *
 * <p>Errors are {@link AmqpCodecException}s passed to {@code exceptionCaught} (frames decoded before the error are
 * fired first); the server closes the connection with the exception's reply code. When the framing itself is lost
 * (unknown frame type, a size above frame-max, a bad end octet) the decoder discards everything it receives afterwards.
 * When one frame is well delimited but its content is bad (a method that cannot be decoded, a bad content header), only
 * that frame is dropped and decoding goes on, so the server can still read the client's {@code connection.close-ok}.
 *
 * <p>Buffer ownership: see {@link Frame}; content header and body frames hold retained slices of this decoder's
 * cumulation buffer, which their receivers release. The cumulation is a composite of the reads, so no read is copied to
 * join a frame that spans two of them.
 *
 * <p>Threading: one instance per connection, used on that connection's event loop only, {@link #setFrameMax}
 * included.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    /** Type, channel and size: the bytes before a frame's payload. */
    static final int HEADER_SIZE = 7;

    /** Header and end octet: what a frame adds to its payload (frame-max counts it). */
    static final int OVERHEAD = HEADER_SIZE + 1;

    /** Class id, weight and body size: a content header's payload before its properties. */
    static final int CONTENT_HEADER_FIXED_SIZE = 12;

    private int frameMax;
    private boolean framingLost;

    /**
     * A decoder accepting frames of up to {@link AmqpConstants#FRAME_MIN_SIZE} (4096) bytes until told otherwise, the
     * least the spec lets a peer send before tuning. RabbitMQ 4 raised its own minimum to 8192 (OAuth 2 tokens in
     * {@code connection.start-ok} outgrow 4096), so a server that wants such clients passes a larger limit.
     */
    public FrameDecoder() {
        this(AmqpConstants.FRAME_MIN_SIZE);
    }

    /** A decoder accepting frames of up to {@code frameMax} bytes, header and end octet included. */
    public FrameDecoder(int frameMax) {
        setFrameMax(frameMax);
        // A read that ends inside a frame is joined to the next one as a component, not by copying the next read
        // behind it (Netty's default): under load most reads end inside a frame, and the default then copied 67-83 %
        // of the bytes a PerfTest publisher sent. FrameDecodeBenchmark measures both at the same speed.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    /**
     * Sets the largest frame accepted from now on, header and end octet included: the frame-max negotiated by {@code
     * connection.tune}/{@code tune-ok} (where the server maps "0, no limit" to a limit of its own).
     *
     * @throws IllegalArgumentException when below {@link AmqpConstants#FRAME_MIN_SIZE}, which every peer must accept
     */
    public void setFrameMax(int frameMax) {
        if (frameMax < AmqpConstants.FRAME_MIN_SIZE) {
            throw new IllegalArgumentException(
                    "frame-max must be at least " + AmqpConstants.FRAME_MIN_SIZE + ", not " + frameMax);
        }
        this.frameMax = frameMax;
    }

    /** The largest frame accepted, header and end octet included. */
    public int frameMax() {
        return frameMax;
    }

    /** Whether the framing was lost: everything received from now on is discarded, a {@code close-ok} included. */
    public boolean framingLost() {
        return framingLost;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (framingLost) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < HEADER_SIZE) {
            return;
        }
        int start = in.readerIndex();
        int type = in.getUnsignedByte(start);
        int channel = in.getUnsignedShort(start + 1);
        long size = in.getUnsignedInt(start + 3);
        if (type != AmqpConstants.FRAME_METHOD
                && type != AmqpConstants.FRAME_HEADER
                && type != AmqpConstants.FRAME_BODY
                && type != AmqpConstants.FRAME_HEARTBEAT) {
            throw framingLost(in, "unknown frame type " + type + " on channel " + channel);
        }
        if (size > frameMax - OVERHEAD) {
            throw framingLost(
                    in,
                    "frame of " + (size + OVERHEAD) + " bytes on channel " + channel + " exceeds frame-max "
                            + frameMax);
        }
        if (in.readableBytes() < size + OVERHEAD) {
            return;
        }
        int payload = start + HEADER_SIZE;
        int length = (int) size;
        int endOctet = in.getUnsignedByte(payload + length);
        if (endOctet != AmqpConstants.FRAME_END) {
            throw framingLost(in, "frame end octet is 0x" + Integer.toHexString(endOctet) + ", not 0xce");
        }
        // The frame is consumed whatever its content: a bad one below leaves the framing intact.
        in.readerIndex(payload + length + 1);
        switch (type) {
            case AmqpConstants.FRAME_METHOD ->
                out.add(new MethodFrame(channel, MethodDecoder.decode(in.slice(payload, length))));
            case AmqpConstants.FRAME_HEADER -> out.add(contentHeader(in, channel, payload, length));
            case AmqpConstants.FRAME_BODY -> out.add(new ContentBodyFrame(channel, in.retainedSlice(payload, length)));
            default -> out.add(heartbeat(channel, length));
        }
    }

    private static ContentHeaderFrame contentHeader(ByteBuf in, int channel, int payload, int length) {
        if (length < CONTENT_HEADER_FIXED_SIZE + 2) {
            throw new AmqpCodecException(
                    ReplyCode.FRAME_ERROR,
                    "content header frame of " + length + " payload bytes is shorter than the 14 it needs");
        }
        int classId = in.getUnsignedShort(payload);
        int weight = in.getUnsignedShort(payload + 2);
        long bodySize = in.getLong(payload + 4);
        if (weight != 0) { // as rabbit_command_assembler: not a content header where one may be (a method frame sent as
            // one, say), so UNEXPECTED_FRAME as for any frame out of place
            throw new AmqpCodecException(ReplyCode.UNEXPECTED_FRAME, "content header weight is " + weight + ", not 0");
        }
        if (bodySize < 0) {
            throw new AmqpCodecException(
                    ReplyCode.FRAME_ERROR, "content body size " + Long.toUnsignedString(bodySize) + " is too large");
        }
        int properties = payload + CONTENT_HEADER_FIXED_SIZE;
        int propertiesLength = length - CONTENT_HEADER_FIXED_SIZE;
        if (classId == BasicProperties.CLASS_ID) {
            BasicProperties.validate(in.slice(properties, propertiesLength));
        }
        return new ContentHeaderFrame(channel, classId, bodySize, in.retainedSlice(properties, propertiesLength));
    }

    private static HeartbeatFrame heartbeat(int channel, int length) {
        if (length != 0) {
            throw new AmqpCodecException(ReplyCode.FRAME_ERROR, "heartbeat frame carries " + length + " payload bytes");
        }
        return channel == 0 ? HeartbeatFrame.CHANNEL_ZERO : new HeartbeatFrame(channel);
    }

    private AmqpCodecException framingLost(ByteBuf in, String message) {
        framingLost = true;
        in.skipBytes(in.readableBytes());
        return new AmqpCodecException(ReplyCode.FRAME_ERROR, message);
    }
}
