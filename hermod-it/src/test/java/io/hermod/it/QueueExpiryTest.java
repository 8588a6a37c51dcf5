package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code x-expires} with RabbitMQ's client: an idle queue goes, and a passive declare then gets 404. */
class QueueExpiryTest extends ServerTestSupport {

    @Test
    void anIdleQueueExpiresAndAPassiveDeclareThenFindsNothing() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("short-lived", false, false, false, Map.of("x-expires", 500));
        ch.basicPublish("", "short-lived", null, bytes("gone with it"));

        // checked every second: within about 1.5 s
        await().atMost(Duration.ofSeconds(5))
                .until(() ->
                        broker.vhost("/").orElseThrow().queueInfo("short-lived").isEmpty());

        String text = assertChannelError(404, () -> channel().queueDeclarePassive("short-lived"));
        assertThat(text).contains("short-lived");
    }
}
