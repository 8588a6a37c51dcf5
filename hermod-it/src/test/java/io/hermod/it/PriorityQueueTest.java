package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code x-max-priority} with RabbitMQ's client: the {@code priority} property orders delivery. */
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

        List<String> order = new ArrayList<>();
        for (var r = ch.basicGet("jobs", true); r != null; r = ch.basicGet("jobs", true)) {
            order.add(text(r.getBody()));
        }
        // 20 is above the maximum: it counts as 10, the highest; no priority counts as 0
        assertThat(order).containsExactly("m4", "m2", "m1", "m3", "m5", "m0", "none");
    }
}
