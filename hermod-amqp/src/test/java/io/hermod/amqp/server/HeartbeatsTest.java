package io.hermod.amqp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Heartbeats} on a channel whose clock the test moves: the peer is declared dead after two silent intervals,
 * never while the connection does not read, and two full intervals after reading resumes (rabbit_heartbeat's
 * pause_monitor and resume_monitor); the server's own heartbeats go on throughout.
 */
@Timeout(10)
class HeartbeatsTest {

    private final List<IdleState> events = new ArrayList<>();
    private EmbeddedChannel channel;
    private Heartbeats heartbeats;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        // a stand-in for the frame decoder the heartbeat handlers go in front of, then what AmqpConnection sees
        channel.pipeline().addLast("frames", new ChannelInboundHandlerAdapter());
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof IdleStateEvent idle) {
                    events.add(idle.state());
                }
            }
        });
        heartbeats = new Heartbeats(channel.pipeline(), 1);
        heartbeats.start();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private long readerIdle() {
        return events.stream().filter(s -> s == IdleState.READER_IDLE).count();
    }

    @Test
    void aPeerSilentForTwoIntervalsIsDeclaredDeadAndTheServerSendsMeanwhile() {
        advance(1_900);
        assertThat(readerIdle()).isZero();
        assertThat(events).contains(IdleState.WRITER_IDLE);

        advance(200);

        assertThat(readerIdle()).isEqualTo(1);
    }

    @Test
    void theServerSendsEveryHalfIntervalInMillisecondsAsRabbitMq() {
        // at 1 s the Java client's netty transport allows one second of silence: a heartbeat a second is too late
        advance(400);
        assertThat(events).doesNotContain(IdleState.WRITER_IDLE);

        advance(200);

        assertThat(events).containsOnly(IdleState.WRITER_IDLE).hasSize(1);
    }

    @Test
    void whileReadingIsPausedSilenceIsNeverDeathButTheServerStillSends() {
        advance(1_500);
        heartbeats.pause();
        events.clear();

        advance(10_000);

        assertThat(readerIdle()).isZero();
        assertThat(events).contains(IdleState.WRITER_IDLE);
    }

    @Test
    void resumedReadingGivesThePeerTwoFullIntervalsFromThen() {
        heartbeats.pause();
        advance(10_000);
        heartbeats.resume();

        advance(1_900);
        assertThat(readerIdle()).isZero();

        advance(200);
        assertThat(readerIdle()).isEqualTo(1);
    }

    @Test
    void pausingOrResumingTwiceChangesNothing() {
        heartbeats.pause();
        heartbeats.pause();
        heartbeats.resume();
        heartbeats.resume();
        assertThat(channel.pipeline().names()).containsOnlyOnce("heartbeat-monitor");

        advance(2_100);

        assertThat(readerIdle()).isEqualTo(1);
    }
}
