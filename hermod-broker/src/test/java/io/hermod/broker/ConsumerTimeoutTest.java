package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Got;
import io.hermod.broker.BrokerFixture.Received;
import io.hermod.broker.definitions.PolicyDefinition;
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
 * its messages go back to the queue. The server's {@code consumer_timeout}, and RabbitMQ 3.12's per queue: the queue
 * argument {@code x-consumer-timeout} and the policy key {@code consumer-timeout}, the lower of the two, which override
 * the server's for deliveries from that queue. Time is the broker's clock, moved by the test; the checks run when the
 * test asks (and every second on their own, with the clock standing still).
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
    private record Consumer(Channel channel, Received received, List<ChannelCloseReason> closedBecause) {}

    private Consumer consume(String queue, boolean autoAck) {
        Channel ch = channel();
        List<ChannelCloseReason> reasons = new CopyOnWriteArrayList<>();
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
        assertThat(slow.closedBecause()).singleElement().satisfies(reason -> {
            assertThat(reason).isEqualTo(new ChannelCloseReason.AckTimedOut(30_000));
            assertThat(reason.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
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

    // ------------------------------------------------------------------ per queue (RabbitMQ 3.12+)

    private void declare(Channel ch, String queue, Object timeout) {
        ch.declareQueue(new QueueSpec(queue, true, false, false, Map.of("x-consumer-timeout", timeout)));
    }

    private void policy(String name, String pattern, Map<String, Object> definition, boolean operator) {
        broker.setPolicy(new PolicyDefinition("/", name, pattern, "queues", 0, definition, operator));
    }

    /** A consumer with one delivery from {@code queue} out, unacknowledged. */
    private Consumer holdingOne(Channel setup, String queue) {
        publish(setup, "", queue, "m");
        Consumer c = consume(queue, false);
        c.received().awaitCount(1);
        return c;
    }

    @Test
    void aQueuesOwnTimeoutOverridesTheServersForItsDeliveries() {
        open(TIMEOUT);
        Channel setup = channel();
        declare(setup, "short", 5_000);
        declare(setup, "long", 60_000L);
        Consumer onShort = holdingOne(setup, "short");
        Consumer onLong = holdingOne(setup, "long");

        advance(Duration.ofMillis(5_001));
        assertThat(onShort.channel().isClosed()).isTrue();
        assertThat(onShort.closedBecause()).containsExactly(new ChannelCloseReason.AckTimedOut(5_000));

        advance(Duration.ofSeconds(30));
        assertThat(onLong.channel().isClosed())
                .as("35 s: past the server's 30 s, within the queue's 60 s")
                .isFalse();
        advance(Duration.ofSeconds(25));
        assertThat(onLong.channel().isClosed()).isTrue();
        assertThat(onLong.closedBecause()).containsExactly(new ChannelCloseReason.AckTimedOut(60_000));
    }

    @Test
    void aQueuesTimeoutAppliesWhileTheServersIsOff() {
        open(Duration.ZERO);
        Channel setup = channel();
        declare(setup, "q", 1_000);
        Consumer c = holdingOne(setup, "q");

        advance(Duration.ofMillis(1_001));

        assertThat(c.channel().isClosed()).isTrue();
        Got again = consume("q", false).received().awaitCount(1).get(0);
        assertThat(again.redelivered()).isTrue();
    }

    @Test
    void aQueueTimeoutOfZeroMeansNoLimitForItsDeliveries() {
        open(TIMEOUT);
        Channel setup = channel();
        declare(setup, "q", 0);
        Consumer c = holdingOne(setup, "q");

        advance(Duration.ofDays(2));

        assertThat(c.channel().isClosed()).isFalse();
    }

    @Test
    void aPolledDeliveryTimesOutByItsQueuesTimeout() {
        open(TIMEOUT);
        Channel setup = channel();
        declare(setup, "q", 2_000);
        publish(setup, "", "q", "m");
        Channel getter = channel();
        List<ChannelCloseReason> reasons = new CopyOnWriteArrayList<>();
        getter.onClosedByBroker(reasons::add);
        assertThat(getter.get("q", false)).isPresent();

        advance(Duration.ofMillis(2_001));

        assertThat(getter.isClosed()).isTrue();
        assertThat(reasons).containsExactly(new ChannelCloseReason.AckTimedOut(2_000));
    }

    @Test
    void theOldestDeliveryDecidesWithItsOwnQueuesTimeoutAsInRabbitMq() {
        open(TIMEOUT);
        Channel setup = channel();
        declare(setup, "patient", 600_000);
        declare(setup, "hasty", 1_000);
        publish(setup, "", "patient", "p");
        publish(setup, "", "hasty", "h");
        Channel both = channel();
        Received received = new Received();
        both.consume("patient", new ConsumeOptions("", false, false, 10, 0, Map.of()), received);
        received.awaitCount(1);
        now.addAndGet(1);
        both.consume("hasty", new ConsumeOptions("", false, false, 10, 0, Map.of()), received);
        received.awaitCount(2);

        advance(Duration.ofSeconds(5));
        assertThat(both.isClosed())
                .as("the oldest delivery is the patient queue's, 5 s into its 10 minutes")
                .isFalse();

        both.ack(received.deliveries.get(0).deliveryTag(), false);
        advance(Duration.ofSeconds(1));
        assertThat(both.isClosed())
                .as("now the hasty queue's is the oldest, 6 s into its 1 s")
                .isTrue();
    }

    @Test
    void aPolicysConsumerTimeoutAppliesToDeliveriesAlreadyOutAndTheLowerOfArgumentAndPolicyWins() {
        open(TIMEOUT);
        Channel setup = channel();
        setup.declareQueue(QueueSpec.durable("plain"));
        declare(setup, "own", 4_000);
        Consumer onPlain = holdingOne(setup, "plain");
        Consumer onOwn = holdingOne(setup, "own");

        policy("timeouts", "^(plain|own)$", Map.of("consumer-timeout", 8_000), false);
        advance(Duration.ofMillis(4_001));
        assertThat(onOwn.channel().isClosed())
                .as("the argument's 4 s is lower than the policy's 8 s")
                .isTrue();
        assertThat(onPlain.channel().isClosed()).isFalse();
        advance(Duration.ofMillis(4_000));
        assertThat(onPlain.channel().isClosed())
                .as("the policy's 8 s, not the server's 30 s")
                .isTrue();
        assertThat(onPlain.closedBecause()).containsExactly(new ChannelCloseReason.AckTimedOut(8_000));
    }

    @Test
    void clearingThePolicyGivesTheServersTimeoutBack() {
        open(TIMEOUT);
        Channel setup = channel();
        setup.declareQueue(QueueSpec.durable("q"));
        policy("generous", "^q$", Map.of("consumer-timeout", 3_600_000), false);
        Consumer c = holdingOne(setup, "q");
        advance(Duration.ofMinutes(10));
        assertThat(c.channel().isClosed()).isFalse();

        broker.clearPolicy("/", "generous", false);
        broker.checkConsumerTimeouts();

        assertThat(c.channel().isClosed()).isTrue();
    }

    @Test
    void aConsumerTimeoutPolicyIsCheckedAndIsNoOperatorPolicyKey() {
        open(TIMEOUT);

        assertFails(
                ErrorCode.PRECONDITION_FAILED, () -> policy("negative", ".*", Map.of("consumer-timeout", -1), false));
        assertFails(
                ErrorCode.PRECONDITION_FAILED, () -> policy("text", ".*", Map.of("consumer-timeout", "60000"), false));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> policy("ops", ".*", Map.of("consumer-timeout", 60_000), true));
        assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> channel().declareQueue(new QueueSpec("q", true, false, false, Map.of("x-consumer-timeout", -1))));
    }
}
