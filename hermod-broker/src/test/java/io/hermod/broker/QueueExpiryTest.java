package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code x-expires}, RabbitMQ's idle-queue expiry: a queue unused — no consumer, no polling get, no declare — for
 * longer than the argument's milliseconds is deleted with its messages. Time is the broker's clock, moved by the test.
 */
@Timeout(30)
class QueueExpiryTest {

    private static final long EXPIRES = 60_000;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private Broker broker;
    private Channel ch;

    @BeforeEach
    void open() {
        broker = BrokerFixture.openWithClock(dir, now);
        ch = broker.connect(Broker.DEFAULT_VHOST, "test").openChannel();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private void advance(long millis) {
        now.addAndGet(millis);
        broker.expire();
    }

    private boolean exists(String queue) {
        return broker.vhost(Broker.DEFAULT_VHOST).orElseThrow().queueInfo(queue).isPresent();
    }

    private void declare(String queue) {
        ch.declareQueue(new QueueSpec(queue, true, false, false, Map.of("x-expires", EXPIRES)));
    }

    @Test
    void anUnusedQueueGoesWithItsMessagesOnceItsExpiryHasPassed() {
        declare("idle");
        publish(ch, "", "idle", "m");

        advance(EXPIRES);
        assertThat(exists("idle")).as("exactly the expiry is still in time").isTrue();
        advance(1);
        assertThat(exists("idle")).isFalse();

        broker.close();
        broker = Broker.open(BrokerConfig.of(dir).withThreads(2));
        assertThat(exists("idle")).as("the deletion is in the definitions").isFalse();
    }

    @Test
    void aConsumerKeepsTheQueueAndTheExpiryCountsFromItsGoing() {
        declare("used");
        Received received = new Received();
        String tag = ch.consume("used", ConsumeOptions.manualAck(10), received);
        BrokerFixture.eventually()
                .until(() -> broker.vhost(Broker.DEFAULT_VHOST)
                                .orElseThrow()
                                .queueInfo("used")
                                .orElseThrow()
                                .consumerCount()
                        == 1);

        advance(Duration.ofHours(2).toMillis());
        assertThat(exists("used")).isTrue();

        ch.cancel(tag);
        BrokerFixture.eventually()
                .until(() -> broker.vhost(Broker.DEFAULT_VHOST)
                                .orElseThrow()
                                .queueInfo("used")
                                .orElseThrow()
                                .consumerCount()
                        == 0);
        advance(EXPIRES - 1_000);
        assertThat(exists("used")).isTrue();
        advance(2_000);
        assertThat(exists("used")).isFalse();
    }

    @Test
    void aGetOrADeclarePassiveOrNotStartsTheExpiryAgain() {
        declare("polled");
        advance(EXPIRES - 1);
        ch.get("polled", true);
        advance(EXPIRES - 1);
        ch.declareQueuePassive("polled");
        advance(EXPIRES - 1);
        declare("polled");
        advance(EXPIRES - 1);
        assertThat(exists("polled")).isTrue();
        advance(2);
        assertThat(exists("polled")).isFalse();
    }

    @Test
    void theExpiryKeepsWorkingAfterARestartAndCountsFromIt() {
        declare("restarted");
        advance(EXPIRES - 10);
        broker.close();
        broker = BrokerFixture.openWithClock(dir, now);

        advance(EXPIRES - 10);
        assertThat(exists("restarted"))
                .as("the expiry starts again at startup, as in RabbitMQ")
                .isTrue();
        advance(11);
        assertThat(exists("restarted")).isFalse();
    }

    @Test
    void aQueueWithoutTheArgumentNeverExpires() {
        ch.declareQueue(QueueSpec.durable("plain"));
        advance(Duration.ofDays(30).toMillis());
        assertThat(exists("plain")).isTrue();
    }
}
