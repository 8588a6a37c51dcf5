package io.hermod.amqp.codec;

/**
 * A method frame (type 1, spec 4.2.4): one decoded method on a channel.
 *
 * <p>Threading: immutable.
 *
 * @param channel the channel number
 * @param method the method, decoded by {@link MethodDecoder}
 */
public record MethodFrame(int channel, AmqpMethod method) implements Frame {}
