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
    void queueWorkAThreadDefersWaitsUntilItStartsIt() {
        open();
        // a protocol's session, whose publishes never wait (a publish that may wait runs the deferred work first)
        Channel ch = broker.connect("/", "test", "guest", false).openChannel();
        ch.declareQueue(QueueSpec.transientQueue("q")); // nothing waits for a disk
        var queue = broker.vhost("/").orElseThrow().queues().iterator().next();

        // When a thread that defers its queue work publishes, and then starts that work (as often as it takes for a
        // publish to find the queue idle: one that finds a run of the queue under way, say the declare's last, is
        // taken by that run)
        boolean sawItWait = false;
        int published = 0;
        while (!sawItWait && published < 100) {
            assertThat(broker.deferQueueWork()).isTrue();
            var result = ch.publish(Message.of("", "q", false, "one".getBytes(StandardCharsets.UTF_8)));
            published++;
            sawItWait = !result.isDone() && queue.messageCount() == published - 1;
            broker.runDeferredQueueWork();
            assertThat(result.join().routed()).isTrue();
            int expected = published;
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.messageCount() == expected);
        }

        // Then a publish waited for the thread to start the work (on itself, or on the queue pool when the machine's
        // CPU is busy: SerialExecutorTest has both), and every message got into the queue
        assertThat(sawItWait).isTrue();
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a wait for itself would not be interrupted
    void aCommandThatWaitsForAQueueRunsTheWorkItsThreadDeferredFirst() {
        open();
        Channel ch = broker.connect("/", "test", "guest", false).openChannel(); // its publishes never wait
        ch.declareQueue(QueueSpec.durable("q"));

        // When a thread that defers its queue work publishes, then gets from the queue (a command that waits for it)
        broker.deferQueueWork();
        ch.publish(persistent("", "q", "one"));
        var got = ch.get("q", true);

        // Then the command does not wait for itself: the publish went in first, and the thread no longer defers
        assertThat(got).map(BrokerTest::text).hasValue("one");
        assertThat(broker.deferQueueWork()).isTrue();
        broker.runDeferredQueueWork();
    }

    @Test
    void anEmbeddedConsumerCalledFromDeferredWorkIsOnABrokerThread() {
        open();
        Channel publisher = broker.connect("/", "protocol", "guest", false).openChannel();
        Channel consumer = channel();
        consumer.declareQueue(QueueSpec.transientQueue("q"));
        List<String> calls = new CopyOnWriteArrayList<>();
        consumer.consume(
                "q",
                ConsumeOptions.automaticAck(),
                d -> calls.add(Thread.currentThread().getName() + " " + Broker.onBrokerThread()));

        // When a protocol's thread publishes to the queue and then runs the queue's work itself (a run the queue had
        // scheduled already, for the new consumer, may still take a message on its pool thread: so until one reached
        // the consumer on this thread)
        String here = Thread.currentThread().getName();
        for (int i = 0; i < 100 && calls.stream().noneMatch(c -> c.startsWith(here + " ")); i++) {
            broker.deferQueueWork();
            publisher.publish(Message.of("", "q", false, "one".getBytes(StandardCharsets.UTF_8)));
            Broker.beforeWaiting();
            int delivered = i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == delivered);
        }

        // Then the embedded consumer was called on it, which counted as a broker thread meanwhile (its publishes never
        // wait on an alarm there), as it does on a queue thread; and the thread no longer counts as one
        assertThat(calls).contains(here + " true").allMatch(c -> c.endsWith(" true"));
        assertThat(Broker.onBrokerThread()).isFalse();
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
