package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code x-message-ttl} with RabbitMQ's client: a message left unconsumed past the queue's TTL is gone. */
class MessageTtlTest extends ServerTestSupport {

    @Test
    void aMessageOlderThanTheQueuesTtlIsGoneWithoutAConsumer() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("fleeting", false, false, false, Map.of("x-message-ttl", 200));
        ch.basicPublish("", "fleeting", null, bytes("soon gone"));
        ch.queueDeclare("lasting", false, false, false, Map.of("x-message-ttl", 600_000));
        ch.basicPublish("", "lasting", null, bytes("stays"));

        // dropped by the broker's once-a-second check, no consumer needed
        await().atMost(Duration.ofSeconds(5)).until(() -> ch.messageCount("fleeting") == 0);
        assertThat(ch.basicGet("fleeting", true)).isNull();
        assertThat(text(ch.basicGet("lasting", true).getBody())).isEqualTo("stays");
    }

    @Test
    void aMessagesExpirationPropertyIsItsTtl() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("own-ttl", false, false, false, null);
        ch.basicPublish(
                "",
                "own-ttl",
                new com.rabbitmq.client.AMQP.BasicProperties.Builder()
                        .expiration("200")
                        .build(),
                bytes("brief"));
        ch.basicPublish("", "own-ttl", null, bytes("lasting"));

        await().atMost(Duration.ofSeconds(5)).until(() -> ch.messageCount("own-ttl") == 1);
        assertThat(text(ch.basicGet("own-ttl", true).getBody())).isEqualTo("lasting");
    }

    @Test
    void anInvalidExpirationClosesTheChannelWith406() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("own-ttl", false, false, false, null);
        String text = assertChannelError(406, () -> {
            ch.basicPublish(
                    "",
                    "own-ttl",
                    new com.rabbitmq.client.AMQP.BasicProperties.Builder()
                            .expiration("-5")
                            .build(),
                    bytes("bad"));
            ch.queueDeclarePassive("own-ttl"); // a round trip: the channel error arrives
        });
        assertThat(text).contains("invalid expiration '-5': {value_negative,-5}");
    }
}
