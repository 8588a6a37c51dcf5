package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Delivery tags reach the client in order even when several queues deliver to one channel at once: the client (and
 * an ack with multiple) relies on it, as on RabbitMQ, whose channel process sends them in order.
 */
class DeliveryTagOrderTest extends ServerTestSupport {

    private static final int PER_QUEUE = 20_000;

    @Test
    void tagsArriveInOrderFromConsumersOnSeveralQueues() throws Exception {
        Channel publisher = channel();
        Channel ch = channel();
        List<Long> tags = new CopyOnWriteArrayList<>();
        for (String q : List.of("left", "right", "middle")) {
            ch.queueDeclare(q, false, false, false, null);
            ch.basicConsume(q, false, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body)
                        throws java.io.IOException {
                    tags.add(envelope.getDeliveryTag());
                    if (envelope.getDeliveryTag() % 50 == 0) {
                        getChannel().basicAck(envelope.getDeliveryTag(), true);
                    }
                }
            });
        }
        byte[] body = bytes("m");
        for (int i = 0; i < PER_QUEUE; i++) {
            publisher.basicPublish("", "left", null, body);
            publisher.basicPublish("", "right", null, body);
            publisher.basicPublish("", "middle", null, body);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> tags.size() == 3 * PER_QUEUE);
        for (int i = 0; i < tags.size(); i++) {
            assertThat(tags.get(i)).as("the delivery at position %d", i).isEqualTo(i + 1L);
        }
        assertThat(ch.isOpen())
                .as("no ack settled a tag the client had not seen")
                .isTrue();
    }
}
