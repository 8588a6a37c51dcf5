package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code x-not-before} header, honoured by any queue: a message is stored at once (the publisher's confirm) and
 * becomes ready at that time, in milliseconds since the epoch or as an AMQP timestamp; the time survives a restart.
 */
@Timeout(30)
class NotBeforeTest extends ClockedBrokerTest {

    private void publish(String queue, String body, Object notBefore) {
        Map<String, Object> headers = notBefore == null ? Map.of() : Map.of("x-not-before", notBefore);
        ch.publish(new Message(
                        "",
                        queue,
                        headers,
                        true,
                        TablePropertiesFormat.properties(headers, null),
                        body.getBytes(StandardCharsets.UTF_8)))
                .join();
    }

    private long ready(String queue) {
        return ch.declareQueuePassive(queue).messageCount();
    }

    private List<String> drain(String queue) {
        return BrokerFixture.drain(ch, queue);
    }

    @Test
    void aMessageWaitsUntilItsTimeWhileLaterOnesGoFirst() {
        ch.declareQueue(QueueSpec.durable("q"));
        publish("q", "later", now.get() + 10_000);
        publish("q", "now", null);
        publish("q", "past", now.get() - 1);

        assertThat(drain("q")).containsExactly("now", "past");
        tick(9_999);
        assertThat(ready("q")).isZero();
        tick(1);
        eventually().until(() -> ready("q") == 1);
        assertThat(drain("q")).containsExactly("later");
    }

    @Test
    void anAmqpTimestampWorksToo() {
        ch.declareQueue(QueueSpec.durable("q"));
        publish("q", "m", Instant.ofEpochMilli(now.get()).plusSeconds(5));
        assertThat(ready("q")).isZero();
        tick(5_000);
        eventually().until(() -> ready("q") == 1);
    }

    @Test
    void theTimeSurvivesARestart() {
        ch.declareQueue(QueueSpec.durable("q"));
        publish("q", "m", now.get() + 60_000);

        restart();

        assertThat(ready("q")).isZero();
        assertThat(ch.get("q", true)).isEmpty();
        tick(60_000);
        eventually().until(() -> ready("q") == 1);
        Delivery d = ch.get("q", true).orElseThrow();
        assertThat(TablePropertiesFormat.INSTANCE.headers(d.properties())).doesNotContainKey("x-delivery-count");
    }

    @Test
    void aWaitingMessageIsDeliveredToAConsumerWhenItsTimeComes() {
        ch.declareQueue(QueueSpec.durable("q"));
        BrokerFixture.Received received = new BrokerFixture.Received();
        ch.consume("q", ConsumeOptions.manualAck(10), received);
        publish("q", "m", now.get() + 1_000);
        tick(500);
        assertThat(received.deliveries).isEmpty();
        tick(500);
        assertThat(received.awaitCount(1).get(0).body()).isEqualTo("m");
    }
}
