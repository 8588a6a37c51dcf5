package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.impl.CredentialsProvider;
import com.rabbitmq.client.impl.CredentialsRefreshService;
import io.hermod.amqp.codec.ConnectionClose;
import io.hermod.amqp.codec.ConnectionTune;
import io.hermod.amqp.codec.ConnectionTuneOk;
import io.hermod.amqp.codec.ConnectionUpdateSecret;
import io.hermod.amqp.codec.ConnectionUpdateSecretOk;
import io.hermod.amqp.codec.QueueDeclare;
import io.hermod.amqp.codec.QueueDeclareOk;
import io.hermod.amqp.server.AmqpServerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The connection handshake: what connection.start announces, what tune-ok may ask for (spec 1.4.2.6's upper-limit
 * rules, enforced as RabbitMQ does), update-secret, and the handshake timeout that closes peers stalling before
 * connection.open.
 */
class HandshakeTest extends ServerTestSupport {

    private static final long HANDSHAKE_TIMEOUT_MILLIS = 1_000;

    @Override
    AmqpServerConfig serverConfig() {
        return AmqpServerConfig.of("127.0.0.1", 0).withHandshakeTimeout(HANDSHAKE_TIMEOUT_MILLIS);
    }

    @Test
    void startAnnouncesEveryRabbitMqCapabilityClientsLookFor() {
        Map<String, Object> properties = connection.getServerProperties();

        @SuppressWarnings("unchecked")
        Map<String, Object> capabilities = (Map<String, Object>) properties.get("capabilities");
        assertThat(capabilities)
                .containsEntry("publisher_confirms", true)
                .containsEntry("exchange_exchange_bindings", true)
                .containsEntry("basic.nack", true)
                .containsEntry("consumer_cancel_notify", true)
                .containsEntry("connection.blocked", true)
                .containsEntry("consumer_priorities", true)
                .containsEntry("authentication_failure_close", true)
                .containsEntry("per_consumer_qos", true)
                .containsEntry("direct_reply_to", true);
        assertThat(properties).containsKeys("product", "version", "platform", "copyright", "information");
    }

    @ParameterizedTest(name = "channel_max {0}, frame_max {1}")
    @CsvSource({
        "2048, 131072, 'negotiated channel_max = 2048 is higher than the maximum allowed value (2047)'",
        "0, 131072, 'negotiated channel_max = 0 (no limit) is higher than the maximum allowed value (2047)'",
        "2047, 131073, 'negotiated frame_max = 131073 is higher than the maximum allowed value (131072)'",
        "2047, 0, 'negotiated frame_max = 0 (no limit) is higher than the maximum allowed value (131072)'",
        "2047, 4095, 'negotiated frame_max = 4095 is lower than the minimum allowed value (4096)'",
        "1, -1, 'negotiated frame_max = 4294967295 is higher than the maximum allowed value (131072)'"
    })
    void aTuneOkAskingForMoreThanProposedOrTooSmallFramesIsRefusedWithNotAllowed(
            int channelMax, int frameMax, String text) throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port())) {
            ConnectionTune tune = peer.authenticate();
            assertThat(tune.channelMax()).isEqualTo(2047);
            assertThat(tune.frameMax()).isEqualTo(131_072);

            peer.send(0, new ConnectionTuneOk(channelMax, frameMax, 0));

            ConnectionClose close = peer.expect(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(530);
            assertThat(close.replyText()).isEqualTo("NOT_ALLOWED - " + text);
            assertThat(peer.closedByServer(2_000)).isTrue();
        }
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty(); // everyone else is served on
    }

    @Test
    void aClientLoweringChannelMaxAndFrameMaxGetsWhatItAskedFor() throws Exception {
        ConnectionFactory f = factory();
        f.setRequestedChannelMax(4);
        f.setRequestedFrameMax(4096);
        Connection small = newConnection(f);
        assertThat(small.getChannelMax()).isEqualTo(4);
        assertThat(small.getFrameMax()).isEqualTo(4096);

        Channel channel = small.createChannel();
        String queue = channel.queueDeclare().getQueue();
        byte[] body = new byte[20_000]; // five body frames at frame_max 4096
        Arrays.fill(body, (byte) 'x');
        channel.basicPublish("", queue, null, body);
        GetResponse got = await().until(() -> channel.basicGet(queue, true), r -> r != null);
        assertThat(got.getBody()).isEqualTo(body);
    }

    @Test
    void updateSecretIsAnsweredAndTheConnectionWorksOn() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            // as RabbitMQ's internal user database, whose credentials do not expire: the new secret replaces nothing
            peer.send(
                    0,
                    new ConnectionUpdateSecret("a refreshed token".getBytes(StandardCharsets.UTF_8), "token refresh"));
            peer.expect(ConnectionUpdateSecretOk.class);

            peer.send(1, new QueueDeclare(0, "after-update", false, false, false, true, false, Map.of()));
            assertThat(peer.expect(QueueDeclareOk.class).queue()).isEqualTo("after-update");
        }
    }

    @Test
    void theJavaClientsCredentialsRefreshSendsUpdateSecretAndTheConnectionWorksOn() throws Exception {
        // Given the client's hook for expiring credentials (OAuth tokens): it registers a refresh per connection
        AtomicReference<Callable<Boolean>> refresh = new AtomicReference<>();
        ConnectionFactory f = factory();
        f.setCredentialsProvider(new CredentialsProvider() {
            @Override
            public String getUsername() {
                return "guest";
            }

            @Override
            public String getPassword() {
                return "guest";
            }

            @Override
            public Duration getTimeBeforeExpiration() {
                return Duration.ofMinutes(5);
            }
        });
        f.setCredentialsRefreshService(new CredentialsRefreshService() {
            @Override
            public String register(CredentialsProvider provider, Callable<Boolean> callback) {
                refresh.set(callback);
                return "registration";
            }

            @Override
            public void unregister(CredentialsProvider provider, String registrationId) {}

            @Override
            public boolean isApproachingExpiration(Duration timeBeforeExpiration) {
                return false;
            }
        });
        Connection c = newConnection(f);
        assertThat(refresh.get()).as("the client registered its refresh").isNotNull();

        // When the refresh runs: the client sends connection.update-secret and waits for its ok
        assertThat(refresh.get().call()).isTrue();

        // Then the connection works on
        Channel ch = c.createChannel();
        String queue = ch.queueDeclare().getQueue();
        ch.basicPublish("", queue, null, "after the refresh".getBytes(StandardCharsets.UTF_8));
        await().until(() -> ch.basicGet(queue, true) != null);
    }

    @Test
    void peersStallingAnywhereBeforeConnectionOpenAreClosedAfterTheHandshakeTimeout() throws Exception {
        try (RawAmqpPeer silent = new RawAmqpPeer(server.port());
                RawAmqpPeer afterHeader = new RawAmqpPeer(server.port());
                RawAmqpPeer afterTuneOk = new RawAmqpPeer(server.port());
                RawAmqpPeer opened = new RawAmqpPeer(server.port())) {
            afterHeader.header();
            ConnectionTune tune = afterTuneOk.authenticate();
            afterTuneOk.send(0, new ConnectionTuneOk(tune.channelMax(), tune.frameMax(), 0));
            opened.handshake(0);

            assertThat(silent.closedByServer(5_000)).isTrue();
            assertThat(afterHeader.closedByServer(5_000)).isTrue();
            assertThat(afterTuneOk.closedByServer(5_000)).isTrue();
            // an opened connection stays, well past the timeout
            assertThat(opened.closedByServer((int) (2 * HANDSHAKE_TIMEOUT_MILLIS)))
                    .isFalse();
            await().until(() -> server.connectionCount() == 2); // the test's own connection and the opened one
        }
        assertThat(connection.isOpen()).isTrue();
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty();
    }
}
