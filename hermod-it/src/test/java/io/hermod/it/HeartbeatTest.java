package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.hermod.amqp.codec.AmqpConstants;
import io.hermod.amqp.codec.FrameEncoder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Heartbeats (spec 4.2.7): both ways, and a peer silent for two intervals is dead and cleaned up. */
class HeartbeatTest extends ServerTestSupport {

    @Test
    void aClientWithAOneSecondHeartbeatStaysConnectedWhileIdle() throws Exception {
        ConnectionFactory f = factory();
        f.setRequestedHeartbeat(1);
        Connection idle = f.newConnection();

        assertThat(idle.getHeartbeat()).isEqualTo(1);
        await().during(Duration.ofMillis(2_500)) // more than the two silent intervals that end a connection
                .atMost(Duration.ofSeconds(4))
                .until(() -> idle.isOpen() && server.connectionCount() == 2);
        idle.close();
    }

    @Test
    void aPeerSilentAfterTuningAOneSecondHeartbeatIsDisconnectedWithinThreeSeconds() throws Exception {
        try (RawAmqpPeer silent = new RawAmqpPeer(server.port()).handshake(1)) {
            long start = System.nanoTime();

            await().atMost(Duration.ofSeconds(3)).until(() -> silent.closedByServer(100));

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1_500));
            await().until(() -> server.connectionCount() == 1);
        }
    }

    @Test
    void theServerSendsHeartbeatsAndAPeerThatSendsItsOwnStaysConnected() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(1)) {
            int heartbeats = 0;
            long deadline = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
            while (System.nanoTime() < deadline) {
                peer.write(FrameEncoder::writeHeartbeat);
                RawAmqpPeer.RawFrame frame = peer.readAnyFrame(1_500);
                assertThat(frame.type()).isEqualTo(AmqpConstants.FRAME_HEARTBEAT);
                assertThat(frame.channel()).isZero();
                heartbeats++;
            }

            assertThat(heartbeats).isGreaterThanOrEqualTo(2);
            assertThat(server.connectionCount()).isEqualTo(2);
        }
    }
}
