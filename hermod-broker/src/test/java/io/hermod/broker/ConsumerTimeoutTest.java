package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Got;
import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RabbitMQ's consumer timeout: a delivery left unacknowledged past it closes its channel with PRECONDITION_FAILED and
 * its messages go back to the queue. Time is the broker's clock, moved by the test; the checks run when the test asks
 * (and every second on their own, with the clock standing still).
 */
@Timeout(30)
class ConsumerTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private Broker broker;

    private Broker open(Duration timeout) {
        broker = Broker.open(BrokerConfig.of(dir)
                .withThreads(2)
                .withClock(() -> Instant.ofEpochMilli(now.get()))
                .withConsumerTimeout(timeout));
        return broker;
    }

    @AfterEach
    void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    private Channel channel() {
        return broker.connect(Broker.DEFAULT_VHOST, "test").openChannel();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toMillis());
        broker.checkConsumerTimeouts();
    }

    /** A manual-ack consumer on a new channel, and the reasons the broker gives for closing that channel. */
    private record Consumer(Channel channel, Received received, List<BrokerException> closedBecause) {}

    private Consumer consume(String queue, boolean autoAck) {
        Channel ch = channel();
        List<BrokerException> reasons = new CopyOnWriteArrayList<>();
        ch.onClosedByBroker(reasons::add);
        Received received = new Received();
        ch.consume(queue, new ConsumeOptions("", autoAck, false, 10, 0, Map.of()), received);
        return new Consumer(ch, received, reasons);
    }

    @Test
    void aDeliveryUnacknowledgedPastTheTimeoutClosesItsChannelAndGoesBackToTheQueue() {
        open(TIMEOUT);
        Channel setup = channel();
        setup.declareQueue(QueueSpec.durable("q"));
        publish(setup, "", "q", "m1");
        Consumer slow = consume("q", false);
        slow.received().awaitCount(1);

        advance(TIMEOUT);
        assertThat(slow.channel().isClosed())
                .as("exactly the timeout is still in time")
                .isFalse();

        advance(Duration.ofMillis(1));
        assertThat(slow.channel().isClosed()).isTrue();
        assertThat(slow.closedBecause()).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
            assertThat(e.getMessage()).contains("delivery acknowledgement timed out", "30000 ms");
        });

        Consumer next = consume("q", false);
        Got again = next.received().awaitCount(1).get(0);
        assertThat(again.body()).isEqualTo("m1");
        assertThat(again.redelivered()).isTrue();
    }

    @Test
    void theOldestUnacknowledgedDeliveryDecides() {
        open(TIMEOUT);
        Channel setup = channel();
        setup.declareQueue(QueueSpec.durable("q"));
        Consumer c = consume("q", false);
        publish(setup, "", "q", "first");
        c.received().awaitCount(1);
        now.addAndGet(20_000);
        publish(setup, "", "q", "second");
        c.received().awaitCount(2);
        advance(Duration.ofSeconds(5));
        c.channel().ack(c.received().deliveries.get(0).deliveryTag(), false); // acked 25 s after delivery

        advance(Duration.ofSeconds(20)); // first would be 45 s old; second is 25 s
        assertThat(c.channel().isClosed()).isFalse();
        advance(Duration.ofSeconds(6)); // second is 31 s old
        assertThat(c.channel().isClosed()).isTrue();
        assertThat(c.closedBecause()).hasSize(1);
    }

    @Test
    void acknowledgedOrAutoAcknowledgedDeliveriesNeverTimeOut() {
        open(TIMEOUT);
        Channel setup = channel();
        setup.declareQueue(QueueSpec.durable("manual"));
        setup.declareQueue(QueueSpec.durable("auto"));
        publish(setup, "", "manual", "m");
        publish(setup, "", "auto", "a");
        Consumer manual = consume("manual", false);
        Consumer auto = consume("auto", true);
        manual.channel().ack(manual.received().awaitCount(1).get(0).deliveryTag(), false);
        auto.received().awaitCount(1);

        advance(Duration.ofHours(2));

        assertThat(manual.channel().isClosed()).isFalse();
        assertThat(auto.channel().isClosed()).isFalse();
        assertThat(manual.closedBecause()).isEmpty();
    }

    @Test
    void aZeroTimeoutTurnsTheCheckOff() {
        open(Duration.ZERO);
        Channel setup = channel();
        setup.declareQueue(QueueSpec.durable("q"));
        publish(setup, "", "q", "m");
        Consumer c = consume("q", false);
        c.received().awaitCount(1);

        advance(Duration.ofDays(3));

        assertThat(c.channel().isClosed()).isFalse();
    }

    @Test
    void theDefaultIsRabbitMqsThirtyMinutes() {
        assertThat(BrokerConfig.of(dir).consumerTimeout()).isEqualTo(Duration.ofMinutes(30));
    }
}
