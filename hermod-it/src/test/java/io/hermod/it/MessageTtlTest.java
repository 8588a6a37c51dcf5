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
}
