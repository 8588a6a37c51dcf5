package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** RabbitMQ's consumer extensions: priorities (x-priority), exclusive consumers, cancel notifications. */
class ConsumerTest extends ServerTestSupport {

    @Test
    void theHighestPriorityConsumerWithCreditGetsTheMessagesAndTheOthersGetTheRest() throws Exception {
        Channel setup = channel();
        setup.queueDeclare("prio", false, false, false, null);
        List<String> high = new CopyOnWriteArrayList<>();
        List<String> low = new CopyOnWriteArrayList<>();
        Channel highChannel = channel();
        highChannel.basicQos(3);
        highChannel.basicConsume("prio", false, Map.of("x-priority", 10), recordInto(highChannel, high));
        Channel lowChannel = channel();
        lowChannel.basicConsume("prio", false, Map.of("x-priority", 1), recordInto(lowChannel, low));

        for (int i = 0; i < 10; i++) {
            setup.basicPublish("", "prio", null, bytes("m" + i));
        }

        await().until(() -> high.size() + low.size() == 10);
        assertThat(high).containsExactly("m0", "m1", "m2");
        assertThat(low).hasSize(7);
    }

    private static DefaultConsumer recordInto(Channel ch, List<String> bodies) {
        return new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                bodies.add(text(body));
            }
        };
    }

    @Test
    void anExclusiveConsumerShutsOutOthersWithAccessRefused() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("solo", false, false, false, null);
        ch.basicConsume("solo", true, "owner", false, true, null, new DefaultConsumer(ch));

        assertChannelError(403, () -> channel().basicConsume("solo", true, (t, m) -> {}, t -> {}));
        assertChannelError(
                403, () -> channel().basicConsume("solo", true, "second", false, true, null, new DefaultConsumer(ch)));
    }

    @Test
    void anExclusiveConsumerIsRefusedWhileTheQueueHasConsumers() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("shared", false, false, false, null);
        ch.basicConsume("shared", true, (t, m) -> {}, t -> {});

        assertChannelError(
                403, () -> channel().basicConsume("shared", true, "excl", false, true, null, new DefaultConsumer(ch)));
    }

    @Test
    void deletingAQueueCancelsItsConsumersAndTellsThem() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("doomed", false, false, false, null);
        AtomicReference<String> cancelled = new AtomicReference<>();
        String tag = ch.basicConsume("doomed", true, new DefaultConsumer(ch) {
            @Override
            public void handleCancel(String consumerTag) {
                cancelled.set(consumerTag);
            }
        });

        channel().queueDelete("doomed");

        await().until(() -> tag.equals(cancelled.get()));
        assertThat(ch.isOpen()).isTrue();
    }
}
