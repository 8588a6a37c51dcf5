package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class BrokerTest {

    @TempDir
    Path dir;

    private Broker broker;

    @AfterEach
    void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    private Broker open() {
        broker = Broker.open(BrokerConfig.of(dir));
        return broker;
    }

    private Channel channel() {
        return broker.connect("/", "test").openChannel();
    }

    private static Message persistent(String exchange, String key, String body) {
        return Message.of(exchange, key, true, body.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Delivery d) {
        return StandardCharsets.UTF_8.decode(d.body().duplicate()).toString();
    }

    @Test
    void aMessagePublishedToTheDefaultExchangeReachesTheQueueNamedByItsKey() {
        open();
        Channel ch = channel();
        ch.declareQueue(QueueSpec.durable("orders"));

        PublishResult result = ch.publish(persistent("", "orders", "one")).join();

        assertThat(result.routed()).isTrue();
        Delivery d = ch.get("orders", false).orElseThrow();
        assertThat(text(d)).isEqualTo("one");
        assertThat(d.redelivered()).isFalse();
        assertThat(d.exchange()).isEmpty();
        assertThat(d.routingKey()).isEqualTo("orders");
        ch.ack(d.deliveryTag(), false);
        assertThat(ch.get("orders", false)).isEmpty();
    }

    @Test
    void aConsumerReceivesMessagesInOrderAndAcknowledgesThem() {
        open();
        Channel ch = channel();
        ch.declareQueue(QueueSpec.durable("q"));
        List<Delivery> got = new CopyOnWriteArrayList<>();
        ch.consume("q", ConsumeOptions.manualAck(10), d -> {
            got.add(new Delivery(
                    d.consumerTag(),
                    d.deliveryTag(),
                    d.redelivered(),
                    d.exchange(),
                    d.routingKey(),
                    d.properties(),
                    java.nio.ByteBuffer.wrap(text(d).getBytes(StandardCharsets.UTF_8)),
                    -1));
            ch.ack(d.deliveryTag(), false);
        });
        for (int i = 0; i < 100; i++) {
            ch.publish(persistent("", "q", "m" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 100);
        assertThat(got)
                .extracting(BrokerTest::text)
                .containsExactly(java.util.stream.IntStream.range(0, 100)
                        .mapToObj(i -> "m" + i)
                        .toArray(String[]::new));
        await().until(() ->
                broker.vhost("/").orElseThrow().queueInfo("q").orElseThrow().messageCount() == 0);
    }

    @Test
    void confirmedPersistentMessagesAndDurableDefinitionsSurviveARestartAndUnackedOnesComeBackRedelivered() {
        open();
        Channel ch = channel();
        ch.declareExchange(ExchangeSpec.durable("events", "topic"));
        ch.declareQueue(QueueSpec.durable("audit"));
        ch.declareQueue(QueueSpec.transientQueue("scratch"));
        ch.bindQueue("audit", "events", "order.#", Map.of());
        for (int i = 0; i < 5; i++) {
            ch.publish(persistent("events", "order.created", "e" + i)).join();
        }
        ch.publish(Message.of("events", "order.created", false, "transient".getBytes(StandardCharsets.UTF_8)))
                .join();
        Delivery first = ch.get("audit", false).orElseThrow();
        ch.ack(first.deliveryTag(), false);
        Delivery second = ch.get("audit", false).orElseThrow(); // unacked at shutdown
        assertThat(text(second)).isEqualTo("e1");
        broker.close();

        open();
        VirtualHost vhost = broker.vhost("/").orElseThrow();
        assertThat(vhost.queueNames()).containsExactly("audit");
        assertThat(vhost.exchangeNames()).contains("events");
        assertThat(vhost.bindings()).hasSize(1);
        assertThat(vhost.queueInfo("audit").orElseThrow().messageCount()).isEqualTo(4);
        Channel again = channel();
        Delivery d = again.get("audit", true).orElseThrow();
        assertThat(text(d)).isEqualTo("e1");
        assertThat(d.redelivered()).isTrue();
        // routing still works after recovery
        again.publish(persistent("events", "order.paid", "later")).join();
        assertThat(vhost.queueInfo("audit").orElseThrow().messageCount()).isEqualTo(4);
    }

    @Test
    void aMismatchedRedeclareIsAPreconditionFailure() {
        open();
        Channel ch = channel();
        ch.declareQueue(QueueSpec.durable("q"));
        assertThatThrownBy(() -> ch.declareQueue(QueueSpec.transientQueue("q")))
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED))
                .hasMessageContaining("inequivalent arg 'durable'");
    }
}
