package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code x-max-priority} with RabbitMQ's client: the {@code priority} property orders delivery, also of messages that
 * reach the queue dead-lettered or delayed (they keep their priority, as in RabbitMQ).
 */
class PriorityQueueTest extends ServerTestSupport {

    @Test
    void messagesComeOutByPriorityThenInOrder() throws Exception {
        Channel ch = channel();
        ch.confirmSelect();
        ch.queueDeclare("jobs", true, false, false, Map.of("x-max-priority", 10));
        int[] priorities = {0, 5, 9, 5, 20, 1};
        for (int i = 0; i < priorities.length; i++) {
            ch.basicPublish(
                    "",
                    "jobs",
                    new AMQP.BasicProperties.Builder()
                            .priority(priorities[i])
                            .deliveryMode(2)
                            .build(),
                    bytes("m" + i));
        }
        ch.basicPublish("", "jobs", null, bytes("none"));
        assertThat(ch.waitForConfirms(5_000)).isTrue();

        // 20 is above the maximum: it counts as 10, the highest; no priority counts as 0
        assertThat(drain(ch, "jobs")).containsExactly("m4", "m2", "m1", "m3", "m5", "m0", "none");
    }

    private static AMQP.BasicProperties priority(int priority, Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder()
                .priority(priority)
                .deliveryMode(2)
                .headers(headers)
                .build();
    }

    private static List<String> drain(Channel ch, String queue) throws Exception {
        List<String> order = new ArrayList<>();
        for (var r = ch.basicGet(queue, true); r != null; r = ch.basicGet(queue, true)) {
            order.add(text(r.getBody()));
        }
        return order;
    }

    @Test
    void deadLetteredMessagesKeepTheirPriority() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("parked", true, false, false, Map.of("x-max-priority", 10));
        ch.queueDeclare(
                "work",
                true,
                false,
                false,
                Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "parked"));
        ch.confirmSelect();
        ch.basicPublish("", "work", priority(1, null), bytes("low"));
        ch.basicPublish("", "work", priority(9, null), bytes("high"));
        ch.waitForConfirmsOrDie(5_000);

        for (int i = 0; i < 2; i++) { // low first: work is no priority queue
            ch.basicReject(ch.basicGet("work", false).getEnvelope().getDeliveryTag(), false);
        }
        await().until(() -> ch.messageCount("parked") == 2);

        assertThat(drain(ch, "parked")).containsExactly("high", "low");
    }

    @Test
    void delayedMessagesKeepTheirPriority() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("delayed", "x-delayed-message", true, false, Map.of("x-delayed-type", "direct"));
        ch.queueDeclare("jobs", true, false, false, Map.of("x-max-priority", 10));
        ch.queueBind("jobs", "delayed", "k");
        ch.confirmSelect();
        ch.basicPublish("delayed", "k", priority(1, Map.of("x-delay", 100)), bytes("low"));
        ch.basicPublish("delayed", "k", priority(9, Map.of("x-delay", 400)), bytes("high"));
        ch.waitForConfirmsOrDie(5_000);

        await().until(() -> ch.messageCount("jobs") == 2); // low fell due first

        assertThat(drain(ch, "jobs")).containsExactly("high", "low");
    }
}
