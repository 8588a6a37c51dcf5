package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

/** {@code x-max-length} with RabbitMQ's client: reject-publish nacks what does not fit; drop-head keeps the newest. */
class MaxLengthTest extends ServerTestSupport {

    @Test
    void rejectPublishNacksTheMessageThatDoesNotFit() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("bounded", true, false, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
        ConcurrentSkipListSet<Long> nacked = new ConcurrentSkipListSet<>();
        ch.addConfirmListener((tag, multiple) -> {}, (tag, multiple) -> nacked.add(tag));
        ch.confirmSelect();

        ch.basicPublish("", "bounded", null, bytes("fits"));
        ch.basicPublish("", "bounded", null, bytes("does not"));

        assertThat(ch.waitForConfirms(5_000)).as("all acked").isFalse();
        assertThat(nacked).containsExactly(2L);
        assertThat(ch.messageCount("bounded")).isEqualTo(1);
        assertThat(text(ch.basicGet("bounded", true).getBody())).isEqualTo("fits");
    }

    @Test
    void dropHeadKeepsTheNewest() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("window", false, false, false, Map.of("x-max-length", 2));
        ch.confirmSelect();
        for (String m : new String[] {"a", "b", "c"}) {
            ch.basicPublish("", "window", null, bytes(m));
        }
        assertThat(ch.waitForConfirms(5_000)).isTrue();
        assertThat(text(ch.basicGet("window", true).getBody())).isEqualTo("b");
        assertThat(text(ch.basicGet("window", true).getBody())).isEqualTo("c");
    }

    @Test
    void aByteLimitNacksWhatDoesNotFit() throws Exception {
        Channel ch = channel();
        ch.queueDeclare(
                "bytes", true, false, false, Map.of("x-max-length-bytes", 1000, "x-overflow", "reject-publish"));
        ConcurrentSkipListSet<Long> nacked = new ConcurrentSkipListSet<>();
        ch.addConfirmListener((tag, multiple) -> {}, (tag, multiple) -> nacked.add(tag));
        ch.confirmSelect();

        ch.basicPublish("", "bytes", null, new byte[1000]);
        ch.basicPublish("", "bytes", null, new byte[1]);

        assertThat(ch.waitForConfirms(5_000)).isFalse();
        assertThat(nacked).containsExactly(2L);
    }
}
