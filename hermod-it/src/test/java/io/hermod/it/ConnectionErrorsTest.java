package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.amqp.codec.BasicPublish;
import io.hermod.amqp.codec.BasicQos;
import io.hermod.amqp.codec.ChannelOpen;
import io.hermod.amqp.codec.ConnectionClose;
import io.hermod.amqp.codec.ConnectionCloseOk;
import io.hermod.amqp.codec.ConnectionStartOk;
import io.hermod.amqp.codec.ConnectionTune;
import io.hermod.amqp.codec.ConnectionTuneOk;
import io.hermod.amqp.codec.FrameEncoder;
import io.hermod.amqp.server.AmqpServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Connection-level failures and the message size limit: the reply codes clients see, and the broker serving on for
 * everyone else.
 */
class ConnectionErrorsTest extends ServerTestSupport {

    private static final int MAX_MESSAGE_BYTES = 1024;

    @Override
    AmqpServerConfig serverConfig() {
        AmqpServerConfig defaults = AmqpServerConfig.of("127.0.0.1", 0);
        return new AmqpServerConfig(
                defaults.host(),
                defaults.port(),
                defaults.frameMax(),
                defaults.channelMax(),
                defaults.heartbeatSeconds(),
                MAX_MESSAGE_BYTES);
    }

    @Test
    void openingAMissingVhostFailsTheConnectionWithNotAllowed() {
        ConnectionFactory f = factory();
        f.setVirtualHost("no-such-vhost");

        String text = assertConnectionError(530, f::newConnection);

        assertThat(text).contains("no-such-vhost");
    }

    @Test
    void aMessageLargerThanTheMaximumClosesTheChannelWithPreconditionFailed() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        ch.basicPublish("", queue, null, new byte[MAX_MESSAGE_BYTES]);
        assertThat(ch.messageCount(queue)).isEqualTo(1);

        ch.basicPublish("", queue, null, new byte[MAX_MESSAGE_BYTES + 1]);

        assertThat(assertChannelError(406, ch::queueDeclare)).contains("larger than configured max size");
        assertThat(connection.isOpen()).isTrue();
        assertThat(channel().messageCount(queue)).isEqualTo(1);
    }

    @Test
    void aTimestampOfAny64BitValueIsTakenAndDeliveredAsItCame() throws Exception {
        // RabbitMQ passes the bits through; Hermod closed the connection with 502 (the Go client's own tests)
        long nanos = 1_700_000_000_000_000_000L;
        String queue = channel().queueDeclare().getQueue();
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.write(out -> {
                FrameEncoder.writeMethod(out, 1, new BasicPublish(0, "", queue, false, false));
                ByteBuf props = Unpooled.buffer();
                new BasicProperties(null, null, null, null, null, null, null, null, null, nanos, null, null, null, null)
                        .encode(props);
                FrameEncoder.writeContentHeader(out, 1, 60, 2, props);
                props.release();
                out.writeByte(3)
                        .writeShort(1)
                        .writeInt(2)
                        .writeByte('h')
                        .writeByte('i')
                        .writeByte(0xCE);
            });

            await().until(() -> channel().messageCount(queue) == 1);
            assertThat(peer.closedByServer(200)).isFalse();
        }
        // the Java client reads seconds into a Date in milliseconds: the same bits times 1,000
        GetResponse got = channel().basicGet(queue, true);
        assertThat(got.getProps().getTimestamp().getTime()).isEqualTo(nanos * 1000);
    }

    @Test
    void aFrameLargerThanRabbitMqsInitialFrameMaxIsRefusedBeforeTuning() throws Exception {
        // rabbit_reader takes frames of at most 8192 bytes until tune-ok (the Java client's FrameMax test)
        ConnectionFactory big = factory();
        Map<String, Object> properties = new HashMap<>(big.getClientProperties());
        properties.put("padding", "x".repeat(8192));
        big.setClientProperties(properties);
        ConnectionFactory fits = factory();
        Map<String, Object> smaller = new HashMap<>(fits.getClientProperties());
        smaller.put("padding", "x".repeat(6000));
        fits.setClientProperties(smaller);

        assertThatThrownBy(big::newConnection).isInstanceOf(IOException.class);
        assertThat(newConnection(fits).isOpen()).isTrue();
    }

    @Test
    void aFrameLargerThanTheInitialFrameMaxBeforeTuningIsAFrameError() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port())) {
            peer.header();
            peer.send(
                    0,
                    new ConnectionStartOk(
                            Map.of("padding", "x".repeat(8192)),
                            "PLAIN",
                            "\0guest\0guest".getBytes(StandardCharsets.UTF_8),
                            "en_US"));

            assertThat(peer.expect(ConnectionClose.class).replyCode()).isEqualTo(501);
            assertThat(peer.closedByServer(2_000)).isTrue();
        }
    }

    @Test
    void aFrameWithoutItsEndOctetIsAFrameError() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.write(out -> {
                FrameEncoder.writeMethod(out, 1, new BasicQos(0, 10, false));
                out.setByte(out.writerIndex() - 1, 0x00); // 0xCE expected
            });

            ConnectionClose close = peer.expect(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(501);
            // with the framing lost no close-ok could be read: the server closes at once, not after its 3 s wait
            assertThat(peer.closedByServer(2_000)).isTrue();
        }
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty();
    }

    @Test
    void aQueueNameThatIsNotUtf8IsASyntaxError() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            byte[] name = {'q', (byte) 0xC3, (byte) 0x28}; // a two-byte sequence cut short
            peer.write(out -> {
                out.writeByte(1); // method frame
                out.writeShort(1);
                out.writeInt(2 + 2 + 2 + 1 + name.length + 1 + 4);
                out.writeShort(50); // queue
                out.writeShort(10); // declare
                out.writeShort(0); // reserved-1
                out.writeByte(name.length);
                out.writeBytes(name);
                out.writeByte(0); // passive, durable, exclusive, auto-delete, no-wait
                out.writeInt(0); // arguments: an empty table
                out.writeByte(0xCE);
            });

            ConnectionClose close = peer.expect(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(502);
            peer.send(0, new ConnectionCloseOk()); // the server waits for it, then closes the socket
            assertThat(peer.closedByServer(2_000)).isTrue();
        }
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty();
    }

    @Test
    void aHandshakeMethodOnAnOpenConnectionIsCommandInvalid() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.send(0, new ConnectionTuneOk(2047, 131_072, 0));

            ConnectionClose close = peer.expect(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(503);
            assertThat(close.replyText()).contains("connection.tune-ok");
            assertThat(close.failingClassId()).isEqualTo(10);
            assertThat(close.failingMethodId()).isEqualTo(31);
        }
    }

    @Test
    void aChannelOpenedBeforeConnectionOpenIsCommandInvalid() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port())) {
            ConnectionTune tune = peer.authenticate();
            peer.send(0, new ConnectionTuneOk(tune.channelMax(), tune.frameMax(), 0));
            peer.send(1, new ChannelOpen(""));

            ConnectionClose close = peer.expect(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(503);
            assertThat(peer.closedByServer(2_000)).isTrue();
        }
    }

    @Test
    void aContentHeaderWithoutAPublishIsAnUnexpectedFrame() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.write(out -> {
                ByteBuf props = Unpooled.buffer();
                BasicProperties.EMPTY.encode(props);
                FrameEncoder.writeContentHeader(out, 1, 60, 3, props);
                props.release();
            });

            ConnectionClose close = peer.expect(ConnectionClose.class);
            assertThat(close.replyCode()).isEqualTo(505);
            peer.send(0, new ConnectionCloseOk());
            await().until(() -> peer.closedByServer(100));
        }
        assertThat(channel().queueDeclare().getQueue()).isNotEmpty(); // everyone else is served on
    }

    @Test
    void aContentBodyWithoutAHeaderIsAnUnexpectedFrame() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.write(out -> {
                out.writeByte(3); // body frame
                out.writeShort(1);
                out.writeInt(2);
                out.writeBytes(new byte[] {'h', 'i'});
                out.writeByte(0xCE);
            });

            assertThat(peer.expect(ConnectionClose.class).replyCode()).isEqualTo(505);
        }
    }

    @Test
    void aMethodOnAChannelThatIsNotOpenIsAChannelError() throws Exception {
        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.send(
                    7,
                    new io.hermod.amqp.codec.QueueDeclare(
                            0, "q", false, false, false, false, false, java.util.Map.of()));

            assertThat(peer.expect(ConnectionClose.class).replyCode()).isEqualTo(504);
        }
    }
}
