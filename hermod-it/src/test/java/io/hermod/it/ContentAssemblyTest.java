package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.GetResponse;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.amqp.codec.BasicPublish;
import io.hermod.amqp.codec.ConnectionClose;
import io.hermod.amqp.codec.FrameEncoder;
import io.hermod.amqp.codec.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How the server gathers a message body that comes in several frames: whole and byte for byte whatever the frames'
 * sizes, and with nothing left behind (no leaked buffer, {@link LeakCheck}) when the connection goes before the body
 * is complete.
 */
class ContentAssemblyTest extends ServerTestSupport {

    @Test
    void aBodyInFramesOfEverySizeArrivesWholeEmptyFramesIncluded() throws Exception {
        String queue = channel().queueDeclare().getQueue();
        byte[] body = random(70_001, 1);
        int[] frameSizes = {0, 1, 7, 4_096, 0, 65_000, 897};

        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.write(out -> {
                FrameEncoder.writeMethod(out, 1, new BasicPublish(0, "", queue, false, false));
                ByteBuf props = Unpooled.buffer();
                BasicProperties.EMPTY.encode(props);
                FrameEncoder.writeContentHeader(out, 1, 60, body.length, props);
                props.release();
                int at = 0;
                for (int size : frameSizes) {
                    writeBodyFrame(out, body, at, size);
                    at += size;
                }
            });

            GetResponse got = await().until(() -> channel().basicGet(queue, true), r -> r != null);
            assertThat(got.getBody()).isEqualTo(body);
        }
    }

    @Test
    void theJavaClientsBodiesSplitAtTheSmallestFrameMaxArriveWhole() throws Exception {
        ConnectionFactory f = factory();
        f.setRequestedFrameMax(4_096); // the spec's minimum: a 1 MiB body is 257 frames
        com.rabbitmq.client.Connection small = newConnection(f);
        Channel publisher = small.createChannel();
        String queue = publisher.queueDeclare().getQueue();
        List<byte[]> sent = new ArrayList<>();
        for (int size : new int[] {1 << 20, 4_088, 4_089, 0, 100_000, 3}) {
            byte[] body = random(size, size);
            sent.add(body);
            publisher.basicPublish("", queue, null, body);
        }

        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        DeliverCallback onDelivery = (tag, delivery) -> received.add(delivery.getBody());
        small.createChannel().basicConsume(queue, true, onDelivery, tag -> {});

        for (byte[] body : sent) {
            assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo(body);
        }
    }

    @Test
    void aBodyCutOffByTheSocketClosingLeaksNothingAndTheBrokerServesOn() throws Exception {
        String queue = channel().queueDeclare().getQueue();
        byte[] body = random(1 << 20, 2);

        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.write(out -> writeHalfABody(out, queue, body));
        }

        assertNothingLeftBehind(queue);
    }

    @Test
    void aBodyCutOffByConnectionCloseLeaksNothingAndTheBrokerServesOn() throws Exception {
        String queue = channel().queueDeclare().getQueue();
        byte[] body = random(1 << 20, 3);

        try (RawAmqpPeer peer = new RawAmqpPeer(server.port()).handshake(0)) {
            peer.write(out -> writeHalfABody(out, queue, body));
            peer.send(0, new ConnectionClose(200, "bye", 0, 0));
            await().until(() -> peer.closedByServer(100));
        }

        assertNothingLeftBehind(queue);
    }

    /** basic.publish, a header announcing all of {@code body}, and the first half of it in 8 KiB frames. */
    private static void writeHalfABody(ByteBuf out, String queue, byte[] body) {
        FrameEncoder.writeMethod(out, 1, new BasicPublish(0, "", queue, false, false));
        ByteBuf props = Unpooled.buffer();
        BasicProperties.EMPTY.encode(props);
        FrameEncoder.writeContentHeader(out, 1, 60, body.length, props);
        props.release();
        for (int at = 0; at < body.length / 2; at += 8_192) {
            writeBodyFrame(out, body, at, 8_192);
        }
    }

    private void assertNothingLeftBehind(String queue) throws Exception {
        await().until(() -> server.connectionCount() == 1); // the test's own connection
        assertThat(channel().messageCount(queue)).isZero();
        channel().basicPublish("", queue, null, bytes("after"));
        assertThat(await().until(() -> channel().basicGet(queue, true), r -> r != null)
                        .getBody())
                .isEqualTo(bytes("after"));
        assertThat(LeakCheck.collectLeaks()).as("buffers leaked").isEmpty();
    }

    private static void writeBodyFrame(ByteBuf out, byte[] body, int at, int size) {
        out.writeByte(3); // body frame
        out.writeShort(1);
        out.writeInt(size);
        out.writeBytes(body, at, size);
        out.writeByte(0xCE);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }
}
