package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.hermod.amqp.codec.BasicPublish;
import io.hermod.amqp.codec.ConnectionClose;
import io.hermod.amqp.codec.ConnectionCloseOk;
import io.hermod.amqp.codec.FrameEncoder;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A client's channel.close and connection.close, as RabbitMQ answers them: close-ok comes once what the close ends is
 * gone (so a client that declares again right after its close finds neither its exclusive queues nor an auto-delete
 * queue that lost its last consumer), every connection.close is answered, and the client closes the socket. Each case
 * runs many rounds: an answer that came early shows in some of them. Found by the Go client's own tests
 * (TestConcurrentClose, ExampleConnection_reconnect).
 */
class ClosingTest extends ServerTestSupport {

    private static final int ROUNDS = 30;

    @Test
    void afterAConnectionCloseItsExclusiveAndAutoDeleteQueuesAreGone() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            Connection c = newConnection();
            Channel ch = c.createChannel();
            ch.queueDeclare("mine", false, true, false, Map.of());
            ch.queueDeclare("ad", false, false, true, Map.of());
            ch.basicConsume("ad", true, (tag, delivery) -> {}, tag -> {});

            c.close();

            // the broker's own view first: no network hop between the close-ok and the look
            assertThat(queues()).as("round %d", i).doesNotContain("ad", "mine");
            assertChannelError(404, () -> channel().queueDeclarePassive("ad"));
            assertChannelError(404, () -> channel().queueDeclarePassive("mine")); // 405 while it is still there
        }
    }

    @Test
    void afterAChannelCloseTheAutoDeleteQueueOfItsLastConsumerIsGone() throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            Channel ch = channel();
            ch.queueDeclare("ad", false, false, true, Map.of());
            ch.basicConsume("ad", false, (tag, delivery) -> {}, tag -> {});

            ch.close();

            assertThat(queues()).as("round %d", i).doesNotContain("ad");
            assertChannelError(404, () -> channel().queueDeclarePassive("ad"));
        }
    }

    @Test
    void aForcedCloseReturnsOnceTheConnectionsQueuesAreGoneAndTheClientIsTold() throws Exception {
        // the management API's DELETE /api/connections/{name}, as rabbit_networking:close_connection (a call)
        for (int i = 0; i < ROUNDS; i++) {
            Connection c = newConnection();
            c.createChannel().queueDeclare("mine", false, true, false, Map.of());
            String name = server.connections().stream()
                    .filter(info -> info.peerPort() == ((com.rabbitmq.client.impl.AMQConnection) c).getLocalPort())
                    .findFirst()
                    .orElseThrow()
                    .name();

            assertThat(server.closeConnection(name, "test")).isTrue();

            assertThat(queues()).as("round %d", i).doesNotContain("mine");
            await().until(() -> !c.isOpen());
            assertThat(c.getCloseReason().getReason()).isInstanceOf(com.rabbitmq.client.AMQP.Connection.Close.class);
        }
    }

    private Set<String> queues() {
        return broker.vhost("/").orElseThrow().queueNames();
    }

    @Test
    void everyConnectionCloseIsAnsweredAndTheClientClosesTheSocket() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            // two closes in one write, and a publish after them that the server must drop
            peer.write(out -> {
                FrameEncoder.writeMethod(out, 0, new ConnectionClose(200, "bye", 0, 0));
                FrameEncoder.writeMethod(out, 0, new ConnectionClose(200, "bye", 0, 0));
                FrameEncoder.writeMethod(out, 1, new BasicPublish(0, "", "q", false, false));
            });

            peer.expect(ConnectionCloseOk.class);
            peer.expect(ConnectionCloseOk.class);
            assertThat(peer.closedByServer(500))
                    .as("the server leaves the socket to the client (closing it under unread frames resets it)")
                    .isFalse();
            assertThat(peer.closedByServer(10_000)).as("but not for ever").isTrue();
        }
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty();
    }
}
