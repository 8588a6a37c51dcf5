package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The retry pattern with RabbitMQ's client and no extra queues: a consumer that fails nacks with requeue, Hermod
 * brings the message back after a growing delay with {@code x-delivery-count}, and past {@code x-delivery-limit} it
 * lands in the dead-letter queue with reason {@code delivery_limit}.
 */
class RetryAndDeliveryLimitTest extends ServerTestSupport {

    @Test
    void aFailingMessageIsRetriedWithBackOffThenDeadLettered() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("failed", false, false, false, null);
        ch.queueDeclare(
                "jobs",
                false,
                false,
                false,
                Map.of(
                        "x-retry-delay", 100,
                        "x-retry-multiplier", 2,
                        "x-delivery-limit", 3,
                        "x-dead-letter-exchange", "",
                        "x-dead-letter-routing-key", "failed"));
        List<Object> counts = new CopyOnWriteArrayList<>();
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        ch.basicQos(1);
        ch.basicConsume("jobs", false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
                    throws java.io.IOException {
                arrivals.add(System.nanoTime());
                counts.add(
                        props.getHeaders() == null ? null : props.getHeaders().get("x-delivery-count"));
                getChannel().basicNack(envelope.getDeliveryTag(), false, true); // always fails
            }
        });
        ch.basicPublish("", "jobs", null, bytes("flaky"));

        await().atMost(Duration.ofSeconds(10)).until(() -> ch.messageCount("failed") == 1);
        assertThat(counts).containsExactly(null, 1L, 2L, 3L);
        // back-off: 100, 200, 400 ms (the machine may add, never subtract)
        for (int i = 1; i < arrivals.size(); i++) {
            long gapMillis = (arrivals.get(i) - arrivals.get(i - 1)) / 1_000_000;
            assertThat(gapMillis).as("wait before delivery %d", i + 1).isGreaterThanOrEqualTo(100L << (i - 1));
        }
        var dead = ch.basicGet("failed", true);
        assertThat(dead.getProps().getHeaders().get("x-first-death-reason").toString())
                .isEqualTo("delivery_limit");
        assertThat(ch.messageCount("jobs")).isZero();
    }

    @Test
    void aMessageWithXNotBeforeWaitsInAnyQueueUntilThen() throws Exception {
        Channel ch = channel();
        ch.confirmSelect();
        ch.queueDeclare("plain", true, false, false, null);
        long at = System.currentTimeMillis() + 500;
        ch.basicPublish(
                "",
                "plain",
                new AMQP.BasicProperties.Builder()
                        .headers(Map.of("x-not-before", at))
                        .build(),
                bytes("at half a second"));
        assertThat(ch.waitForConfirms(5_000)).as("stored at once").isTrue();

        assertThat(ch.basicGet("plain", true)).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> ch.messageCount("plain") == 1);
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(at);
        assertThat(text(ch.basicGet("plain", true).getBody())).isEqualTo("at half a second");
    }
}
