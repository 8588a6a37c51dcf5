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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The {@code x-delayed-message} exchange with RabbitMQ's Java client, as applications written for the delayed-message
 * plugin use it: declared with {@code x-delayed-type}, messages published with an {@code x-delay} header.
 */
class DelayedExchangeTest extends ServerTestSupport {

    private static AMQP.BasicProperties delay(int millis) {
        return new AMQP.BasicProperties.Builder()
                .headers(Map.of("x-delay", millis))
                .deliveryMode(2)
                .build();
    }

    @Test
    void messagesArriveWhenDueInDueOrderWithTheirDelayNegated() throws Exception {
        Channel ch = channel();
        ch.exchangeDeclare("delayed", "x-delayed-message", true, false, Map.of("x-delayed-type", "direct"));
        ch.queueDeclare("q", true, false, false, null);
        ch.queueBind("q", "delayed", "k");
        ch.confirmSelect();
        AtomicInteger returned = new AtomicInteger();
        ch.addReturnListener(r -> returned.incrementAndGet());

        long published = System.nanoTime();
        ch.basicPublish("delayed", "k", true, delay(1_200), bytes("second"));
        ch.basicPublish("delayed", "k", true, delay(600), bytes("first"));
        ch.basicPublish("delayed", "k", true, null, bytes("now"));
        ch.waitForConfirmsOrDie(5_000);

        List<String> got = new CopyOnWriteArrayList<>();
        List<Object> delays = new CopyOnWriteArrayList<>();
        List<Long> arrivedAfterMillis = new CopyOnWriteArrayList<>();
        ch.basicConsume("q", true, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                arrivedAfterMillis.add((System.nanoTime() - published) / 1_000_000);
                got.add(text(body));
                delays.add(
                        properties.getHeaders() == null
                                ? null
                                : properties.getHeaders().get("x-delay"));
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 3);

        assertThat(got).containsExactly("now", "first", "second");
        assertThat(arrivedAfterMillis.get(1)).isGreaterThanOrEqualTo(600);
        assertThat(arrivedAfterMillis.get(2)).isGreaterThanOrEqualTo(1_200);
        assertThat(delays.subList(1, 3)).containsExactly(-600, -1_200);
        assertThat(returned).as("mandatory delayed messages are not returned").hasValue(0);
    }

    @Test
    void aDeclareWithoutXDelayedTypeClosesTheChannelWith406() throws Exception {
        Channel ch = channel();
        String text = assertChannelError(
                406, () -> ch.exchangeDeclare("delayed", "x-delayed-message", true, false, Map.of()));
        assertThat(text).contains("Invalid argument, 'x-delayed-type' must be an existing exchange type");
        Channel next = channel();
        String unknown = assertChannelError(
                406,
                () -> next.exchangeDeclare(
                        "delayed", "x-delayed-message", true, false, Map.of("x-delayed-type", "nope")));
        assertThat(unknown).contains("unknown exchange type 'nope'");
        assertThat(connection.isOpen()).as("only the channel closes").isTrue();
    }
}
