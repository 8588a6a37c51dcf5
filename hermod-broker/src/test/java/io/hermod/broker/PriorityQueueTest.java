package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code x-max-priority}: higher priorities first, first in first out within one; above the maximum counts as the
 * maximum, no priority as 0 (RabbitMQ's rules); a returned message goes back to the front of its level; the order
 * survives a restart.
 */
@Timeout(30)
class PriorityQueueTest extends ClockedBrokerTest {

    private void declare(String queue, int maxPriority) {
        ch.declareQueue(new QueueSpec(queue, true, false, false, Map.of("x-max-priority", maxPriority)));
    }

    private void publish(String queue, String body, int priority) {
        publish(queue, body, priority, Map.of());
    }

    private void publish(String queue, String body, int priority, Map<String, Object> headers) {
        ch.publish(new Message(
                        "",
                        queue,
                        headers,
                        true,
                        null,
                        body.getBytes(StandardCharsets.UTF_8),
                        Message.NO_TTL,
                        priority))
                .join();
    }

    private List<String> drain(String queue) {
        return BrokerFixture.drain(ch, queue);
    }

    private Delivery take(String queue) {
        return ch.get(queue, false).orElseThrow();
    }

    private static String body(Delivery d) {
        return StandardCharsets.UTF_8.decode(d.body().duplicate()).toString();
    }

    @Test
    void higherPrioritiesGoFirstAndEqualOnesInOrder() {
        declare("q", 10);
        publish("q", "a0", 0);
        publish("q", "b5", 5);
        publish("q", "c9", 9);
        publish("q", "d5", 5);
        publish("q", "e0", 0);

        assertThat(ch.declareQueuePassive("q").messageCount()).isEqualTo(5);
        assertThat(drain("q")).containsExactly("c9", "b5", "d5", "a0", "e0");
    }

    @Test
    void aboveTheMaximumCountsAsTheMaximum() {
        declare("q", 3);
        publish("q", "low", 1);
        publish("q", "over", 200);
        publish("q", "max", 3);

        assertThat(drain("q")).containsExactly("over", "max", "low");
    }

    @Test
    void aQueueWithoutTheArgumentKeepsArrivalOrder() {
        ch.declareQueue(QueueSpec.durable("plain"));
        publish("plain", "first", 0);
        publish("plain", "second", 9);
        assertThat(drain("plain")).containsExactly("first", "second");
    }

    @Test
    void aReturnedMessageGoesBackToTheFrontOfItsLevel() {
        declare("q", 10);
        publish("q", "b5", 5);
        publish("q", "low", 1);
        Delivery b = take("q");
        assertThat(body(b)).isEqualTo("b5");
        publish("q", "f5", 5);
        ch.nack(b.deliveryTag(), false, true);

        Delivery again = take("q");
        assertThat(body(again)).isEqualTo("b5");
        assertThat(again.redelivered()).isTrue();
        ch.ack(again.deliveryTag(), false);
        assertThat(drain("q")).containsExactly("f5", "low");
    }

    @Test
    void theOrderSurvivesARestart() {
        declare("q", 10);
        for (int i = 0; i < 30; i++) {
            publish("q", "m" + i, i % 3 * 4);
        }
        Delivery first = take("q"); // handed out and not acknowledged: back at the restart, flagged
        assertThat(body(first)).isEqualTo("m2");

        restart();

        List<String> expected = new ArrayList<>();
        for (int priority : new int[] {8, 4, 0}) {
            for (int i = 0; i < 30; i++) {
                if (i % 3 * 4 == priority) {
                    expected.add("m" + i);
                }
            }
        }
        assertThat(ch.declareQueuePassive("q").messageCount()).isEqualTo(30);
        assertThat(drain("q")).containsExactlyElementsOf(expected);
    }

    @Test
    void aConsumerGetsTheHighestReadyFirst() {
        declare("q", 10);
        publish("q", "low", 1);
        publish("q", "high", 9);
        BrokerFixture.Received received = new BrokerFixture.Received();
        ch.consume("q", ConsumeOptions.manualAck(10), received);
        assertThat(received.awaitCount(2)).extracting(BrokerFixture.Got::body).containsExactly("high", "low");
    }

    @Test
    void purgeEmptiesEveryLevel() {
        declare("q", 10);
        publish("q", "a", 1);
        publish("q", "b", 7);
        assertThat(ch.purgeQueue("q")).isEqualTo(2);
        assertThat(ch.declareQueuePassive("q").messageCount()).isZero();
        publish("q", "c", 3);
        assertThat(drain("q")).containsExactly("c");
    }

    @Test
    void expiryAndNotBeforeWorkInAPriorityQueue() {
        ch.declareQueue(new QueueSpec("q", true, false, false, Map.of("x-max-priority", 5, "x-message-ttl", 10_000)));
        publish("q", "old", 5);
        tick(5_000);
        publish("q", "young", 1);
        publish("q", "later", 5, Map.of("x-not-before", now.get() + 8_000)); // its age counts from now
        tick(5_001); // "old" is past the queue's TTL
        eventually().until(() -> ch.declareQueuePassive("q").messageCount() == 1);
        assertThat(drain("q")).containsExactly("young");
        tick(3_000);
        eventually().until(() -> ch.declareQueuePassive("q").messageCount() == 1);
        assertThat(drain("q")).containsExactly("later");
    }
}
