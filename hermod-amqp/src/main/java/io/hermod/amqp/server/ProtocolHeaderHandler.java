package io.hermod.amqp.server;

import io.hermod.amqp.codec.FrameDecoder;
import io.hermod.broker.Broker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.flow.FlowControlHandler;
import java.util.List;

/**
 * The first eight bytes of a connection (spec 4.2.2): {@code "AMQP" 0 0 9 1}. Anything else is answered with the
 * header this server speaks, and the connection is closed, as the spec asks. On a good header this handler replaces
 * itself with the frame decoder and the connection's handler.
 *
 * <p>Threading: the connection's event loop.
 */
final class ProtocolHeaderHandler extends ByteToMessageDecoder {

    static final byte[] HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    /** The largest frame accepted before connection.tune-ok: rabbit_reader's initial frame_max in RabbitMQ 4. */
    static final int INITIAL_FRAME_MAX = 8192;

    private final Broker broker;
    private final AmqpServerConfig config;
    private final DirectReplyTo directReplyTo;
    private final ConnectionLimit connectionLimit;

    ProtocolHeaderHandler(
            Broker broker, AmqpServerConfig config, DirectReplyTo directReplyTo, ConnectionLimit connectionLimit) {
        this.broker = broker;
        this.config = config;
        this.directReplyTo = directReplyTo;
        this.connectionLimit = connectionLimit;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < HEADER.length) {
            return;
        }
        for (int i = 0; i < HEADER.length; i++) {
            if (in.getByte(in.readerIndex() + i) != HEADER[i]) {
                in.skipBytes(in.readableBytes());
                ctx.writeAndFlush(Unpooled.wrappedBuffer(HEADER)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        in.skipBytes(HEADER.length);
        // until tune-ok, frames of at most RabbitMQ 4's initial frame_max (8192, room for an OAuth 2 token in
        // start-ok): an unauthenticated peer cannot make the server buffer a 128 KiB frame
        FrameDecoder frames = new FrameDecoder(Math.min(INITIAL_FRAME_MAX, config.frameMax()));
        AmqpConnection connection = new AmqpConnection(broker, config, frames, directReplyTo, connectionLimit);
        ctx.pipeline().addAfter(ctx.name(), "frames", frames);
        // once the connection stops reading (publish credit, an alarm), the frames already decoded from the same
        // socket read wait here instead of reaching the broker: one read holds thousands of small publishes, each of
        // which a fanout would multiply into every queue's inbox
        ctx.pipeline().addAfter("frames", "flow", new FlowControlHandler());
        ctx.pipeline().addAfter("flow", "connection", connection);
        // the bytes after the header (a pipelining client) go on to the frame decoder when this handler leaves
        ctx.pipeline().remove(this);
    }
}
