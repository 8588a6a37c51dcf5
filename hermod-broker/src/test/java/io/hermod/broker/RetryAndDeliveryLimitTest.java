package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code x-delivery-limit} with the {@code x-delivery-count} header, and Hermod's retry back-off ({@code
 * x-retry-delay}...): a message that comes back counts it, waits out its growing delay invisible to consumers, and
 * past the limit is dead-lettered with reason {@code delivery_limit}. Counts and due times survive a restart. Time is
 * the broker's clock, moved by the test.
 */
@Timeout(30)
class RetryAndDeliveryLimitTest extends ClockedBrokerTest {

    private void declare(String queue, Map<String, Object> arguments) {
        ch.declareQueue(new QueueSpec(queue, true, false, false, arguments));
    }

    private void publish(String queue, String body) {
        ch.publish(new Message(
                        "",
                        queue,
                        Map.of(),
                        true,
                        TablePropertiesFormat.properties(Map.of(), null),
                        body.getBytes(StandardCharsets.UTF_8)))
                .join();
    }

    /** Takes the next message unacknowledged, waiting for it. */
    private Delivery take(String queue) {
        Delivery[] got = new Delivery[1];
        eventually().until(() -> (got[0] = ch.get(queue, false).orElse(null)) != null);
        return got[0];
    }

    /**
     * Nacks with requeue and waits until the queue has taken it: the test moves the clock next, and the queue must
     * read the clock for the retry delay before that.
     */
    private void returnIt(String queue, Delivery d) {
        ch.nack(d.deliveryTag(), false, true);
        ch.declareQueuePassive(queue);
    }

    /** Whether nothing is ready now (after what was asked of the queue before is done: a declare's count). */
    private boolean nothingReady(String queue) {
        return ch.declareQueuePassive(queue).messageCount() == 0;
    }

    private static Object deliveryCount(Delivery d) {
        return TablePropertiesFormat.INSTANCE.headers(d.properties()).get("x-delivery-count");
    }

    private void deadLetterQueue() {
        ch.declareExchange(new ExchangeSpec("dlx", "fanout", true, false, false, Map.of()));
        declare("dlq", Map.of());
        ch.bindQueue("dlq", "dlx", "", Map.of());
    }

    @Test
    void eachReturnCountsAndPastTheLimitTheMessageIsDeadLettered() {
        deadLetterQueue();
        declare("work", Map.of("x-delivery-limit", 2, "x-dead-letter-exchange", "dlx"));
        publish("work", "poison");

        Delivery first = take("work");
        assertThat(deliveryCount(first)).as("a first delivery has no count").isNull();
        assertThat(first.redelivered()).isFalse();
        ch.nack(first.deliveryTag(), false, true);
        Delivery second = take("work");
        assertThat(deliveryCount(second)).isEqualTo(1L);
        assertThat(second.redelivered()).isTrue();
        ch.reject(second.deliveryTag(), true);
        Delivery third = take("work");
        assertThat(deliveryCount(third)).isEqualTo(2L);
        ch.nack(third.deliveryTag(), false, true);

        Delivery dead = take("dlq");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> deaths = (List<Map<String, Object>>)
                TablePropertiesFormat.INSTANCE.headers(dead.properties()).get("x-death");
        assertThat(deaths.get(0)).containsEntry("reason", "delivery_limit").containsEntry("queue", "work");
        assertThat(nothingReady("work")).isTrue();
    }

    @Test
    void withoutADeadLetterExchangeAMessagePastTheLimitIsDropped() {
        declare("work", Map.of("x-delivery-limit", 0));
        publish("work", "poison");
        ch.nack(take("work").deliveryTag(), false, true);
        assertThat(nothingReady("work")).isTrue();
    }

    @Test
    void aClosedChannelsReturnCountsToo() {
        declare("work", Map.of("x-delivery-limit", 5));
        publish("work", "m");
        Channel other = broker.connect(Broker.DEFAULT_VHOST, "crashing-worker").openChannel();
        Delivery[] got = new Delivery[1];
        eventually().until(() -> (got[0] = other.get("work", false).orElse(null)) != null);
        other.close();

        assertThat(deliveryCount(take("work"))).isEqualTo(1L);
    }

    @Test
    void deliveryCountsSurviveARestart() {
        declare("work", Map.of("x-delivery-limit", 5));
        publish("work", "m");
        ch.nack(take("work").deliveryTag(), false, true);
        ch.nack(take("work").deliveryTag(), false, true);

        restart();

        assertThat(deliveryCount(take("work"))).isEqualTo(2L);
    }

    @Test
    void queuesWithoutALimitOrBackOffAddNoCount() {
        declare("plain", Map.of());
        publish("plain", "m");
        ch.nack(take("plain").deliveryTag(), false, true);
        Delivery again = take("plain");
        assertThat(again.redelivered()).isTrue();
        assertThat(deliveryCount(again)).isNull();
    }

    @Test
    void aReturnedMessageWaitsOutAGrowingDelayInvisibleToConsumers() {
        declare("work", Map.of("x-retry-delay", 1_000, "x-retry-multiplier", 3));
        publish("work", "m");
        publish("work", "other");
        returnIt("work", take("work")); // m: waits 1 s
        Delivery other = take("work");
        assertThat(StandardCharsets.UTF_8.decode(other.body()).toString()).isEqualTo("other");
        ch.ack(other.deliveryTag(), false);
        assertThat(broker.vhost(Broker.DEFAULT_VHOST)
                        .orElseThrow()
                        .queueInfo("work")
                        .orElseThrow()
                        .messageCount())
                .as("a waiting message is not ready")
                .isZero();

        tick(1_000);
        assertThat(nothingReady("work"))
                .as("due at exactly the delay, not before")
                .isFalse();
        Delivery retried = take("work");
        assertThat(deliveryCount(retried)).isEqualTo(1L);
        returnIt("work", retried); // waits 3 s

        tick(2_999);
        assertThat(nothingReady("work")).isTrue();
        tick(1);
        assertThat(deliveryCount(take("work"))).isEqualTo(2L);
    }

    @Test
    void aWaitingMessageStillWaitsAfterARestartAndComesBackOnTime() {
        declare("work", Map.of("x-retry-delay", 10_000));
        publish("work", "m");
        ch.nack(take("work").deliveryTag(), false, true);

        restart();

        assertThat(nothingReady("work")).isTrue();
        tick(9_000);
        assertThat(nothingReady("work")).isTrue();
        tick(1_000);
        Delivery d = take("work");
        assertThat(deliveryCount(d)).isEqualTo(1L);
        assertThat(d.redelivered()).isTrue();
    }

    @Test
    void withBackOffAndALimitTheMessageEndsInTheDeadLetterQueue() {
        deadLetterQueue();
        declare("work", Map.of("x-retry-delay", 100, "x-delivery-limit", 1, "x-dead-letter-exchange", "dlx"));
        publish("work", "m");
        returnIt("work", take("work"));
        tick(100);
        ch.nack(take("work").deliveryTag(), false, true);

        take("dlq");
        assertThat(nothingReady("work")).isTrue();
    }

    @Test
    void theTimerReleasesAWaitingMessageWithoutTheTick() {
        broker.close();
        broker = Broker.open(BrokerConfig.of(dir).withThreads(2)); // the system clock: the timer acts alone
        broker.usePropertiesFormat(TablePropertiesFormat.INSTANCE);
        ch = broker.connect(Broker.DEFAULT_VHOST, "test").openChannel();
        declare("work", Map.of("x-retry-delay", 150));
        publish("work", "m");
        ch.nack(take("work").deliveryTag(), false, true);

        assertThat(deliveryCount(take("work"))).isEqualTo(1L);
    }
}
