package io.hermod.amqp.server;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import com.rabbitmq.client.impl.AMQImpl;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;

/**
 * Records what the RabbitMQ Java client sends in a real session against a running server: a socket factory whose
 * sockets copy every byte the client writes, and count the frames the server has sent so far at each write. The
 * session ({@link #recordSession}) covers connection setup, exchange and queue declares and bindings, confirms,
 * publishes with full properties, with content split over several body frames and unroutable, get, consume, ack, nack,
 * reject, cancel, recover, purge, unbind, delete, transactions, channel.flow, recover-async, direct reply-to, a channel
 * error and the closes. Every name in it contains {@link #TOKEN}, so
 * that a replay can rename them all without changing a length.
 *
 * <p>Threading: the client writes from its application and consumer threads and reads on its own thread; all of it
 * is recorded under this object's lock.
 */
final class SessionRecorder extends SocketFactory {

    /** In every exchange and queue name of the session. */
    static final String TOKEN = "fz00000";

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    /** Pairs (offset of a write in {@link #sent}, server frames complete before it). */
    private final List<long[]> writes = new ArrayList<>();

    private int receivedScanned;
    private int serverFrames;
    private final RecordedSession.ServerFrames weights = new RecordedSession.ServerFrames();

    /** Runs the session against the server on {@code port} and returns what the client sent. */
    static RecordedSession recordSession(int port) throws Exception {
        SessionRecorder recorder = new SessionRecorder();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setAutomaticRecoveryEnabled(false);
        factory.setRequestedHeartbeat(0);
        // a small frame-max splits the 10 kB message below over three body frames
        factory.setRequestedFrameMax(4096);
        factory.setSocketFactory(recorder);
        try (Connection connection = factory.newConnection("fuzz-corpus")) {
            session(connection);
        }
        return recorder.recorded();
    }

    private static void session(Connection connection) throws Exception {
        String x = TOKEN + ".x";
        String ae = TOKEN + ".ae";
        String q = TOKEN + ".q";
        Channel ch = connection.createChannel();
        ch.exchangeDeclare(x, "topic", true, false, Map.of("alternate-exchange", ae));
        ch.exchangeDeclare(ae, "fanout", false, true, null);
        ch.exchangeBind(ae, x, "#");
        ch.queueDeclare(
                q,
                true,
                false,
                false,
                Map.of("x-max-length", 1000, "x-message-ttl", 60_000L, "x-dead-letter-exchange", ae));
        ch.queueBind(q, x, "a.#", Map.of("note", "fuzz"));
        ch.confirmSelect();
        AMQP.BasicProperties full = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .contentEncoding("utf-8")
                .headers(Map.of(
                        "string",
                        "s",
                        "int",
                        42,
                        "long",
                        1L << 40,
                        "bool",
                        true,
                        "double",
                        1.5,
                        "bytes",
                        new byte[] {1, 2, 3},
                        "list",
                        List.of(1, "two"),
                        "table",
                        Map.of("nested", 1),
                        "time",
                        new Date(1_700_000_000_000L)))
                .deliveryMode(2)
                .priority(5)
                .correlationId("corr")
                .replyTo("reply")
                .expiration("60000")
                .messageId("id-1")
                .timestamp(new Date(1_700_000_000_000L))
                .type("t")
                .userId("guest")
                .appId("fuzz")
                .build();
        ch.basicPublish(x, "a.b", true, full, "{\"hello\":1}".getBytes(StandardCharsets.UTF_8));
        byte[] large = new byte[10_000];
        Arrays.fill(large, (byte) 'z');
        ch.basicPublish("", q, true, MessageProperties.PERSISTENT_BASIC, large);
        ch.basicPublish("", q, false, null, new byte[0]);
        ch.basicPublish("", TOKEN + ".nowhere", true, null, new byte[] {1}); // comes back: basic.return
        ch.waitForConfirmsOrDie(5_000);

        GetResponse got = ch.basicGet(q, false);
        ch.basicReject(got.getEnvelope().getDeliveryTag(), true);

        ch.basicQos(10);
        CountDownLatch settled = new CountDownLatch(3);
        AtomicInteger deliveries = new AtomicInteger();
        String tag = ch.basicConsume(q, false, TOKEN + ".c", new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties p, byte[] body)
                    throws IOException {
                switch (deliveries.incrementAndGet()) {
                    case 1 -> getChannel().basicAck(envelope.getDeliveryTag(), false);
                    case 2 -> getChannel().basicReject(envelope.getDeliveryTag(), false);
                    default -> getChannel().basicNack(envelope.getDeliveryTag(), true, false);
                }
                settled.countDown();
            }
        });
        if (!settled.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the corpus session's consumer got " + deliveries + " of 3 messages");
        }
        ch.basicCancel(tag);
        ch.basicRecover(true);
        ch.queuePurge(q);
        ch.queueUnbind(q, x, "a.#", Map.of("note", "fuzz"));
        ch.exchangeUnbind(ae, x, "#");
        ch.queueDelete(q);
        ch.exchangeDelete(x);
        ch.exchangeDelete(ae);

        // transactions, flow control and recover-async on channel 2
        String t = TOKEN + ".t";
        Channel tx = connection.createChannel();
        tx.queueDeclare(t, false, false, true, null);
        tx.txSelect();
        tx.basicPublish("", t, null, "t1".getBytes(StandardCharsets.UTF_8));
        tx.basicPublish("", t, MessageProperties.PERSISTENT_TEXT_PLAIN, "t2".getBytes(StandardCharsets.UTF_8));
        tx.txCommit();
        tx.basicPublish("", t, null, "t3".getBytes(StandardCharsets.UTF_8));
        tx.txRollback();
        GetResponse inTx = tx.basicGet(t, false);
        tx.basicAck(inTx.getEnvelope().getDeliveryTag(), false);
        tx.txCommit();
        tx.asyncCompletableRpc(new AMQP.Channel.Flow.Builder().active(false).build())
                .get(5, TimeUnit.SECONDS);
        tx.asyncCompletableRpc(new AMQP.Channel.Flow.Builder().active(true).build())
                .get(5, TimeUnit.SECONDS);
        tx.asyncRpc(new AMQImpl.Basic.RecoverAsync(true));
        tx.queueDelete(t);

        // direct reply-to on channel 3: a consumer on the pseudo-queue, a request naming it, the request fetched
        String requests = TOKEN + ".r";
        Channel rpc = connection.createChannel();
        rpc.queueDeclare(requests, false, true, true, null);
        String replies = rpc.basicConsume("amq.rabbitmq.reply-to", true, new DefaultConsumer(rpc));
        rpc.confirmSelect();
        rpc.basicPublish(
                "",
                requests,
                new AMQP.BasicProperties.Builder()
                        .replyTo("amq.rabbitmq.reply-to")
                        .correlationId("c1")
                        .build(),
                "question".getBytes(StandardCharsets.UTF_8));
        rpc.waitForConfirmsOrDie(5_000);
        if (rpc.basicGet(requests, true) == null) {
            throw new IllegalStateException("the corpus session's request did not arrive");
        }
        rpc.basicCancel(replies);
        rpc.close();

        // a channel error: the server closes channel 4, the client answers close-ok
        Channel failing = connection.createChannel();
        try {
            failing.queueDeclarePassive(TOKEN + ".missing");
            throw new IllegalStateException("a passive declare of a missing queue succeeded");
        } catch (IOException expected) {
            // 404, as intended
        }
        ch.close();
    }

    private synchronized RecordedSession recorded() {
        byte[] bytes = sent.toByteArray();
        List<RecordedSession.Frame> frames = new ArrayList<>();
        int position = 0;
        while (position < bytes.length) {
            int length = position == 0 ? ProtocolHeaderHandler.HEADER.length : frameLength(bytes, position);
            frames.add(new RecordedSession.Frame(
                    Arrays.copyOfRange(bytes, position, position + length), serverFramesBefore(position)));
            position += length;
        }
        return new RecordedSession(frames);
    }

    private static int frameLength(byte[] bytes, int position) {
        return 8 + ByteBuffer.wrap(bytes, position + 3, 4).getInt();
    }

    /** Server frames complete when the client wrote the byte at {@code offset}. */
    private int serverFramesBefore(int offset) {
        long seen = 0;
        for (long[] write : writes) {
            if (write[0] > offset) {
                break;
            }
            seen = write[1];
        }
        return (int) seen;
    }

    private synchronized void onWrite(byte[] b, int off, int len) {
        writes.add(new long[] {sent.size(), serverFrames});
        sent.write(b, off, len);
    }

    private synchronized void onRead(byte[] b, int off, int len) {
        received.write(b, off, len);
        byte[] all = received.toByteArray();
        while (all.length - receivedScanned >= 7) {
            int size = ByteBuffer.wrap(all, receivedScanned + 3, 4).getInt();
            if (all.length - receivedScanned < size + 8) {
                break;
            }
            serverFrames += weights.weigh(all, receivedScanned);
            receivedScanned += size + 8;
        }
    }

    // ------------------------------------------------------------------ the socket factory

    @Override
    public Socket createSocket() {
        return new RecordingSocket();
    }

    @Override
    public Socket createSocket(String host, int port) {
        throw new UnsupportedOperationException("the RabbitMQ client creates unconnected sockets");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) {
        throw new UnsupportedOperationException("the RabbitMQ client creates unconnected sockets");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) {
        throw new UnsupportedOperationException("the RabbitMQ client creates unconnected sockets");
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) {
        throw new UnsupportedOperationException("the RabbitMQ client creates unconnected sockets");
    }

    private final class RecordingSocket extends Socket {

        @Override
        public OutputStream getOutputStream() throws IOException {
            return new FilterOutputStream(super.getOutputStream()) {
                @Override
                public void write(int b) throws IOException {
                    onWrite(new byte[] {(byte) b}, 0, 1);
                    out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    onWrite(b, off, len);
                    out.write(b, off, len);
                }
            };
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return new FilterInputStream(super.getInputStream()) {
                @Override
                public int read() throws IOException {
                    int b = in.read();
                    if (b >= 0) {
                        onRead(new byte[] {(byte) b}, 0, 1);
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        onRead(b, off, n);
                    }
                    return n;
                }
            };
        }
    }
}
