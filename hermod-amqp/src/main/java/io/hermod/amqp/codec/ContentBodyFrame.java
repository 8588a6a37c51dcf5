package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A content body frame (type 3, spec 4.2.6.2): one piece of a message body.
 *
 * <p>Buffer ownership: {@code payload} is a retained slice of the decoder's input. The frame is {@link
 * ReferenceCounted} through it: the receiver releases the frame (or {@code payload}) exactly once, and may {@link
 * #retain} it, e.g. to gather the pieces of a body into a composite buffer without copying.
 *
 * <p>Threading: immutable value; the reference count is the buffer's.
 *
 * @param channel the channel number
 * @param payload the body bytes of this frame (possibly empty); owned by this frame
 */
public record ContentBodyFrame(int channel, ByteBuf payload) implements Frame, ReferenceCounted {

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public ContentBodyFrame retain() {
        payload.retain();
        return this;
    }

    @Override
    public ContentBodyFrame retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public ContentBodyFrame touch() {
        payload.touch();
        return this;
    }

    @Override
    public ContentBodyFrame touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }
}
