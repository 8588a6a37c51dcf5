package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The RabbitMQ Java client, unchanged, against Hermod: the first proof that existing applications work. */
@Timeout(60)
class RabbitClientTest {

    @TempDir
    Path dir;

    private Broker broker;
    private AmqpServer server;
    private Connection connection;

    @BeforeEach
    void start() throws Exception {
        broker = Broker.open(BrokerConfig.of(dir));
        server = AmqpServer.start(broker, AmqpServerConfig.of("127.0.0.1", 0));
        connection = factory().newConnection("test");
    }

    @AfterEach
    void stop() throws Exception {
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
        server.close();
        broker.close();
    }

    private ConnectionFactory factory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(server.port());
        f.setAutomaticRecoveryEnabled(false);
        return f;
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Test
    void persistentMessagesPublishedWithConfirmsReachAConsumerWithTheirProperties() throws Exception {
        Channel ch = connection.createChannel();
        ch.queueDeclare("orders", true, false, false, Map.of("x-message-ttl", 60_000));
        ch.confirmSelect();
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("text/plain")
                .deliveryMode(2)
                .headers(Map.of("tenant", "acme", "attempt", 3))
                .messageId("m-1")
                .build();
        for (int i = 0; i < 100; i++) {
            ch.basicPublish("", "orders", props, ("order " + i).getBytes(StandardCharsets.UTF_8));
        }
        ch.waitForConfirmsOrDie(10_000);

        Channel consumerChannel = connection.createChannel();
        consumerChannel.basicQos(1);
        List<String> bodies = new CopyOnWriteArrayList<>();
        AtomicReference<AMQP.BasicProperties> seen = new AtomicReference<>();
        consumerChannel.basicConsume("orders", false, new DefaultConsumer(consumerChannel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                seen.set(properties);
                bodies.add(text(body));
                getChannel().basicAck(envelope.getDeliveryTag(), false);
            }
        });

        await().atMost(Duration.ofSeconds(20)).until(() -> bodies.size() == 100);
        assertThat(bodies.get(0)).isEqualTo("order 0");
        assertThat(bodies.get(99)).isEqualTo("order 99");
        assertThat(seen.get().getContentType()).isEqualTo("text/plain");
        assertThat(seen.get().getDeliveryMode()).isEqualTo(2);
        assertThat(seen.get().getMessageId()).isEqualTo("m-1");
        assertThat(seen.get().getHeaders()).containsKey("tenant");
        assertThat(seen.get().getHeaders().get("attempt")).isEqualTo(3);
        await().until(() -> ch.queueDeclarePassive("orders").getMessageCount() == 0);
    }

    @Test
    void aPolledMessageCarriesTheCountLeftAndAnUnroutableMandatoryOneComesBack() throws Exception {
        Channel ch = connection.createChannel();
        String queue = ch.queueDeclare().getQueue();
        assertThat(queue).startsWith("amq.gen-");
        ch.basicPublish("", queue, null, "a".getBytes(StandardCharsets.UTF_8));
        ch.basicPublish("", queue, null, "b".getBytes(StandardCharsets.UTF_8));
        List<String> returned = new CopyOnWriteArrayList<>();
        ch.addReturnListener(r -> returned.add(r.getReplyText() + ":" + text(r.getBody())));

        await().until(() -> ch.messageCount(queue) == 2);
        GetResponse got = ch.basicGet(queue, true);
        ch.basicPublish("", "nowhere", true, null, "lost".getBytes(StandardCharsets.UTF_8));

        assertThat(text(got.getBody())).isEqualTo("a");
        assertThat(got.getMessageCount()).isEqualTo(1);
        await().until(() -> returned.size() == 1);
        assertThat(returned).containsExactly("NO_ROUTE:lost");
    }

    @Test
    void aChannelErrorClosesTheChannelWithItsReplyCodeAndTheConnectionServesOn() throws Exception {
        Channel ch = connection.createChannel();

        assertThatThrownBy(() -> ch.queueDeclarePassive("missing"))
                .isInstanceOf(IOException.class)
                .cause()
                .isInstanceOfSatisfying(ShutdownSignalException.class, e -> {
                    assertThat(e.isHardError()).isFalse();
                    assertThat(((AMQP.Channel.Close) e.getReason()).getReplyCode())
                            .isEqualTo(404);
                });

        assertThat(ch.isOpen()).isFalse();
        assertThat(connection.isOpen()).isTrue();
        assertThat(connection
                        .createChannel()
                        .queueDeclare("q", false, false, false, null)
                        .getQueue())
                .isEqualTo("q");
    }

    @Test
    void wrongCredentialsAreRefused() {
        ConnectionFactory f = factory();
        f.setPassword("wrong");
        assertThatThrownBy(f::newConnection).isInstanceOf(AuthenticationFailureException.class);
    }

    @Test
    void aWrongProtocolHeaderIsAnsweredWithOursAndTheConnectionIsClosed() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] {'A', 'M', 'Q', 'P', 1, 1, 8, 0});
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = in.readNBytes(8);
            assertThat(answer).containsExactly('A', 'M', 'Q', 'P', 0, 0, 9, 1);
            assertThat(in.read()).isEqualTo(-1);
        }
    }
}
