package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.DeliverCallback;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Queue arguments through the RabbitMQ Java client: validation at declare (a 406 with RabbitMQ's text) and a single
 * active consumer with fail-over when the active consumer's connection goes.
 */
class QueueArgumentsTest extends ServerTestSupport {

    @Test
    void aDeclareWithAnInvalidArgumentIsAPreconditionFailureWithRabbitMqsText() throws Exception {
        String text = assertChannelError(
                406, () -> channel().queueDeclare("bad", true, false, false, Map.of("x-max-length", -1)));

        assertThat(text).contains("invalid arg 'x-max-length' for queue 'bad' in vhost '/': {value_negative,-1}");
        assertChannelError(404, () -> channel().queueDeclarePassive("bad"));
    }

    @Test
    void theArgumentsOfACommonDeclareAreAccepted() throws Exception {
        // as applications send them: an int, a long (the client's type for Long), a string
        channel()
                .queueDeclare(
                        "ok",
                        true,
                        false,
                        false,
                        Map.of("x-max-length", 1000, "x-message-ttl", 60_000L, "x-dead-letter-exchange", "dlx"));

        assertThat(channel().queueDeclarePassive("ok").getQueue()).isEqualTo("ok");
    }

    @Test
    void onlyTheActiveConsumerGetsMessagesAndTheNextTakesOverWhenItsConnectionCloses() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("sac", true, false, false, Map.of("x-single-active-consumer", true));
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        var firstConnection = newConnection();
        Channel firstChannel = firstConnection.createChannel();
        firstChannel.basicQos(10);
        firstChannel.basicConsume("sac", false, collect(first), tag -> {});
        Channel secondChannel = newConnection().createChannel();
        secondChannel.basicQos(10);
        secondChannel.basicConsume("sac", false, collect(second), tag -> {});

        for (int i = 1; i <= 4; i++) {
            ch.basicPublish("", "sac", null, bytes("m" + i));
        }
        await().until(() -> first.size() == 4);
        assertThat(second).isEmpty();

        firstConnection.close();

        await().until(() -> second.size() == 4);
        assertThat(second).containsExactly("m1", "m2", "m3", "m4");
    }

    private static DeliverCallback collect(List<String> into) {
        return (tag, delivery) -> into.add(text(delivery.getBody()));
    }
}
