package io.hermod.amqp.server;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * How the AMQP listeners run: a plain listener, a TLS listener (RabbitMQ's model: a separate port, 5671 by
 * convention), or both, sharing the limits below.
 *
 * @param host the address to bind (tests: 127.0.0.1)
 * @param port the plain listener's port; 0 picks a free one; {@link #NO_PORT} for no plain listener (then there must
 *     be a TLS listener)
 * @param frameMax the largest frame the server accepts and proposes (spec: at least 4096)
 * @param channelMax the most channels per connection the server proposes, and then allows open at once
 * @param heartbeatSeconds the heartbeat the server proposes; 0 for none
 * @param maxMessageBytes the largest message body accepted (RabbitMQ's default: 128 MiB)
 * @param maxConnections the most open connections over both listeners (RabbitMQ's {@code connection_max}); one more
 *     is refused at connection.open with NOT_ALLOWED; {@link #NO_LIMIT} (0) for none
 * @param tlsPort the TLS listener's port; 0 picks a free one; {@link #NO_PORT} for none
 * @param sslContext the server-side TLS context of the TLS listener (certificate, key, peer verification, versions);
 *     null exactly when there is no TLS listener. The amqp module takes it ready-made: reading PEM files is the
 *     server's business.
 * @param handshakeTimeoutMillis how long a new connection has, from its TCP accept, to get through its handshake (TLS,
 *     protocol header, authentication, tuning) to connection.open before it is closed (RabbitMQ's {@code
 *     handshake_timeout}, 10 s); {@link #NO_LIMIT} (0) for no limit
 */
public record AmqpServerConfig(
        String host,
        int port,
        int frameMax,
        int channelMax,
        int heartbeatSeconds,
        long maxMessageBytes,
        int maxConnections,
        int tlsPort,
        SslContext sslContext,
        long handshakeTimeoutMillis) {

    public static final int MIN_FRAME_MAX = 4096;
    /** A port for a listener that is not there. */
    public static final int NO_PORT = -1;
    /** {@link #maxConnections()} or {@link #handshakeTimeoutMillis()} for no limit. */
    public static final int NO_LIMIT = 0;
    /** RabbitMQ's {@code handshake_timeout}. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    public AmqpServerConfig {
        Objects.requireNonNull(host, "host");
        if (port != NO_PORT && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("port must be in [0, 65535] or NO_PORT: " + port);
        }
        if (tlsPort != NO_PORT && (tlsPort < 0 || tlsPort > 65535)) {
            throw new IllegalArgumentException("tlsPort must be in [0, 65535] or NO_PORT: " + tlsPort);
        }
        if ((tlsPort == NO_PORT) != (sslContext == null)) {
            throw new IllegalArgumentException("a TLS listener needs both a port and an SslContext");
        }
        if (sslContext != null && !sslContext.isServer()) {
            throw new IllegalArgumentException("the SslContext must be a server context");
        }
        if (port == NO_PORT && tlsPort == NO_PORT) {
            throw new IllegalArgumentException("no listener: neither a plain nor a TLS port");
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
        if (maxConnections < 0) {
            throw new IllegalArgumentException("maxConnections must be >= 0: " + maxConnections);
        }
        if (handshakeTimeoutMillis < 0) {
            throw new IllegalArgumentException("handshakeTimeoutMillis must be >= 0: " + handshakeTimeoutMillis);
        }
    }

    /** A plain listener only, without a connection limit. */
    public AmqpServerConfig(
            String host, int port, int frameMax, int channelMax, int heartbeatSeconds, long maxMessageBytes) {
        this(
                host,
                port,
                frameMax,
                channelMax,
                heartbeatSeconds,
                maxMessageBytes,
                NO_LIMIT,
                NO_PORT,
                null,
                DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
    }

    /** RabbitMQ's defaults on a given address and port: frames of 128 KiB, 2047 channels, 60 s heartbeats. */
    public static AmqpServerConfig of(String host, int port) {
        return new AmqpServerConfig(host, port, 131_072, 2047, 60, 128L << 20);
    }

    /** These settings with a TLS listener on {@code port} (0: a free one) using {@code context}. */
    public AmqpServerConfig withTls(int port, SslContext context) {
        return with(
                this.port, maxConnections, port, Objects.requireNonNull(context, "context"), handshakeTimeoutMillis);
    }

    /** These settings without the plain listener (TLS only: call {@link #withTls} first). */
    public AmqpServerConfig withoutPlainListener() {
        return with(NO_PORT, maxConnections, tlsPort, sslContext, handshakeTimeoutMillis);
    }

    /** These settings with at most {@code count} open connections ({@link #NO_LIMIT} for none). */
    public AmqpServerConfig withMaxConnections(int count) {
        return with(port, count, tlsPort, sslContext, handshakeTimeoutMillis);
    }

    /** These settings with {@code millis} for a connection's handshake ({@link #NO_LIMIT} for no limit). */
    public AmqpServerConfig withHandshakeTimeout(long millis) {
        return with(port, maxConnections, tlsPort, sslContext, millis);
    }

    /** These limits with the listeners, connection limit and handshake timeout given: what the withers change. */
    private AmqpServerConfig with(
            int port, int maxConnections, int tlsPort, SslContext sslContext, long handshakeTimeoutMillis) {
        return new AmqpServerConfig(
                host,
                port,
                frameMax,
                channelMax,
                heartbeatSeconds,
                maxMessageBytes,
                maxConnections,
                tlsPort,
                sslContext,
                handshakeTimeoutMillis);
    }

    /** With the TLS context shown as present or absent, not as an object identity. */
    @Override
    public String toString() {
        return "AmqpServerConfig[host=" + host + ", port=" + port + ", frameMax=" + frameMax + ", channelMax="
                + channelMax + ", heartbeatSeconds=" + heartbeatSeconds + ", maxMessageBytes=" + maxMessageBytes
                + ", maxConnections=" + maxConnections + ", tlsPort=" + tlsPort + ", handshakeTimeoutMillis="
                + handshakeTimeoutMillis + "]";
    }
}
