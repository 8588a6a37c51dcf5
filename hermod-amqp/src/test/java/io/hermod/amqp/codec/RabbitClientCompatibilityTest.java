package io.hermod.amqp.codec;

import static io.hermod.amqp.codec.Deep.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.impl.AMQContentHeader;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.LongStringHelper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The independent oracle (STYLE rule 3): the RabbitMQ Java client's own method, property and frame classes. For each
 * case our encoder writes the client's bytes exactly, our decoder reads the client's bytes, and the client reads ours.
 */
@ExtendWith(LeakCheck.class)
class RabbitClientCompatibilityTest {

    private static final int CHANNEL = 7;

    /** One method as the client builds it and as we do. */
    record Case(String name, com.rabbitmq.client.impl.Method client, AmqpMethod ours) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> methods() {
        byte[] response = "\0guest\0guest".getBytes(StandardCharsets.UTF_8);
        // The client keeps a method's table in a HashMap and writes it in that order: our tables are built from the
        // client's, in its order, so that the bytes can be compared.
        var start = new AMQImpl.Connection.Start(
                0, 9, clientPeerProperties(), longString("PLAIN AMQPLAIN"), longString("en_US"));
        var startOk = new AMQImpl.Connection.StartOk(
                clientPeerProperties(), "PLAIN", LongStringHelper.asLongString(response), "en_US");
        var exchangeDeclare =
                new AMQImpl.Exchange.Declare(0, "orders", "topic", false, true, false, true, false, clientArguments());
        var queueDeclare =
                new AMQImpl.Queue.Declare(0, "work \u00e4", false, true, false, true, false, clientArguments());
        return Stream.of(
                new Case(
                        "connection.start",
                        start,
                        new ConnectionStart(0, 9, ours(start.getServerProperties()), "PLAIN AMQPLAIN", "en_US")),
                new Case(
                        "connection.start-ok",
                        startOk,
                        new ConnectionStartOk(ours(startOk.getClientProperties()), "PLAIN", response, "en_US")),
                new Case(
                        "connection.tune", new AMQImpl.Connection.Tune(2047, -1, 60), new ConnectionTune(2047, -1, 60)),
                new Case(
                        "connection.tune-ok",
                        new AMQImpl.Connection.TuneOk(65_535, 131_072, 0),
                        new ConnectionTuneOk(65_535, 131_072, 0)),
                new Case(
                        "connection.open",
                        new AMQImpl.Connection.Open("/production", "", false),
                        new ConnectionOpen("/production", "", false)),
                new Case(
                        "connection.close",
                        new AMQImpl.Connection.Close(504, "CHANNEL_ERROR - expected 'channel.open'", 60, 40),
                        new ConnectionClose(504, "CHANNEL_ERROR - expected 'channel.open'", 60, 40)),
                new Case(
                        "connection.blocked",
                        new AMQImpl.Connection.Blocked("low on memory"),
                        new ConnectionBlocked("low on memory")),
                new Case(
                        "connection.update-secret",
                        new AMQImpl.Connection.UpdateSecret(LongStringHelper.asLongString(response), "token refresh"),
                        new ConnectionUpdateSecret(response, "token refresh")),
                new Case("channel.open", new AMQImpl.Channel.Open(""), new ChannelOpen("")),
                new Case(
                        "channel.close",
                        new AMQImpl.Channel.Close(406, "PRECONDITION_FAILED - inequivalent arg 'durable'", 50, 10),
                        new ChannelClose(406, "PRECONDITION_FAILED - inequivalent arg 'durable'", 50, 10)),
                new Case(
                        "exchange.declare",
                        exchangeDeclare,
                        new ExchangeDeclare(
                                0,
                                "orders",
                                "topic",
                                false,
                                true,
                                false,
                                true,
                                false,
                                ours(exchangeDeclare.getArguments()))),
                new Case(
                        "exchange.bind",
                        new AMQImpl.Exchange.Bind(0, "audit", "orders", "order.#", true, Map.of()),
                        new ExchangeBind(0, "audit", "orders", "order.#", true, Map.of())),
                new Case(
                        "queue.declare",
                        queueDeclare,
                        new QueueDeclare(
                                0, "work \u00e4", false, true, false, true, false, ours(queueDeclare.getArguments()))),
                new Case(
                        "queue.declare-ok",
                        new AMQImpl.Queue.DeclareOk("amq.gen-JzTY20BRgKO", -2, 3),
                        new QueueDeclareOk("amq.gen-JzTY20BRgKO", -2, 3)),
                new Case(
                        "basic.publish",
                        new AMQImpl.Basic.Publish(0, "amq.topic", "order.created.eu", true, false),
                        new BasicPublish(0, "amq.topic", "order.created.eu", true, false)),
                new Case(
                        "basic.consume",
                        new AMQImpl.Basic.Consume(0, "work", "", false, false, true, false, Map.of("x-priority", 5)),
                        new BasicConsume(0, "work", "", false, false, true, false, Map.of("x-priority", 5))),
                new Case(
                        "basic.deliver",
                        new AMQImpl.Basic.Deliver("amq.ctag-1", -1L, true, "amq.topic", "order.created"),
                        new BasicDeliver("amq.ctag-1", -1L, true, "amq.topic", "order.created")),
                new Case(
                        "basic.get-ok",
                        new AMQImpl.Basic.GetOk(42, false, "", "work", 17),
                        new BasicGetOk(42, false, "", "work", 17)),
                new Case("basic.ack", new AMQImpl.Basic.Ack(Long.MAX_VALUE, true), new BasicAck(Long.MAX_VALUE, true)),
                new Case("basic.nack", new AMQImpl.Basic.Nack(43, false, true), new BasicNack(43, false, true)),
                new Case(
                        "basic.cancel",
                        new AMQImpl.Basic.Cancel("amq.ctag-1", true),
                        new BasicCancel("amq.ctag-1", true)),
                new Case("confirm.select", new AMQImpl.Confirm.Select(false), new ConfirmSelect(false)),
                new Case("tx.select", new AMQImpl.Tx.Select(), TxSelect.INSTANCE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void ourEncoderWritesTheClientsBytes(Case c) {
        assertThat(Bytes.written(out -> FrameEncoder.writeMethod(out, CHANNEL, c.ours())))
                .isEqualTo(clientBytes(c.client()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void ourDecoderReadsTheClientsBytes(Case c) {
        List<Frame> frames = Frames.decodeAll(clientBytes(c.client()));

        assertThat(frames).hasSize(1);
        assertThat(frames.getFirst().channel()).isEqualTo(CHANNEL);
        assertDeepEquals(((MethodFrame) frames.getFirst()).method(), c.ours());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void theClientReadsOurBytes(Case c) throws IOException {
        byte[] ours = Bytes.written(out -> FrameEncoder.writeMethod(out, CHANNEL, c.ours()));

        // the client parses our frame completely, as the method it is, and writes it back byte for byte
        com.rabbitmq.client.impl.Frame frame = clientReadsFrame(ours);
        com.rabbitmq.client.impl.Method read = AMQImpl.readMethodFrom(frame.getInputStream());
        assertThat(frame.getChannel()).isEqualTo(CHANNEL);
        assertThat(read.protocolMethodName()).isEqualTo(c.ours().name());
        assertThat(clientBytes(read)).isEqualTo(ours);
    }

    @Test
    void theClientsTableValuesDecodeIntoTheBrokersModel() {
        var declare = (QueueDeclare) ((MethodFrame) Frames.decodeAll(clientBytes(new AMQImpl.Queue.Declare(
                                0, "q", false, false, false, false, false, clientArguments())))
                        .getFirst())
                .method();

        assertThat(declare.arguments().get("x-long-string")).isEqualTo("long \u00e4");
        assertThat(declare.arguments().get("x-date")).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(declare.arguments().get("x-bytes")).isEqualTo(new byte[] {1, 2, 3});
        assertThat(io.hermod.broker.definitions.Arguments.copyOf(declare.arguments()))
                .hasSize(15);
    }

    static Stream<BasicProperties> properties() {
        return Stream.of(BasicPropertiesTest.FULL, BasicProperties.EMPTY, BasicProperties.EMPTY.withDeliveryMode(2));
    }

    @ParameterizedTest
    @MethodSource("properties")
    void contentHeadersMatchTheClientBothWays(BasicProperties properties) throws IOException {
        // Given the same properties built by the client (whose headers, a HashMap, set the order)
        AMQP.BasicProperties client = clientProperties(properties);
        BasicProperties ours =
                client.getHeaders() == null ? properties : properties.withHeaders(ours(client.getHeaders()));
        byte[] clientBytes = toBytes(client.toFrame(CHANNEL, 123_456));
        ByteBuf encoded = Unpooled.buffer();
        ours.encode(encoded);

        // Then our content header frame is the client's, byte for byte
        byte[] ourBytes = Bytes.written(out -> FrameEncoder.writeContentHeader(out, CHANNEL, 60, 123_456, encoded));
        assertThat(ourBytes).isEqualTo(clientBytes);
        encoded.release();

        // and we read the client's
        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(clientBytes));
        ContentHeaderFrame header = (ContentHeaderFrame) decoded.frames().getFirst();
        assertThat(header.bodySize()).isEqualTo(123_456);
        assertDeepEquals(BasicProperties.decode(header.properties()), ours);
        decoded.release();

        // and the client reads ours
        com.rabbitmq.client.impl.Frame frame = clientReadsFrame(ourBytes);
        AMQContentHeader read = AMQImpl.readContentHeaderFrom(frame.getInputStream());
        assertThat(read.getBodySize()).isEqualTo(123_456);
        assertThat(toBytes(read.toFrame(CHANNEL, 123_456))).isEqualTo(ourBytes);
    }

    @Test
    void theClientReadsOurBodyFramesUnderItsFrameMax() throws IOException {
        byte[] body = new byte[20_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        ByteBuf encoded = Unpooled.buffer();
        BasicProperties.EMPTY.encode(encoded);
        byte[] content = Bytes.written(
                out -> FrameEncoder.writeContent(out, CHANNEL, 60, encoded, Unpooled.wrappedBuffer(body), 8192));
        encoded.release();

        DataInputStream in = new DataInputStream(new ByteArrayInputStream(content));
        com.rabbitmq.client.impl.Frame header = com.rabbitmq.client.impl.Frame.readFrom(in, () -> 8192 - 8);
        assertThat(header.getType()).isEqualTo(AMQP.FRAME_HEADER);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        while (in.available() > 0) {
            com.rabbitmq.client.impl.Frame bodyFrame = com.rabbitmq.client.impl.Frame.readFrom(in, () -> 8192 - 8);
            assertThat(bodyFrame.getType()).isEqualTo(AMQP.FRAME_BODY);
            received.write(bodyFrame.getPayload());
        }
        assertThat(received.toByteArray()).isEqualTo(body);
    }

    // --- the same values in the client's types and in ours

    /** A client table in our value model (LongString → String, Date → Instant), in the client's order. */
    private static Map<String, Object> ours(Map<String, Object> client) {
        Map<String, Object> table = new LinkedHashMap<>();
        client.forEach((name, value) -> table.put(name, ourValue(value)));
        return table;
    }

    @SuppressWarnings("unchecked")
    private static Object ourValue(Object value) {
        return switch (value) {
            case LongString s -> new String(s.getBytes(), StandardCharsets.UTF_8);
            case Date d -> d.toInstant();
            case Map<?, ?> m -> ours((Map<String, Object>) m);
            case List<?> l ->
                l.stream().map(RabbitClientCompatibilityTest::ourValue).toList();
            case null -> null;
            default -> value;
        };
    }

    private static Map<String, Object> clientPeerProperties() {
        // the client reads nested tables into HashMaps too: start there so that its re-encoding keeps the order
        Map<String, Object> capabilities = new HashMap<>();
        capabilities.put("publisher_confirms", true);
        capabilities.put("consumer_cancel_notify", true);
        capabilities.put("authentication_failure_close", true);
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("product", longString("RabbitMQ"));
        properties.put("version", "5.37.1");
        properties.put("capabilities", capabilities);
        return properties;
    }

    /** A table with every type the client writes: S (String and LongString), I D T F b d f l s t x V A. */
    private static Map<String, Object> clientArguments() {
        Map<String, Object> nested = new HashMap<>();
        nested.put("inner", 1L);
        nested.put("second", "2");
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("x-string", "text \u20ac");
        arguments.put("x-long-string", longString("long \u00e4"));
        arguments.put("x-int", -7);
        arguments.put("x-decimal", new BigDecimal("3.14"));
        arguments.put("x-date", new Date(1_700_000_000_000L));
        arguments.put("x-table", nested);
        arguments.put("x-byte", (byte) -1);
        arguments.put("x-double", 0.5);
        arguments.put("x-float", -0.25f);
        arguments.put("x-long", Long.MIN_VALUE);
        arguments.put("x-short", Short.MIN_VALUE);
        arguments.put("x-boolean", false);
        arguments.put("x-bytes", new byte[] {1, 2, 3});
        arguments.put("x-void", null);
        arguments.put("x-array", new ArrayList<>(List.of("a", 2, longString("b"))));
        return arguments;
    }

    private static AMQP.BasicProperties clientProperties(BasicProperties ours) {
        Map<String, Object> headers = null;
        if (ours.headers() != null) {
            headers = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : ours.headers().entrySet()) {
                headers.put(e.getKey(), clientValue(e.getValue()));
            }
        }
        return new AMQP.BasicProperties(
                ours.contentType(),
                ours.contentEncoding(),
                headers,
                ours.deliveryMode(),
                ours.priority(),
                ours.correlationId(),
                ours.replyTo(),
                ours.expiration(),
                ours.messageId(),
                ours.timestamp() == null ? null : new Date(ours.timestamp() * 1000),
                ours.type(),
                ours.userId(),
                ours.appId(),
                ours.clusterId());
    }

    /** One of our values as the client holds it: Date for Instant, HashMap for tables. */
    @SuppressWarnings("unchecked")
    private static Object clientValue(Object value) {
        return switch (value) {
            case Instant t -> Date.from(t);
            case Map<?, ?> m -> {
                Map<String, Object> table = new HashMap<>();
                ((Map<String, Object>) m).forEach((k, v) -> table.put(k, clientValue(v)));
                yield table;
            }
            case List<?> l ->
                l.stream().map(RabbitClientCompatibilityTest::clientValue).toList();
            case null -> null;
            default -> value;
        };
    }

    private static LongString longString(String text) {
        return LongStringHelper.asLongString(text);
    }

    // --- the client's framing

    private static byte[] clientBytes(com.rabbitmq.client.impl.Method method) {
        try {
            return toBytes(method.toFrame(CHANNEL));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] toBytes(com.rabbitmq.client.impl.Frame frame) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        frame.writeTo(out);
        out.flush();
        return bytes.toByteArray();
    }

    private static com.rabbitmq.client.impl.Frame clientReadsFrame(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        com.rabbitmq.client.impl.Frame frame = com.rabbitmq.client.impl.Frame.readFrom(in, () -> Integer.MAX_VALUE);
        assertThat(in.available()).as("the client read the whole frame").isZero();
        return frame;
    }
}
