package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code x-message-deduplication} on queues and exchanges: a message whose key (its {@code x-deduplication-header},
 * else its message id) was taken within the window (by count, {@code x-cache-size}, and by time, {@code x-cache-ttl})
 * is dropped; the window survives a restart; a publish that failed leaves no key behind.
 */
@Timeout(30)
class DeduplicationTest extends ClockedBrokerTest {

    private PublishResult publishId(String exchange, String routingKey, String body, String messageId) {
        return ch.publish(new Message(
                        exchange,
                        routingKey,
                        Map.of(),
                        true,
                        TablePropertiesFormat.withMessageId(messageId),
                        body.getBytes(StandardCharsets.UTF_8)))
                .join();
    }

    private PublishResult publishHeader(String queue, String body, Object key) {
        Map<String, Object> headers = Map.of("x-deduplication-header", key);
        return ch.publish(new Message(
                        "",
                        queue,
                        headers,
                        true,
                        TablePropertiesFormat.properties(headers, null),
                        body.getBytes(StandardCharsets.UTF_8)))
                .join();
    }

    private void declare(String queue, Map<String, Object> arguments) {
        ch.declareQueue(new QueueSpec(queue, true, false, false, arguments));
    }

    private List<String> drain(String queue) {
        return BrokerFixture.drain(ch, queue);
    }

    @Test
    void aQueueDropsARepeatedMessageIdOrKeyHeader() {
        declare("q", Map.of("x-message-deduplication", true));
        publishId("", "q", "a", "id-1");
        publishId("", "q", "a-again", "id-1");
        publishHeader("q", "h", "key-1");
        publishHeader("q", "h-again", "key-1");
        publishId("", "q", "b", "id-2");

        assertThat(drain("q")).containsExactly("a", "h", "b");
        publishId("", "q", "a-after-consumption", "id-1");
        assertThat(drain("q"))
                .as("the window is by time and count, not by presence")
                .isEmpty();
    }

    @Test
    void messagesWithoutAKeyAreNeverDuplicates() {
        declare("q", Map.of("x-message-deduplication", true));
        ch.publish(Message.of("", "q", true, new byte[] {1})).join();
        ch.publish(Message.of("", "q", true, new byte[] {1})).join();
        assertThat(ch.declareQueuePassive("q").messageCount()).isEqualTo(2);
    }

    @Test
    void theWindowKeepsAtMostCacheSizeKeysAndNoneOlderThanTheTtl() {
        declare("q", Map.of("x-message-deduplication", true, "x-cache-size", 2, "x-cache-ttl", 10_000));
        publishId("", "q", "1", "a");
        publishId("", "q", "2", "b");
        publishId("", "q", "3", "c"); // a leaves the window
        publishId("", "q", "4", "a");
        publishId("", "q", "5", "c");
        assertThat(drain("q")).containsExactly("1", "2", "3", "4");

        tick(10_000);
        publishId("", "q", "6", "a"); // older than the TTL: gone
        assertThat(drain("q")).containsExactly("6");
    }

    @Test
    void theWindowSurvivesARestart() {
        declare("q", Map.of("x-message-deduplication", true));
        ch.declareExchange(
                new ExchangeSpec("x", "fanout", true, false, false, Map.of("x-message-deduplication", true)));
        ch.bindQueue("q", "x", "", Map.of());
        publishId("", "q", "a", "id-1");
        publishId("x", "", "x", "id-x");

        restart();

        publishId("", "q", "a-again", "id-1");
        assertThat(publishId("x", "", "x-again", "id-x").duplicate()).isTrue();
        assertThat(drain("q")).containsExactly("a", "x");
    }

    @Test
    void anExchangeDropsADuplicateBeforeRoutingAndSaysSo() {
        declare("q1", Map.of());
        declare("q2", Map.of());
        ch.declareExchange(
                new ExchangeSpec("x", "fanout", true, false, false, Map.of("x-message-deduplication", true)));
        ch.bindQueue("q1", "x", "", Map.of());
        ch.bindQueue("q2", "x", "", Map.of());

        PublishResult first = publishId("x", "", "m", "id-1");
        PublishResult second = publishId("x", "", "m-again", "id-1");

        assertThat(first.queues()).isEqualTo(2);
        assertThat(second.duplicate()).isTrue();
        assertThat(second.routed()).as("not returned to a mandatory publisher").isTrue();
        assertThat(drain("q1")).containsExactly("m");
        assertThat(drain("q2")).containsExactly("m");
    }

    @Test
    void aPublishRefusedByAFullQueueLeavesNoKeySoItsRetryGetsIn() {
        declare("q", Map.of("x-message-deduplication", true, "x-max-length", 1, "x-overflow", "reject-publish"));
        publishId("", "q", "first", "id-1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> publishId("", "q", "refused", "id-2"))
                .hasCauseInstanceOf(BrokerException.class);
        drain("q");
        publishId("", "q", "retried", "id-2");
        assertThat(drain("q")).containsExactly("retried");
    }

    @Test
    void badArgumentsAreRefused() {
        assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> declare("q", Map.of("x-message-deduplication", true, "x-cache-size", 0)));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> declare("q", Map.of("x-message-deduplication", "yes")));
        Channel other = broker.connect(Broker.DEFAULT_VHOST, "other").openChannel();
        assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> other.declareExchange(new ExchangeSpec(
                        "x",
                        "direct",
                        true,
                        false,
                        false,
                        Map.of("x-message-deduplication", true, "x-cache-ttl", -1))));
    }
}
