package io.hermod.amqp.server;

import io.hermod.amqp.codec.AmqpCodecException;
import io.hermod.amqp.codec.AmqpMethod;
import io.hermod.amqp.codec.ChannelCloseOk;
import io.hermod.amqp.codec.ChannelOpen;
import io.hermod.amqp.codec.ConnectionClose;
import io.hermod.amqp.codec.ConnectionCloseOk;
import io.hermod.amqp.codec.ConnectionOpen;
import io.hermod.amqp.codec.ConnectionOpenOk;
import io.hermod.amqp.codec.ConnectionStart;
import io.hermod.amqp.codec.ConnectionStartOk;
import io.hermod.amqp.codec.ConnectionTune;
import io.hermod.amqp.codec.ConnectionTuneOk;
import io.hermod.amqp.codec.ConnectionUpdateSecret;
import io.hermod.amqp.codec.ConnectionUpdateSecretOk;
import io.hermod.amqp.codec.ContentBodyFrame;
import io.hermod.amqp.codec.ContentHeaderFrame;
import io.hermod.amqp.codec.Frame;
import io.hermod.amqp.codec.FrameDecoder;
import io.hermod.amqp.codec.FrameEncoder;
import io.hermod.amqp.codec.HeartbeatFrame;
import io.hermod.amqp.codec.MethodFrame;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerException;
import io.hermod.broker.PublishCredit;
import io.hermod.broker.ResourceAlarms;
import io.hermod.broker.Session;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection after its protocol header: the connection class's state machine (spec 2.2.4 and 1.4.2 —
 * start, tune, open, close), the channels it opens, heartbeats, and RabbitMQ's connection.blocked when a resource alarm
 * blocks publishers. Method frames on channels other than 0 and their content go to the {@link AmqpChannel}.
 *
 * <p>Threading: everything runs on the connection's event loop, except {@link #send} (any thread: deliveries and
 * confirms come from broker threads) and the alarm listener, which hops onto the event loop.
 */
final class AmqpConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(AmqpConnection.class);
    /** How long the side that sent connection.close-ok has to close the socket: the client, or the server's wait. */
    private static final long CLOSE_OK_TIMEOUT_MILLIS = 3000;
    /** Frames queued for the event loop past which consumers answer not ready (with the socket's own water marks). */
    private static final long OUTBOUND_QUEUED_BYTES = 1 << 20;

    private final Broker broker;
    private final AmqpServerConfig config;
    private final FrameDecoder frames;
    private final DirectReplyTo directReplyTo;
    private final ConnectionLimit connectionLimit;
    private final Map<Integer, AmqpChannel> channels = new HashMap<>();
    private final Consumer<Set<ResourceAlarms.Alarm>> alarmListener = this::onAlarms;
    private final PublishCredit credit = PublishCredit.standard(); // past it, reading pauses
    private final java.util.Queue<ByteBuf> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicLong outboundBytes = new AtomicLong();
    private final AtomicBoolean outboundScheduled = new AtomicBoolean();
    private final Runnable flushOutbound = this::flushOutbound;
    private volatile boolean outboundRefused;

    private ChannelHandlerContext ctx;
    private ConnectionState state = new ConnectionState.AwaitingStartOk();
    private Session session;
    private Map<String, Object> clientCapabilities = Map.of();
    private Map<String, Object> clientProperties = Map.of();
    private String name = "?";
    private long connectedAt;
    private int heartbeat;
    private String clientName = "?";
    private int channelMax;
    private volatile int frameMax;
    private boolean blocked;
    private boolean blockedSent;
    private boolean publishing;
    /** Null until tune-ok negotiates an interval above 0. */
    private Heartbeats heartbeats;
    /** Whether this connection holds a place of {@link #connectionLimit} (from connection.open to the socket's end). */
    private boolean counted;
    /** Whether connection.open succeeded: the handshake is over (read on the event loop by the handshake timeout). */
    private boolean opened;
    /** The client's connection.close methods not answered yet: close-ok waits for the session's close. */
    private int closeOksOwed;
    /** The event-loop task behind {@link #deferQueueWork}. */
    private final Runnable runDeferredQueueWork;

    AmqpConnection(
            Broker broker,
            AmqpServerConfig config,
            FrameDecoder frames,
            DirectReplyTo directReplyTo,
            ConnectionLimit connectionLimit) {
        this.broker = broker;
        this.config = config;
        this.frames = frames;
        this.directReplyTo = directReplyTo;
        this.connectionLimit = connectionLimit;
        this.channelMax = config.channelMax();
        this.frameMax = config.frameMax();
        this.runDeferredQueueWork = broker::runDeferredQueueWork;
    }

    // ------------------------------------------------------------------ Netty events

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        clientName = String.valueOf(context.channel().remoteAddress());
        name = address(context.channel().remoteAddress()) + " -> "
                + address(context.channel().localAddress());
        connectedAt = System.currentTimeMillis();
        send(0, new ConnectionStart(0, 9, serverProperties(), Authenticator.MECHANISMS, "en_US"));
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        try {
            if (state instanceof ConnectionState.Closed) {
                return;
            }
            deferQueueWork();
            onFrame((Frame) msg);
        } catch (IgnoredFrame e) {
            // a frame for a channel after the server closed the connection: dropped (spec 2.2.4)
        } catch (ProtocolError e) {
            fail(e);
        } catch (BrokerException e) {
            ReplyCodes.Reply reply = ReplyCodes.of(e.code());
            fail(new ProtocolError(reply.code(), true, e.getMessage(), 0, 0));
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        Throwable root = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
                ? cause.getCause()
                : cause;
        if (root instanceof AmqpCodecException codec) {
            CompletableFuture<Void> sent = fail(ProtocolError.connection(codec.replyCode(), codec.getMessage()));
            if (frames.framingLost()) {
                // nothing the client sends can be read any more, its close-ok included: the socket closes as soon as
                // connection.close is written, instead of after the close-ok timeout
                sent.whenComplete((r, x) -> onEventLoop(this::closeSocket));
            }
        } else if (root instanceof java.io.IOException) {
            LOG.debug("Connection {} failed: {}", clientName, root.getMessage());
            context.close();
        } else {
            LOG.warn("Connection {} failed", clientName, root);
            fail(ProtocolError.connection(ReplyCodes.INTERNAL_ERROR, "internal error"));
        }
    }

    /**
     * The socket's outbound buffer drained below its low-water mark: the queues may deliver again. (Above its
     * high-water mark consumers answer not ready, and their queues hold their messages: backpressure from a slow client
     * costs the broker no memory.)
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (context.channel().isWritable()) {
            for (AmqpChannel channel : channels.values()) {
                channel.resumeDeliveries();
            }
        }
        context.fireChannelWritabilityChanged();
    }

    /**
     * Whether deliveries may go out: the socket's outbound buffer is below its high-water mark and the frames queued
     * for the event loop are few; any thread. A refusal for the queued frames alone is made good when they drain.
     */
    boolean writable() {
        if (!ctx.channel().isWritable()) {
            return false;
        }
        if (outboundBytes.get() < OUTBOUND_QUEUED_BYTES) {
            return true;
        }
        // the flag first, then a second look: either the event loop's drain sees the flag and resumes the queues, or
        // this look sees the drained bytes; both orders cannot miss each other (volatile and atomic accesses)
        outboundRefused = true;
        return outboundBytes.get() < OUTBOUND_QUEUED_BYTES;
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        state = new ConnectionState.Closed();
        if (counted) {
            counted = false;
            connectionLimit.release();
        }
        for (AmqpChannel channel : channels.values()) {
            channel.release();
        }
        channels.clear();
        releaseOutbound();
        broker.alarms().removeListener(alarmListener);
        if (session != null) {
            try {
                // unacknowledged messages return to their queues, exclusive queues go: not waited for on the event
                // loop, where a busy queue getting to its deletion would hold every connection of the loop
                session.closeAsync();
            } catch (BrokerException e) {
                LOG.warn("Closing the session of {} failed: {}", clientName, e.getMessage());
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                // spec 4.2.7: a peer silent for two heartbeat intervals is dead
                LOG.info("Connection {} missed its heartbeats; closing it", clientName);
                context.close();
            } else if (idle.state() == IdleState.WRITER_IDLE && !(state instanceof ConnectionState.Closing)) {
                ByteBuf out = context.alloc().buffer(8);
                FrameEncoder.writeHeartbeat(out);
                context.writeAndFlush(out);
            }
        } else {
            context.fireUserEventTriggered(event);
        }
    }

    // ------------------------------------------------------------------ frames

    private void onFrame(Frame frame) {
        switch (frame) {
            case MethodFrame m -> {
                if (m.channel() == 0) {
                    onConnectionMethod(m.method());
                } else {
                    onChannelMethod(m.channel(), m.method());
                }
            }
            case ContentHeaderFrame h -> requireChannel(h.channel()).onContentHeader(h);
            case ContentBodyFrame b -> requireChannel(b.channel()).onContentBody(b);
            case HeartbeatFrame h -> {
                if (h.channel() != 0) {
                    // as rabbit_reader: a well-formed frame where none may be, not a malformed one
                    throw ProtocolError.connection(ReplyCodes.UNEXPECTED_FRAME, "heartbeat on channel " + h.channel());
                }
            }
        }
    }

    private void onConnectionMethod(AmqpMethod method) {
        switch (state) {
            case ConnectionState.AwaitingStartOk s -> {
                if (!(method instanceof ConnectionStartOk startOk)) {
                    throw unexpected(method, "connection.start-ok");
                }
                onStartOk(startOk);
            }
            case ConnectionState.AwaitingTuneOk s -> {
                if (!(method instanceof ConnectionTuneOk tuneOk)) {
                    throw unexpected(method, "connection.tune-ok");
                }
                onTuneOk(tuneOk, s.user());
            }
            case ConnectionState.AwaitingOpen s -> {
                if (!(method instanceof ConnectionOpen open)) {
                    throw unexpected(method, "connection.open");
                }
                onOpen(open, s.user());
            }
            case ConnectionState.Open s -> onOpenConnectionMethod(method);
            case ConnectionState.Closing s
            when s.byClient() -> {
                if (method instanceof ConnectionClose) { // as rabbit_reader: every close is answered
                    if (closeOksOwed > 0) {
                        closeOksOwed++;
                    } else {
                        send(0, new ConnectionCloseOk());
                    }
                }
            }
            case ConnectionState.Closing s -> {
                if (method instanceof ConnectionCloseOk || method instanceof ConnectionClose) {
                    if (method instanceof ConnectionClose) {
                        send(0, new ConnectionCloseOk());
                    }
                    closeSocket();
                }
                // anything else after our close is discarded (spec 2.2.4)
            }
            case ConnectionState.Closed s -> {
                // nothing more
            }
        }
    }

    private void onStartOk(ConnectionStartOk startOk) {
        Map<String, Object> properties = startOk.clientProperties();
        clientProperties = properties;
        if (properties.get("capabilities") instanceof Map<?, ?> caps) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) caps;
            clientCapabilities = typed;
        }
        if (properties.get("connection_name") instanceof String name) {
            clientName = name + " (" + ctx.channel().remoteAddress() + ")";
        }
        Optional<String> authenticated = Authenticator.authenticate(
                broker, startOk.mechanism(), startOk.response(), ctx.channel().remoteAddress());
        if (authenticated.isEmpty() && !clientCapability("authentication_failure_close")) {
            // as rabbit_reader:auth_fail: a client that did not ask to be told (connection.close 403) only sees the
            // socket close, which it reports as a possible authentication failure
            LOG.info("Closing connection {}: login refused using mechanism {}", clientName, startOk.mechanism());
            closeSocket();
            return;
        }
        String user = authenticated.orElseThrow(() -> ProtocolError.connection(
                ReplyCodes.ACCESS_REFUSED,
                "Login was refused using authentication mechanism " + startOk.mechanism()
                        + ". For details see the broker logfile."));
        state = new ConnectionState.AwaitingTuneOk(user);
        send(0, new ConnectionTune(config.channelMax(), config.frameMax(), config.heartbeatSeconds()));
    }

    private void onTuneOk(ConnectionTuneOk tuneOk, String user) {
        // spec 1.4.2.6: the client may lower what the server proposed, never raise it (its "upper-limit" rules: the
        // server closes the connection); 0 is no limit, which is more than the server's limit. As rabbit_reader, both
        // are refused with NOT_ALLOWED
        channelMax = negotiated("channel_max", config.channelMax(), 0, tuneOk.channelMax());
        // frame-max is an unsigned 32-bit field: a client may send up to 2^32-1
        frameMax = negotiated(
                "frame_max",
                config.frameMax(),
                AmqpServerConfig.MIN_FRAME_MAX,
                Integer.toUnsignedLong(tuneOk.frameMax()));
        frames.setFrameMax(frameMax);
        heartbeat = tuneOk.heartbeat();
        if (heartbeat > 0) {
            heartbeats = new Heartbeats(ctx.pipeline(), heartbeat);
            heartbeats.start();
        }
        state = new ConnectionState.AwaitingOpen(user);
    }

    /** The client's value of {@code field} in tune-ok: at least {@code min} and at most what the server proposed. */
    private static int negotiated(String field, int server, int min, long client) {
        if (client != 0 && client < min) {
            throw ProtocolError.connection(
                    ReplyCodes.NOT_ALLOWED,
                    "negotiated " + field + " = " + client + " is lower than the minimum allowed value (" + min + ")");
        }
        if (client == 0 || client > server) {
            throw ProtocolError.connection(
                    ReplyCodes.NOT_ALLOWED,
                    "negotiated " + field + " = " + client + (client == 0 ? " (no limit)" : "")
                            + " is higher than the maximum allowed value (" + server + ")");
        }
        return (int) client;
    }

    private void onOpen(ConnectionOpen open, String user) {
        // rabbit_reader checks the node's connection_max first, then the vhost's access
        if (!connectionLimit.tryAcquire()) {
            throw ProtocolError.connection(
                    ReplyCodes.NOT_ALLOWED,
                    "connection refused: node connection limit (" + connectionLimit.max() + ") is reached");
        }
        counted = true;
        try {
            session = broker.connect(open.virtualHost(), clientName, user, false);
        } catch (BrokerException e) {
            // as rabbit_reader: a vhost the user may not use, or that is not there, is 530 "access to vhost '/'
            // refused for user 'u'"
            throw ProtocolError.connection(ReplyCodes.NOT_ALLOWED, e.getMessage());
        }
        state = new ConnectionState.Open(user);
        opened = true;
        broker.alarms().onChange(alarmListener);
        send(0, new ConnectionOpenOk(""));
        if (broker.alarms().publishingBlocked()) {
            onAlarms(broker.alarms().active());
        }
    }

    private void onOpenConnectionMethod(AmqpMethod method) {
        switch (method) {
            case ConnectionClose close -> closeRequested();
            case ConnectionUpdateSecret update -> send(0, new ConnectionUpdateSecretOk());
            default -> throw unexpected(method, "a connection method allowed on an open connection");
        }
    }

    private void onChannelMethod(int channelId, AmqpMethod method) {
        if (!(state instanceof ConnectionState.Open)) {
            if (state instanceof ConnectionState.Closing) {
                return;
            }
            throw ProtocolError.connection(
                    ReplyCodes.COMMAND_INVALID, "channel " + channelId + " used before the connection was opened");
        }
        if (method instanceof ChannelOpen) {
            if (channels.containsKey(channelId)) {
                throw ProtocolError.connection(
                        ReplyCodes.CHANNEL_ERROR, "second 'channel.open' seen on channel " + channelId);
            }
            // as rabbit_reader: the negotiated channel_max bounds how many channels are open at once (530), not the
            // channel numbers themselves
            if (channels.size() >= channelMax) {
                throw ProtocolError.connection(
                        ReplyCodes.NOT_ALLOWED,
                        "number of channels opened (" + channels.size() + ") has reached the negotiated channel_max ("
                                + channelMax + ")");
            }
            AmqpChannel channel = new AmqpChannel(this, channelId, session.openChannel());
            channels.put(channelId, channel);
            channel.onOpen();
            return;
        }
        requireChannel(channelId).onMethod(method);
    }

    private AmqpChannel requireChannel(int channelId) {
        AmqpChannel channel = channels.get(channelId);
        if (channel == null) {
            if (state instanceof ConnectionState.Closing) {
                throw new IgnoredFrame();
            }
            throw ProtocolError.connection(ReplyCodes.CHANNEL_ERROR, "expected 'channel.open' on channel " + channelId);
        }
        return channel;
    }

    /** Thrown to drop a frame silently (frames that arrive after the server closed the connection). */
    private static final class IgnoredFrame extends RuntimeException {
        IgnoredFrame() {
            super(null, null, false, false);
        }
    }

    private static ProtocolError unexpected(AmqpMethod method, String expected) {
        return new ProtocolError(
                ReplyCodes.COMMAND_INVALID,
                true,
                "expected " + expected + ", got " + method.name(),
                method.classId(),
                method.methodId());
    }

    // ------------------------------------------------------------------ management (event loop)

    /** RabbitMQ's connection name, {@code "peer-ip:port -> local-ip:port"}; set when the connection starts. */
    String name() {
        return name;
    }

    /** What management tools show of this connection. Event loop. */
    ConnectionInfo info() {
        String user = session != null
                ? session.user()
                : switch (state) {
                    case ConnectionState.AwaitingTuneOk s -> s.user();
                    case ConnectionState.AwaitingOpen s -> s.user();
                    case ConnectionState.Open s -> s.user();
                    case ConnectionState.AwaitingStartOk s -> "";
                    case ConnectionState.Closing s -> "";
                    case ConnectionState.Closed s -> "";
                };
        SocketAddress peer = ctx.channel().remoteAddress();
        SocketAddress local = ctx.channel().localAddress();
        return new ConnectionInfo(
                name,
                host(peer),
                port(peer),
                host(local),
                port(local),
                user,
                session == null ? "" : session.vhost().name(),
                clientProperties,
                channels.size(),
                stateName(),
                connectedAt,
                frameMax,
                channelMax,
                heartbeat);
    }

    /** What management tools show of this connection's channels. Event loop. */
    List<ChannelInfo> channelInfos() {
        ConnectionInfo connection = info();
        List<ChannelInfo> all = new ArrayList<>(channels.size());
        for (AmqpChannel channel : channels.values()) {
            all.add(channel.info(connection));
        }
        return all;
    }

    private String stateName() {
        return switch (state) {
            case ConnectionState.AwaitingStartOk s -> "starting";
            case ConnectionState.AwaitingTuneOk s -> "tuning";
            case ConnectionState.AwaitingOpen s -> "opening";
            case ConnectionState.Open s -> blocked && publishing ? "blocked" : blocked ? "blocking" : "running";
            case ConnectionState.Closing s -> "closing";
            case ConnectionState.Closed s -> "closed";
        };
    }

    private static String address(SocketAddress address) {
        return host(address) + ":" + port(address);
    }

    private static String host(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress()
                : String.valueOf(address);
    }

    private static int port(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getPort() : 0;
    }

    // ------------------------------------------------------------------ channels and writes

    void channelClosed(int channelId) {
        channels.remove(channelId);
    }

    /** The allocator of the connection's buffers. */
    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /**
     * Has the queues this frame wakes (publishes, acks) run on this event loop once it has read everything ready on its
     * sockets, in one task after that I/O, rather than on the broker's queue pool: see {@link
     * Broker#deferQueueWork}. The first frame of a loop's burst submits the task.
     */
    private void deferQueueWork() {
        if (broker.deferQueueWork()) {
            try {
                ctx.executor().execute(runDeferredQueueWork);
            } catch (RejectedExecutionException stopped) {
                broker.runDeferredQueueWork(); // the server is shutting down: run them here, now
            }
        }
    }

    /** Whether the caller runs on the connection's event loop. */
    boolean inEventLoop() {
        return ctx.executor().inEventLoop();
    }

    /** Runs {@code task} on the connection's event loop, unless the server has shut it down (sockets closed). */
    void onEventLoop(Runnable task) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException stopped) {
            // nothing to answer: the server's shutdown closes the socket
        }
    }

    /**
     * Answers the client's channel.close of {@code channel}, whose broker side has closed, and frees its number; not
     * when the connection has closed meanwhile (nothing may follow its close-ok). Event loop.
     */
    void closeOk(AmqpChannel channel) {
        if (channels.get(channel.id()) == channel) {
            send(channel.id(), new ChannelCloseOk());
            channels.remove(channel.id());
        }
    }

    int frameMax() {
        return frameMax;
    }

    long maxMessageBytes() {
        return config.maxMessageBytes();
    }

    /** The server's direct reply-to registry (shared by every connection). */
    DirectReplyTo directReplyTo() {
        return directReplyTo;
    }

    /** The vhost this connection opened; only once it is open. */
    String vhost() {
        return session.vhost().name();
    }

    boolean clientCapability(String name) {
        return Boolean.TRUE.equals(clientCapabilities.get(name));
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    /**
     * Encodes a method with content (deliver, get-ok, return) and its content into one new buffer, which the caller
     * sends; {@code properties} and {@code body} stay the caller's. Any thread.
     */
    ByteBuf encodeCommand(int channel, AmqpMethod method, ByteBuf properties, ByteBuf body) {
        return encode(
                properties.readableBytes() + body.readableBytes(),
                out -> FrameEncoder.writeCommand(out, channel, method, properties, body, frameMax));
    }

    /** {@link #encodeCommand(int, AmqpMethod, ByteBuf, ByteBuf)} of a stored message's buffers, left unchanged. */
    ByteBuf encodeCommand(int channel, AmqpMethod method, ByteBuffer properties, ByteBuffer body) {
        return encode(
                properties.remaining() + body.remaining(),
                out -> FrameEncoder.writeCommand(out, channel, method, properties, body, frameMax));
    }

    /** A new buffer for {@code contentBytes} and their framing, written by {@code writer}; released if it throws. */
    private ByteBuf encode(int contentBytes, Consumer<ByteBuf> writer) {
        ByteBuf out = ctx.alloc().buffer(64 + contentBytes);
        try {
            writer.accept(out);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** Encodes and sends one method frame; any thread. */
    void send(int channel, AmqpMethod method) {
        ByteBuf out = ctx.alloc().buffer();
        FrameEncoder.writeMethod(out, channel, method);
        sendEncoded(out);
    }

    /**
     * Sends frames already encoded into {@code frames} (released by the write); any thread, in the order of the calls.
     * Off the event loop, frames join a queue that one event-loop task writes with a single flush: a queue run that
     * delivers a thousand messages costs one task and one write, not a thousand.
     */
    void sendEncoded(ByteBuf encoded) {
        io.netty.channel.Channel ch = ctx.channel();
        if (ch.eventLoop().inEventLoop()) {
            writeOutbound();
            ch.writeAndFlush(encoded, ch.voidPromise());
            return;
        }
        outboundBytes.addAndGet(encoded.readableBytes());
        outbound.add(encoded);
        if (outboundScheduled.compareAndSet(false, true)) {
            try {
                ch.eventLoop().execute(flushOutbound);
            } catch (RejectedExecutionException e) {
                outboundScheduled.set(false);
                releaseOutbound(); // the server is shut down: nobody will write these
            }
        }
    }

    private void releaseOutbound() {
        ByteBuf next;
        while ((next = outbound.poll()) != null) {
            outboundBytes.addAndGet(-next.readableBytes());
            next.release();
        }
    }

    /** The event-loop task behind {@link #sendEncoded}: writes what is queued, flushes once. */
    private void flushOutbound() {
        outboundScheduled.set(false);
        if (writeOutbound()) {
            ctx.channel().flush();
        }
    }

    /** Writes the queued frames without flushing; returns whether there were any. Event loop. */
    private boolean writeOutbound() {
        io.netty.channel.Channel ch = ctx.channel();
        boolean any = false;
        ByteBuf next;
        while ((next = outbound.poll()) != null) {
            outboundBytes.addAndGet(-next.readableBytes());
            ch.write(next, ch.voidPromise()); // no future per frame: a failed write reaches exceptionCaught
            any = true;
        }
        if (any && outboundRefused && ch.isWritable()) {
            outboundRefused = false;
            for (AmqpChannel channel : channels.values()) {
                channel.resumeDeliveries();
            }
        }
        return any;
    }

    /** A publish arrived: a blocked connection stops reading from here on (RabbitMQ blocks publishing connections). */
    void onPublish() {
        publishing = true;
        if (blocked) {
            updateReading();
        }
    }

    /**
     * A message of {@code size} body bytes goes to the broker, which routed it to {@code targets} queues (event loop);
     * {@code taken} completes when every one has taken it. Past the connection's publish credit, reading stops until
     * the broker catches up.
     */
    void publishing(long size, int targets, CompletableFuture<?> taken) {
        if (credit.publish(size, targets)) {
            updateReading();
        }
        taken.whenComplete((r, e) -> {
            if (credit.taken(size, targets)) {
                ctx.channel().eventLoop().execute(this::updateReading);
            }
        });
    }

    /**
     * Reads from the socket unless publishing is held back: by a resource alarm (once this connection has published)
     * or by its publish credit. The peer's heartbeats are not expected while it is not read from. Event loop.
     */
    private void updateReading() {
        boolean read = state instanceof ConnectionState.Closing s && s.byClient()
                || !(blocked && publishing) && !credit.paused();
        ChannelConfig channelConfig = ctx.channel().config();
        if (channelConfig.isAutoRead() != read) {
            channelConfig.setAutoRead(read);
            if (heartbeats != null) {
                if (read) {
                    heartbeats.resume();
                } else {
                    heartbeats.pause();
                }
            }
        }
    }

    private void onAlarms(Set<ResourceAlarms.Alarm> alarms) {
        ctx.channel().eventLoop().execute(() -> {
            if (!(state instanceof ConnectionState.Open)) {
                return;
            }
            blocked = !alarms.isEmpty();
            boolean tell = clientCapability("connection.blocked");
            if (blocked && tell && !blockedSent) {
                String reason = alarms.contains(ResourceAlarms.Alarm.MEMORY) ? "low on memory" : "low on disk";
                send(0, new io.hermod.amqp.codec.ConnectionBlocked(reason));
                blockedSent = true;
            }
            updateReading();
            if (!blocked && blockedSent) {
                send(0, new io.hermod.amqp.codec.ConnectionUnblocked());
                blockedSent = false;
            }
        });
    }

    // ------------------------------------------------------------------ closing

    /**
     * Reports a failure: a channel error closes that channel, a connection error the connection. On an open connection,
     * as rabbit_reader, the channels are closed on the broker's side and the exclusive queues deleted first, then
     * connection.close goes out: a client told of the close finds its queues gone. Completes once it has gone out (at
     * once when the connection is closing already).
     */
    CompletableFuture<Void> fail(ProtocolError e) {
        if (!e.closesConnection()) {
            throw new IllegalStateException("channel errors are handled by their channel", e);
        }
        if (state instanceof ConnectionState.Closing || state instanceof ConnectionState.Closed) {
            return CompletableFuture.completedFuture(null);
        }
        LOG.info("Closing connection {}: {} {}", clientName, e.replyCode(), e.getMessage());
        ConnectionClose close = new ConnectionClose(e.replyCode(), e.replyText(), e.classId(), e.methodId());
        boolean handshakeDone = state instanceof ConnectionState.Open;
        state = new ConnectionState.Closing(false);
        if (!handshakeDone) {
            send(0, close);
            if (e.replyCode() == ReplyCodes.ACCESS_REFUSED) {
                ctx.executor().schedule(this::closeSocket, CLOSE_OK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                closeSocket();
            }
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        closeSession()
                .whenComplete((r, x) -> onEventLoop(() -> {
                    if (!(state instanceof ConnectionState.Closed)) {
                        send(0, close);
                        ctx.executor().schedule(this::closeSocket, CLOSE_OK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                    }
                    sent.complete(null);
                }));
        return sent;
    }

    /** Closes the channels on the broker's side and the session; completes as {@link Session#closeAsync}. */
    private CompletableFuture<Void> closeSession() {
        for (AmqpChannel channel : channels.values()) {
            channel.release();
        }
        channels.clear();
        try {
            return session.closeAsync(); // the channels' closes included
        } catch (BrokerException e) {
            LOG.warn("Closing the session of {} failed: {}", clientName, e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * The client sent connection.close. As rabbit_reader, close-ok goes once the channels are closed on the broker's
     * side and the connection's exclusive queues are deleted (and an auto-delete queue that lost its last consumer is
     * gone): a client that declares again right after its close must not find them. Then the client closes the socket,
     * as the spec has it; closing it here first would reset it under frames the client still had in flight, which
     * clients report as a failed close. A client that keeps it open is cut off after {@link #CLOSE_OK_TIMEOUT_MILLIS}.
     */
    private void closeRequested() {
        state = new ConnectionState.Closing(true);
        closeOksOwed = 1;
        updateReading(); // reading on: the client's end of the stream is what this connection waits for now
        closeSession().whenComplete((r, e) -> onEventLoop(this::closeOk));
    }

    /** Answers the client's connection.close (each of them) and gives it a while to close the socket. Event loop. */
    private void closeOk() {
        if (state instanceof ConnectionState.Closed) {
            return;
        }
        for (; closeOksOwed > 0; closeOksOwed--) {
            send(0, new ConnectionCloseOk());
        }
        ctx.executor().schedule(this::closeSocket, CLOSE_OK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Closes the connection from the server side (shutdown, the management API): CONNECTION_FORCED. Completes once
     * connection.close has gone out. Event loop only.
     */
    CompletableFuture<Void> closeForced(String why) {
        return fail(ProtocolError.connection(ReplyCodes.CONNECTION_FORCED, why));
    }

    private void closeSocket() {
        if (!(state instanceof ConnectionState.Closed)) {
            state = new ConnectionState.Closed();
            ctx.channel().writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Whether the handshake got through connection.open. Event loop only. */
    boolean opened() {
        return opened;
    }

    private Map<String, Object> serverProperties() {
        Map<String, Object> capabilities = new LinkedHashMap<>();
        for (String capability : new String[] {
            "publisher_confirms",
            "exchange_exchange_bindings",
            "basic.nack",
            "consumer_cancel_notify",
            "connection.blocked",
            "consumer_priorities",
            "authentication_failure_close",
            "per_consumer_qos",
            "direct_reply_to"
        }) {
            capabilities.put(capability, true);
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("product", "Hermod");
        properties.put("version", "0.1.0");
        properties.put("platform", "Java " + Runtime.version().feature());
        properties.put("copyright", "Hermod");
        properties.put("information", "https://github.com/hermod");
        properties.put("capabilities", capabilities);
        properties.put("cluster_name", "hermod");
        return properties;
    }
}
