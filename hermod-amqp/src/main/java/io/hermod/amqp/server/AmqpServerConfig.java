package io.hermod.amqp.server;

import java.util.Objects;

/**
 * How the AMQP listener runs.
 *
 * @param host the address to bind (tests: 127.0.0.1)
 * @param port the port; 0 picks a free one
 * @param frameMax the largest frame the server accepts and proposes (spec: at least 4096)
 * @param channelMax the most channels per connection the server proposes
 * @param heartbeatSeconds the heartbeat the server proposes; 0 for none
 * @param maxMessageBytes the largest message body accepted (RabbitMQ's default: 128 MiB)
 */
public record AmqpServerConfig(
        String host, int port, int frameMax, int channelMax, int heartbeatSeconds, long maxMessageBytes) {

    public static final int MIN_FRAME_MAX = 4096;

    public AmqpServerConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
        }
        if (frameMax < MIN_FRAME_MAX) {
            throw new IllegalArgumentException("frameMax must be >= " + MIN_FRAME_MAX + ": " + frameMax);
        }
        if (channelMax < 1 || channelMax > 65535) {
            throw new IllegalArgumentException("channelMax must be in [1, 65535]: " + channelMax);
        }
        if (heartbeatSeconds < 0 || heartbeatSeconds > 65535) {
            throw new IllegalArgumentException("heartbeatSeconds must be in [0, 65535]: " + heartbeatSeconds);
        }
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("maxMessageBytes must be >= 1: " + maxMessageBytes);
        }
    }

    /** RabbitMQ's defaults on a given address and port: frames of 128 KiB, 2047 channels, 60 s heartbeats. */
    public static AmqpServerConfig of(String host, int port) {
        return new AmqpServerConfig(host, port, 131_072, 2047, 60, 128L << 20);
    }
}
