package io.hermod.amqp.codec;

/**
 * One AMQP 0-9-1 frame (spec 4.2.3, 4.2.6) as {@link FrameDecoder} produces it.
 *
 * <p>Buffer ownership: {@link ContentHeaderFrame} and {@link ContentBodyFrame} hold a retained slice of the decoder's
 * input and are {@link io.netty.util.ReferenceCounted}: whoever takes one from the pipeline releases it exactly once
 * ({@code ReferenceCountUtil.release(frame)} or keeping the buffer and releasing that); Netty's pipeline tail releases a
 * frame no handler consumed. {@link MethodFrame} and {@link HeartbeatFrame} hold no buffer.
 *
 * <p>Threading: immutable values (the buffers' reference counts aside).
 */
public sealed interface Frame permits MethodFrame, ContentHeaderFrame, ContentBodyFrame, HeartbeatFrame {

    /** The channel number the frame belongs to; 0 is the connection itself. */
    int channel();
}
