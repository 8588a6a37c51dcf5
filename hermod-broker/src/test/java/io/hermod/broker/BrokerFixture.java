package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * A broker on a test's temporary directory, and the shortcuts the broker's behaviour tests share: sessions and
 * channels, messages with text bodies, a recording {@link DeliveryHandler}, and an assertion on {@link ErrorCode}s.
 *
 * <p>Threading: a test drives it from its own thread; {@link Received} is filled on broker threads.
 */
final class BrokerFixture implements AutoCloseable {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final Path dir;
    private Broker broker;

    BrokerFixture(Path dir) {
        this.dir = dir;
    }

    /** Awaitility with the tests' patience, polling often (the broker answers in microseconds, not tenths of seconds). */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    /** A broker on {@code dir} whose clock reads {@code now} (milliseconds), which the test moves. */
    static Broker openWithClock(Path dir, java.util.concurrent.atomic.AtomicLong now) {
        return Broker.open(
                BrokerConfig.of(dir).withThreads(2).withClock(() -> java.time.Instant.ofEpochMilli(now.get())));
    }

    /** Opens (or reopens, recovering) the broker on the directory. */
    Broker start() {
        broker = Broker.open(BrokerConfig.of(dir).withThreads(2));
        return broker;
    }

    /** Closes the broker cleanly and opens it again on the same directory. */
    Broker restart() {
        broker.close();
        return start();
    }

    Broker broker() {
        return broker;
    }

    VirtualHost vhost() {
        return broker.vhost(Broker.DEFAULT_VHOST).orElseThrow();
    }

    /** A new session (a client connection) on the default vhost. */
    Session session(String clientName) {
        return broker.connect(Broker.DEFAULT_VHOST, clientName);
    }

    /** A channel of a new session. */
    Channel channel() {
        return session("test").openChannel();
    }

    /** Waits until the queue holds exactly {@code count} ready messages (settlements are asynchronous). */
    void awaitReady(String queue, long count) {
        eventually()
                .untilAsserted(
                        () -> assertThat(vhost().queueInfo(queue).orElseThrow().messageCount())
                                .as("ready messages in %s", queue)
                                .isEqualTo(count));
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
    }

    // ------------------------------------------------------------------ messages

    /** A persistent message with a text body. */
    static Message message(String exchange, String routingKey, String body) {
        return Message.of(exchange, routingKey, true, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A persistent message with headers, for headers exchanges. */
    static Message message(String exchange, String routingKey, Map<String, Object> headers, String body) {
        return new Message(exchange, routingKey, headers, true, null, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Publishes and waits until every queue reached has taken the message. */
    static PublishResult publish(Channel ch, String exchange, String routingKey, String body) {
        return ch.publish(message(exchange, routingKey, body)).join();
    }

    static String text(Delivery d) {
        return StandardCharsets.UTF_8.decode(d.body().duplicate()).toString();
    }

    /** Takes every ready message of a queue by polling get with automatic acknowledgement, and returns the bodies. */
    static List<String> drain(Channel ch, String queue) {
        List<String> bodies = new java.util.ArrayList<>();
        for (var d = ch.get(queue, true); d.isPresent(); d = ch.get(queue, true)) {
            bodies.add(text(d.get()));
        }
        return bodies;
    }

    // ------------------------------------------------------------------ assertions

    /** Asserts that {@code call} is refused with {@code code}. */
    static void assertFails(ErrorCode code, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        BrokerException.class,
                        e -> assertThat(e.code())
                                .as("error code of: %s", e.getMessage())
                                .isEqualTo(code));
    }

    // ------------------------------------------------------------------ consumers

    /** One delivery as a test keeps it: the body copied out (the broker's buffers are valid only during the call). */
    record Got(String consumerTag, long deliveryTag, boolean redelivered, String routingKey, String body) {}

    /** A {@link DeliveryHandler} that records what it receives. */
    static final class Received implements DeliveryHandler {
        final List<Got> deliveries = new CopyOnWriteArrayList<>();
        final List<String> cancelledByBroker = new CopyOnWriteArrayList<>();

        @Override
        public void onDelivery(Delivery d) {
            deliveries.add(new Got(d.consumerTag(), d.deliveryTag(), d.redelivered(), d.routingKey(), text(d)));
        }

        @Override
        public void onCancelledByBroker(String consumerTag) {
            cancelledByBroker.add(consumerTag);
        }

        /** Waits until exactly {@code count} deliveries arrived, and returns them. */
        List<Got> awaitCount(int count) {
            eventually().until(() -> deliveries.size() >= count);
            assertThat(deliveries).hasSize(count);
            return List.copyOf(deliveries);
        }

        Got last() {
            return deliveries.get(deliveries.size() - 1);
        }
    }
}
