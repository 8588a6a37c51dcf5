package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Connection;
import io.hermod.amqp.codec.ChannelOpen;
import io.hermod.amqp.codec.ChannelOpenOk;
import io.hermod.amqp.codec.ConnectionClose;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configurable limits as the RabbitMQ Java client meets them: RabbitMQ's {@code connection_max} (a connection
 * beyond it is refused at connection.open with 530 NOT_ALLOWED), the negotiated {@code channel_max} (one channel more
 * than it closes the connection with 530) and the broker's queue limit (a new queue beyond it closes the channel with
 * 406 PRECONDITION_FAILED).
 */
class ConnectionLimitsTest extends ServerTestSupport {

    private static final int MAX_CONNECTIONS = 3;
    private static final int CHANNEL_MAX = 2;
    private static final int MAX_QUEUES = 2;

    @Override
    Broker openBroker(BrokerConfig config) {
        return Broker.open(config.withMaxQueues(MAX_QUEUES));
    }

    @Override
    AmqpServerConfig serverConfig() {
        AmqpServerConfig defaults = AmqpServerConfig.of("127.0.0.1", 0);
        return new AmqpServerConfig(
                        defaults.host(),
                        defaults.port(),
                        defaults.frameMax(),
                        CHANNEL_MAX,
                        defaults.heartbeatSeconds(),
                        defaults.maxMessageBytes())
                .withMaxConnections(MAX_CONNECTIONS);
    }

    @Test
    void aConnectionBeyondTheLimitIsRefusedAtOpenWithNotAllowed() throws Exception {
        newConnection(); // the support's connection is the first
        newConnection();

        String text = assertConnectionError(530, this::newConnection);

        assertThat(text).isEqualTo("NOT_ALLOWED - connection refused: node connection limit (3) is reached");
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty(); // the others are served on
    }

    @Test
    void aClosedConnectionFreesItsPlace() throws Exception {
        newConnection();
        Connection third = newConnection();
        assertConnectionError(530, this::newConnection);

        third.close();

        await().untilAsserted(() -> assertThat(newConnection().isOpen()).isTrue());
    }

    @Test
    void aRefusedConnectionDoesNotKeepAPlace() throws Exception {
        newConnection();
        Connection third = newConnection();
        for (int i = 0; i < 5; i++) {
            assertConnectionError(530, this::newConnection);
        }

        third.close();

        await().untilAsserted(() -> assertThat(newConnection().isOpen()).isTrue());
    }

    @Test
    void theClientIsToldTheChannelMaxAndOneChannelMoreClosesTheConnectionWithNotAllowed() throws Exception {
        assertThat(connection.getChannelMax()).isEqualTo(CHANNEL_MAX);

        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) { // channel 1 is open
            peer.send(9, new ChannelOpen("")); // as RabbitMQ: channel_max counts channels, not channel numbers
            peer.expect(ChannelOpenOk.class);

            peer.send(2, new ChannelOpen(""));

            ConnectionClose close = peer.expect(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(530);
            assertThat(close.replyText())
                    .isEqualTo(
                            "NOT_ALLOWED - number of channels opened (2) has reached the negotiated channel_max (2)");
        }
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty();
    }

    @Test
    void aNewQueueBeyondTheBrokersLimitClosesTheChannelWithPreconditionFailed() throws Exception {
        var ch = channel();
        ch.queueDeclare("one", true, false, false, Map.of());
        ch.queueDeclare("two", false, false, false, Map.of());

        String text = assertChannelError(406, () -> ch.queueDeclare("three", true, false, false, Map.of()));

        assertThat(text)
                .isEqualTo("PRECONDITION_FAILED - cannot declare queue 'three': queue limit of the broker (2) is"
                        + " reached");
        var again = channel();
        assertThat(again.queueDeclare("one", true, false, false, Map.of()).getQueue())
                .isEqualTo("one");
        again.queueDelete("two");
        assertThat(again.queueDeclare("three", true, false, false, Map.of()).getQueue())
                .isEqualTo("three");
    }
}
