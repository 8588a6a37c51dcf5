package io.hermod.amqp.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The heartbeats of one connection (spec 4.2.7), as two Netty idle handlers ahead of the frame decoder: one has a
 * heartbeat sent when the server has written nothing for half the negotiated interval, the other declares the peer dead
 * when nothing has come from it for two intervals (both reach {@link AmqpConnection} as idle events).
 *
 * <p>While the connection does not read from its socket — a resource alarm blocks its publisher, or its publish credit
 * is spent — the peer's heartbeats wait unread with everything else, so the receive side is paused: as RabbitMQ's
 * rabbit_reader, which calls rabbit_heartbeat:pause_monitor when it blocks a connection and resume_monitor when it
 * reads again. Resumed, the peer has two full intervals from then on. Sending goes on throughout.
 *
 * <p>Threading: the connection's event loop.
 */
final class Heartbeats {

    private static final String SENDER = "heartbeat-sender";
    private static final String MONITOR = "heartbeat-monitor";
    /** The handler the heartbeat handlers go in front of: they see the raw bytes, before framing. */
    private static final String BEFORE = "frames";

    private final ChannelPipeline pipeline;
    private final int seconds;
    private final Monitor monitor;
    private boolean paused;

    /** Heartbeats every {@code seconds} (the negotiated interval, above 0) on the connection of {@code pipeline}. */
    Heartbeats(ChannelPipeline pipeline, int seconds) {
        if (seconds <= 0) {
            throw new IllegalArgumentException("heartbeat interval must be > 0: " + seconds);
        }
        this.pipeline = pipeline;
        this.seconds = seconds;
        this.monitor = new Monitor(seconds * 2L);
    }

    void start() {
        // half the interval, in milliseconds as rabbit_heartbeat (500 ms at 1 s: a client that allows one interval of
        // silence, as the Java client's netty transport does, must not see a whole second without a frame)
        pipeline.addBefore(BEFORE, SENDER, new IdleStateHandler(0, seconds * 1000L / 2, 0, TimeUnit.MILLISECONDS));
        pipeline.addBefore(BEFORE, MONITOR, monitor);
    }

    /**
     * The connection stopped reading: the peer's silence from now on proves nothing. The monitor stays in place (the
     * pipeline is not changed on every pause, which a publisher at its credit makes often); its verdicts are dropped.
     */
    void pause() {
        paused = true;
    }

    /** The connection reads again: the peer has two intervals from now, as at the start. */
    void resume() {
        if (paused) {
            paused = false;
            monitor.resetReadTimeout();
        }
    }

    /** The receive side's idle handler, whose reader-idle verdicts do not count while reading is paused. */
    private final class Monitor extends IdleStateHandler {
        Monitor(long timeoutSeconds) {
            super(timeoutSeconds, 0, 0, TimeUnit.SECONDS);
        }

        @Override
        protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) throws Exception {
            if (!paused) {
                super.channelIdle(ctx, event);
            }
        }
    }
}
