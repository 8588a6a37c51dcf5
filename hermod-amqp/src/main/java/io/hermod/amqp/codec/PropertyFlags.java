package io.hermod.amqp.codec;

import io.netty.buffer.ByteBuf;

/**
 * Reads the property flag words that start a content header's property list (spec 4.2.6.1): bit 15 of the first word
 * flags the first property, bit 0 of every word says another word follows.
 *
 * <p>Threading: stateless.
 */
final class PropertyFlags {

    private PropertyFlags() {}

    /**
     * Reads the flag words from {@code propertyBytes}' reader index (absolute gets only).
     *
     * @param knownFlags the presence bits the class defines (in the first word)
     * @return the index after the last flag word in the high 32 bits, the first word without its continuation bit in
     *     the low 32
     * @throws AmqpCodecException {@code FRAME_ERROR} when the words run past the end, {@code SYNTAX_ERROR} when a word
     *     flags a property the class does not define (its value could not be skipped)
     */
    static long read(ByteBuf propertyBytes, int knownFlags) {
        int index = propertyBytes.readerIndex();
        int end = propertyBytes.writerIndex();
        PrimitiveDecoder.need(index, end, 2, "property flags");
        int first = propertyBytes.getUnsignedShort(index);
        index += 2;
        if ((first & ~(knownFlags | 1)) != 0) {
            throw unknown(first & ~(knownFlags | 1));
        }
        int word = first;
        while ((word & 1) != 0) {
            PrimitiveDecoder.need(index, end, 2, "continued property flags");
            word = propertyBytes.getUnsignedShort(index);
            index += 2;
            if ((word & ~1) != 0) {
                throw unknown(word & ~1);
            }
        }
        return ((long) index << 32) | (first & ~1);
    }

    private static AmqpCodecException unknown(int bits) {
        return new AmqpCodecException(
                ReplyCode.SYNTAX_ERROR,
                "property flags 0x" + Integer.toHexString(bits) + " name properties the spec does not define");
    }
}
