package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.eventually;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerFixture.Received;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenarios of the RabbitMQ Java client's own functional tests that need queues to act on time (DeadLetterExchange,
 * PerQueueTTL, Policies' expires), end to end on the system clock: the wiring of the queues' timers into the broker,
 * not their precision, which {@code io.hermod.broker.queue.QueueTimerTest} pins down on a test clock (the broker's
 * once-a-second tick would make any bound here either fragile or meaningless).
 */
@Timeout(30)
class PromptExpiryTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel ch;

    @BeforeEach
    void open() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        ch = fixture.channel();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void messagesWithATtlOfOneMillisecondReachTheDeadLetterQueue() {
        ch.declareExchange(new ExchangeSpec("dlx", "direct", false, false, false, Map.of()));
        ch.declareQueue(new QueueSpec("dlq", false, false, false, Map.of()));
        ch.bindQueue("dlq", "dlx", "q", Map.of());
        ch.declareQueue(
                new QueueSpec("q", false, false, false, Map.of("x-message-ttl", 1, "x-dead-letter-exchange", "dlx")));

        for (int i = 0; i < 10; i++) {
            publish(ch, "", "q", "m" + i);
        }

        fixture.awaitReady("dlq", 10);
        fixture.awaitReady("q", 0);
    }

    @Test
    void aQueueWithAShortExpiryGoesSoonAfterItsLastUse() {
        ch.declareQueue(new QueueSpec("idle", false, false, false, Map.of("x-expires", 100)));

        eventually().until(() -> fixture.vhost().queueInfo("idle").isEmpty());
    }

    @Test
    void everyMessageWithATtlOfZeroReachesAConsumerWaitingWithCredit() {
        // the AMQP probe that lost 71 of 200 (checked for expiry on their way out), in process; QueueHandsOutFirstTest
        // makes the clock move between append and hand-out every time
        ch.declareQueue(new QueueSpec("q", false, false, false, Map.of("x-message-ttl", 0)));
        Received received = new Received();
        ch.consume("q", ConsumeOptions.manualAck(0), received);

        for (int i = 0; i < 200; i++) {
            publish(ch, "", "q", "m" + i);
        }

        assertThat(received.awaitCount(200)).hasSize(200);
    }
}
