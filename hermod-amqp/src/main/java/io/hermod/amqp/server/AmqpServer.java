package io.hermod.amqp.server;

import io.hermod.broker.Broker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AMQP 0-9-1 listeners: accept connections, negotiate the protocol header and hand each connection to an
 * {@link AmqpConnection}, which translates frames into broker calls. A plain listener, a TLS listener (RabbitMQ's
 * model: its own port, where every connection starts with a TLS handshake), or both; they share the event loops, the
 * connection limit and direct reply-to. Native epoll where the platform has it, NIO otherwise.
 *
 * <p>A TLS connection's pipeline is {@code SslHandler}, {@link TlsFailureHandler}, then what a plain one has: a failed
 * handshake or bytes that are not TLS close that connection alone.
 *
 * <p>Threading: start and close from any thread; each connection lives on one Netty event loop.
 */
public final class AmqpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AmqpServer.class);
    /** On a listener channel: the TLS context its connections start with (absent on the plain listener). */
    private static final AttributeKey<SslContext> TLS = AttributeKey.valueOf("hermod.amqp.tls");

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final List<Channel> listeners;
    private final ChannelGroup connections;
    private final ConnectionRegistry registry;
    private final int port;
    private final int tlsPort;

    private AmqpServer(
            EventLoopGroup boss, EventLoopGroup workers, Channel plain, Channel tls, ChannelGroup connections) {
        this.boss = boss;
        this.workers = workers;
        this.listeners = Stream.of(plain, tls).filter(Objects::nonNull).toList();
        this.connections = connections;
        this.registry = new ConnectionRegistry(connections);
        this.port = plain == null ? AmqpServerConfig.NO_PORT : boundPort(plain);
        this.tlsPort = tls == null ? AmqpServerConfig.NO_PORT : boundPort(tls);
    }

    private static int boundPort(Channel listener) {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Binds the listeners and starts accepting connections for {@code broker}. */
    public static AmqpServer start(Broker broker, AmqpServerConfig config) {
        broker.usePropertiesFormat(AmqpPropertiesFormat.INSTANCE); // dead-lettering rewrites AMQP properties
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(io);
        ChannelGroup connections = new DefaultChannelGroup("amqp-connections", GlobalEventExecutor.INSTANCE);
        DirectReplyTo directReplyTo = new DirectReplyTo();
        ConnectionLimit connectionLimit = new ConnectionLimit(config.maxConnections());
        Channel plain = null;
        int bindingPort = config.port();
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // above 2 MiB unsent, consumers stop taking messages from their queues until it drains to 512 KiB
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(512 << 10, 2 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            closeUnlessOpenedIn(ch, config.handshakeTimeoutMillis());
                            SslContext tls = ch.parent().attr(TLS).get();
                            if (tls != null) {
                                ch.pipeline()
                                        .addLast("tls", tls.newHandler(ch.alloc()))
                                        .addLast("tls-failures", new TlsFailureHandler());
                            }
                            ch.pipeline()
                                    .addLast("flush", new FlushConsolidationHandler(256, true))
                                    .addLast(
                                            "header",
                                            new ProtocolHeaderHandler(broker, config, directReplyTo, connectionLimit));
                        }
                    });
            if (config.port() != AmqpServerConfig.NO_PORT) {
                plain = bootstrap
                        .bind(config.host(), config.port())
                        .syncUninterruptibly()
                        .channel();
            }
            Channel tls = null;
            if (config.tlsPort() != AmqpServerConfig.NO_PORT) {
                bindingPort = config.tlsPort();
                tls = bootstrap
                        .clone()
                        .attr(TLS, config.sslContext())
                        .bind(config.host(), config.tlsPort())
                        .syncUninterruptibly()
                        .channel();
            }
            AmqpServer server = new AmqpServer(boss, workers, plain, tls, connections);
            String transport = server.transport();
            if (!epoll && Epoll.unavailabilityCause() != null) {
                LOG.debug("Native epoll transport unavailable, running on NIO", Epoll.unavailabilityCause());
            }
            if (plain != null) {
                LOG.info("AMQP 0-9-1 listening on {}:{} ({})", config.host(), server.port, transport);
            }
            if (tls != null) {
                LOG.info("AMQP 0-9-1 over TLS listening on {}:{} ({})", config.host(), server.tlsPort, transport);
            }
            return server;
        } catch (Exception e) { // Netty throws a failed bind as an undeclared IOException
            if (plain != null) {
                plain.close().syncUninterruptibly();
            }
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new java.io.UncheckedIOException(
                    "cannot listen on " + config.host() + ":" + bindingPort + ": " + e.getMessage(),
                    e instanceof java.io.IOException ioe ? ioe : new java.io.IOException(e));
        }
    }

    /**
     * Closes {@code ch} if it has not got through connection.open within {@code millis} of its accept (RabbitMQ's
     * {@code handshake_timeout}): a peer that connects and then stalls, before its protocol header, in TLS or in
     * tuning, has no heartbeat to time it out yet, and it would hold its socket and buffers for good.
     */
    private static void closeUnlessOpenedIn(SocketChannel ch, long millis) {
        if (millis == AmqpServerConfig.NO_LIMIT) {
            return;
        }
        ScheduledFuture<?> timeout = ch.eventLoop()
                .schedule(
                        () -> {
                            AmqpConnection connection = ch.pipeline().get(AmqpConnection.class);
                            if (ch.isActive() && (connection == null || !connection.opened())) {
                                LOG.info(
                                        "Closing connection from {}: no connection.open within {} ms (handshake"
                                                + " timeout)",
                                        ch.remoteAddress(),
                                        millis);
                                ch.close();
                            }
                        },
                        millis,
                        TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> timeout.cancel(false));
    }

    /** The transport the listeners run on: {@code "epoll"} (Netty's native transport on Linux) or {@code "nio"}. */
    public String transport() {
        return listeners.getFirst() instanceof EpollServerSocketChannel ? "epoll" : "nio";
    }

    /** The port the plain listener is bound to; {@link AmqpServerConfig#NO_PORT} without one. */
    public int port() {
        return port;
    }

    /** The port the TLS listener is bound to; {@link AmqpServerConfig#NO_PORT} without one. */
    public int tlsPort() {
        return tlsPort;
    }

    /** The number of open client connections. */
    public int connectionCount() {
        return connections.size();
    }

    /**
     * The open connections past their protocol header, for management tools (a snapshot; not from an event loop of
     * this server).
     */
    public List<ConnectionInfo> connections() {
        return registry.connections();
    }

    /** Every open channel of every connection, for management tools (a snapshot; as {@link #connections()}). */
    public List<ChannelInfo> channels() {
        return registry.channels();
    }

    /**
     * Closes the connection named {@code name} ({@link ConnectionInfo#name()}) with CONNECTION_FORCED and
     * {@code reason}, as RabbitMQ's management API does; false when there is no such connection.
     */
    public boolean closeConnection(String name, String reason) {
        return registry.close(name, reason);
    }

    /**
     * Stops accepting, closes every connection (clients are told CONNECTION_FORCED) and stops the event loops. The
     * broker stays open: it belongs to whoever started the server.
     */
    @Override
    public void close() {
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        for (Channel ch : connections) {
            AmqpConnection connection = ch.pipeline().get(AmqpConnection.class);
            if (connection != null) {
                ch.eventLoop().execute(() -> connection.closeForced("broker shutdown"));
            } else {
                ch.close();
            }
        }
        connections.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
