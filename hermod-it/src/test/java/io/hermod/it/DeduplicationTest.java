package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code x-message-deduplication} with RabbitMQ's client: a repeated {@code message_id} is confirmed and dropped. */
class DeduplicationTest extends ServerTestSupport {

    @Test
    void aRepublishedMessageIdIsConfirmedAndDropped() throws Exception {
        Channel ch = channel();
        ch.confirmSelect();
        ch.queueDeclare("orders", true, false, false, Map.of("x-message-deduplication", true));
        AMQP.BasicProperties order = new AMQP.BasicProperties.Builder()
                .messageId("order-42")
                .deliveryMode(2)
                .build();
        ch.basicPublish("", "orders", order, bytes("order 42"));
        ch.basicPublish("", "orders", order, bytes("order 42, retried"));
        ch.basicPublish(
                "",
                "orders",
                new AMQP.BasicProperties.Builder()
                        .headers(Map.of("x-deduplication-header", "order-43"))
                        .build(),
                bytes("order 43"));
        assertThat(ch.waitForConfirms(5_000)).isTrue();

        assertThat(ch.messageCount("orders")).isEqualTo(2);
        assertThat(text(ch.basicGet("orders", true).getBody())).isEqualTo("order 42");
        assertThat(text(ch.basicGet("orders", true).getBody())).isEqualTo("order 43");
    }
}
