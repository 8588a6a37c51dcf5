package io.hermod.amqp.codec;

/**
 * A heartbeat frame (type 8, spec 4.2.7), empty. The spec requires channel 0; the decoder passes on the channel it
 * read so that the connection can answer another with {@code UNEXPECTED_FRAME}, as RabbitMQ does.
 *
 * <p>Threading: immutable.
 *
 * @param channel the channel number (0 from a correct peer)
 */
public record HeartbeatFrame(int channel) implements Frame {

    /** The heartbeat every correct peer sends; decoded without allocating. */
    public static final HeartbeatFrame CHANNEL_ZERO = new HeartbeatFrame(0);
}
