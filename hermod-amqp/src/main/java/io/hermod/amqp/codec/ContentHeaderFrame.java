package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A content header frame (type 2, spec 4.2.6.1): the class of the content, the total body size, and the encoded
 * property list, kept encoded because a broker stores and forwards it as it is. Read it with {@link BasicProperties}
 * ({@code decode} or the single-property {@code ...Of} accessors). For class {@code basic} the decoder has already
 * validated it ({@link BasicProperties#validate}).
 *
 * <p>Buffer ownership: {@code properties} is a retained slice of the decoder's input (flag words and property values,
 * after class id, weight and body size). The frame is {@link ReferenceCounted} through it: the receiver releases the
 * frame (or {@code properties}) exactly once, and may {@link #retain} it to keep the bytes longer.
 *
 * <p>Threading: immutable value; the reference count is the buffer's.
 *
 * @param channel the channel number
 * @param classId the class of the content (60, {@code basic}, is the only one the spec defines)
 * @param bodySize the total size of the body frames that follow, in bytes (never negative)
 * @param properties the encoded property flags and values; owned by this frame
 */
public record ContentHeaderFrame(int channel, int classId, long bodySize, ByteBuf properties)
        implements Frame, ReferenceCounted {

    @Override
    public int refCnt() {
        return properties.refCnt();
    }

    @Override
    public ContentHeaderFrame retain() {
        properties.retain();
        return this;
    }

    @Override
    public ContentHeaderFrame retain(int increment) {
        properties.retain(increment);
        return this;
    }

    @Override
    public ContentHeaderFrame touch() {
        properties.touch();
        return this;
    }

    @Override
    public ContentHeaderFrame touch(Object hint) {
        properties.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return properties.release();
    }

    @Override
    public boolean release(int decrement) {
        return properties.release(decrement);
    }
}
