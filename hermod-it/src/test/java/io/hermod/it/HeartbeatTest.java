package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.hermod.amqp.codec.AmqpConstants;
import io.hermod.amqp.codec.BasicConsume;
import io.hermod.amqp.codec.BasicConsumeOk;
import io.hermod.amqp.codec.BasicDeliver;
import io.hermod.amqp.codec.FrameEncoder;
import io.hermod.amqp.codec.QueueDeclare;
import io.hermod.amqp.codec.QueueDeclareOk;
import java.time.Duration;
import java.util.Map;
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
    void whatADeadPeerHeldIsCleanedUpItsUnackedMessageRequeuedAndItsExclusiveQueueDeleted() throws Exception {
        Channel observer = channel();
        observer.queueDeclare("work", true, false, false, null);
        observer.basicPublish("", "work", null, bytes("job"));
        await().until(() -> observer.messageCount("work") == 1);

        try (RawAmqpPeer silent = new RawAmqpPeer(server.port()).handshake(1)) {
            // Given a peer that holds an exclusive queue and an unacknowledged delivery, then goes silent
            silent.send(1, new QueueDeclare(0, "mine", false, false, true, false, false, Map.of()));
            silent.expect(QueueDeclareOk.class);
            silent.send(1, new BasicConsume(0, "work", "held", false, false, false, false, Map.of()));
            silent.expect(BasicConsumeOk.class);
            assertThat(silent.expect(BasicDeliver.class).consumerTag()).isEqualTo("held");
            assertThat(observer.messageCount("work")).isZero();

            // When its heartbeats stop, Then the broker closes it and gives back what it held
            await().atMost(Duration.ofSeconds(3)).until(() -> silent.closedByServer(100));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> observer.messageCount("work") == 1);
        GetResponse again = observer.basicGet("work", true);
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
        assertThat(text(again.getBody())).isEqualTo("job");
        Channel probe = channel();
        assertThatThrownBy(() -> probe.queueDeclarePassive("mine"))
                .hasRootCauseInstanceOf(ShutdownSignalException.class)
                .rootCause()
                .hasMessageContaining("NOT_FOUND");
        await().until(() -> server.connectionCount() == 1);
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
