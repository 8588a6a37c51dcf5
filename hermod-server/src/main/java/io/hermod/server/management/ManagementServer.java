package io.hermod.server.management;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management HTTP listener: Netty's HTTP/1.1 codec and aggregator in front of a {@link RouteTable}. Requests are
 * parsed on one event loop thread and answered by a small pool of worker threads, since handlers may wait for the
 * broker; a full pool answers 503 rather than queueing without bound.
 *
 * <p>Threading: start and close from any thread.
 */
public final class ManagementServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
    /** The largest request body (a definitions file of a large broker fits). */
    static final int MAX_BODY_BYTES = 64 << 20;

    private static final int WORKERS = 4;
    /** Long enough for any request in progress (a large definitions import) to be answered. */
    private static final int IDLE_SECONDS = 300;

    private static final int QUEUED_REQUESTS = 256;

    private final EventLoopGroup group;
    private final ExecutorService workers;
    private final Channel listener;
    private final ChannelGroup connections;
    private final String host;
    private final int port;
    private final boolean tls;

    private ManagementServer(
            EventLoopGroup group,
            ExecutorService workers,
            Channel listener,
            ChannelGroup connections,
            String host,
            boolean tls) {
        this.tls = tls;
        this.group = group;
        this.workers = workers;
        this.listener = listener;
        this.connections = connections;
        this.host = host;
        this.port = ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /**
     * Binds {@code host:port} (0: a free port) and serves {@code api}.
     *
     * @throws UncheckedIOException when the address cannot be bound, naming it
     */
    public static ManagementServer start(String host, int port, ManagementApi api) {
        return start(host, port, api, null);
    }

    /**
     * Binds {@code host:port} (0: a free port) and serves {@code api}, over TLS when {@code tls} is given (HTTPS: every
     * connection starts with a TLS handshake; one that fails, or plain HTTP, closes that connection only).
     *
     * @throws UncheckedIOException when the address cannot be bound, naming it
     */
    public static ManagementServer start(String host, int port, ManagementApi api, SslContext tls) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicInteger threads = new AtomicInteger();
        ExecutorService workers = new ThreadPoolExecutor(
                WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUED_REQUESTS), r -> {
                    Thread t = new Thread(r, "hermod-http-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        ChannelGroup connections = new DefaultChannelGroup("http-connections", GlobalEventExecutor.INSTANCE);
        try {
            Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline()
                                    // an HTTP connection left idle (no request, no answer) is closed
                                    .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES))
                                    .addLast("api", new ManagementHandler(api, workers));
                        }
                    })
                    .bind(host, port)
                    .syncUninterruptibly()
                    .channel();
            ManagementServer server = new ManagementServer(group, workers, listener, connections, host, tls != null);
            LOG.info("Management HTTP{} API listening on {}:{}", tls != null ? "S" : "", host, server.port);
            return server;
        } catch (Exception e) { // Netty throws a failed bind as an undeclared IOException
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownNow();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException(
                    "cannot listen on " + host + ":" + port + (tls != null ? " (https): " : " (http): ")
                            + e.getMessage(),
                    e instanceof IOException ioe ? ioe : new IOException(e));
        }
    }

    /** The port bound (the chosen one when started with 0). */
    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    /** Whether it serves HTTPS. */
    public boolean tls() {
        return tls;
    }

    /** Stops accepting, closes the open HTTP connections and waits briefly for requests in progress. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.shutdown();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
