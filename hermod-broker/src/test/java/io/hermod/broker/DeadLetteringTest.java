package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dead-lettering as RabbitMQ does it: a queue's rejected, expired and over-limit messages go to its dead-letter
 * exchange with their history in {@code x-death}, the expiration removed; cycles without a rejection drop the message.
 * Properties are a test format (the broker has no protocol here); time is the broker's clock, moved by the test.
 */
@Timeout(30)
class DeadLetteringTest extends ClockedBrokerTest {

    /** A durable queue with these arguments. */
    private void declare(String queue, Map<String, Object> arguments) {
        ch.declareQueue(new QueueSpec(queue, true, false, false, arguments));
    }

    /** A dead-letter exchange {@code dlx} (direct) with queue {@code dlq} bound by {@code key}. */
    private void deadLetterQueue(String key) {
        ch.declareExchange(new ExchangeSpec("dlx", "direct", true, false, false, Map.of()));
        declare("dlq", Map.of());
        ch.bindQueue("dlq", "dlx", key, Map.of());
    }

    /** As {@link #deadLetterQueue}, with {@code dlq} a priority queue of 10 levels. */
    private void priorityDeadLetterQueue(String key) {
        ch.declareExchange(new ExchangeSpec("dlx", "direct", true, false, false, Map.of()));
        declare("dlq", Map.of("x-max-priority", 10));
        ch.bindQueue("dlq", "dlx", key, Map.of());
    }

    private void publish(String routingKey, String body, Map<String, Object> headers, String expiration) {
        long ttl = expiration == null ? Message.NO_TTL : Long.parseLong(expiration);
        ch.publish(new Message(
                        "",
                        routingKey,
                        headers,
                        true,
                        TablePropertiesFormat.properties(headers, expiration),
                        body.getBytes(StandardCharsets.UTF_8),
                        ttl))
                .join();
    }

    private void publish(String routingKey, String body) {
        publish(routingKey, body, Map.of(), null);
    }

    private void publishWithPriority(String routingKey, String body, int priority) {
        ch.publish(new Message(
                        "",
                        routingKey,
                        Map.of(),
                        true,
                        TablePropertiesFormat.properties(Map.of(), null),
                        body.getBytes(StandardCharsets.UTF_8),
                        Message.NO_TTL,
                        priority))
                .join();
    }

    private long ready(String queue) {
        return broker.vhost(Broker.DEFAULT_VHOST)
                .orElseThrow()
                .queueInfo(queue)
                .orElseThrow()
                .messageCount();
    }

    /** Waits for one message in {@code queue}, takes it, and returns its body and properties. */
    private Delivery awaitOne(String queue) {
        Delivery[] got = new Delivery[1];
        eventually().until(() -> (got[0] = ch.get(queue, true).orElse(null)) != null);
        return got[0];
    }

    private static String body(Delivery d) {
        return StandardCharsets.UTF_8.decode(d.body().duplicate()).toString();
    }

    private static Map<String, Object> headers(Delivery d) {
        return TablePropertiesFormat.INSTANCE.headers(d.properties());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> deaths(Delivery d) {
        return (List<Map<String, Object>>) headers(d).get("x-death");
    }

    private Delivery consumeAndReject(String queue) {
        Delivery d = awaitOne(queue, false);
        ch.reject(d.deliveryTag(), false);
        return d;
    }

    private Delivery awaitOne(String queue, boolean autoAck) {
        Delivery[] got = new Delivery[1];
        eventually().until(() -> (got[0] = ch.get(queue, autoAck).orElse(null)) != null);
        return got[0];
    }

    @Test
    void aRejectedMessageGoesToTheDeadLetterExchangeWithItsHistory() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx"));
        publish("work", "m1", Map.of("app", "kept"), null);

        consumeAndReject("work");

        Delivery d = awaitOne("dlq");
        assertThat(body(d)).isEqualTo("m1");
        assertThat(d.exchange()).isEqualTo("dlx");
        assertThat(d.routingKey()).isEqualTo("work");
        assertThat(headers(d))
                .containsEntry("app", "kept")
                .containsEntry("x-first-death-reason", "rejected")
                .containsEntry("x-first-death-queue", "work")
                .containsEntry("x-first-death-exchange", "")
                .containsEntry("x-last-death-reason", "rejected");
        assertThat(deaths(d))
                .singleElement()
                .satisfies(death -> assertThat(death)
                        .containsEntry("count", 1L)
                        .containsEntry("reason", "rejected")
                        .containsEntry("queue", "work")
                        .containsEntry("exchange", "")
                        .containsEntry("routing-keys", List.of("work"))
                        .containsEntry("time", Instant.ofEpochSecond(now.get() / 1000))
                        .doesNotContainKey("original-expiration"));
        eventually().until(() -> ready("work") == 0 && ch.unackedCount() == 0);
    }

    @Test
    void theDeadLetterRoutingKeyReplacesTheMessagesOwn() {
        deadLetterQueue("parked");
        declare("work", Map.of("x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", "parked"));
        publish("work", "m1");
        consumeAndReject("work");

        Delivery d = awaitOne("dlq");
        assertThat(d.routingKey()).isEqualTo("parked");
        assertThat(deaths(d).get(0)).containsEntry("routing-keys", List.of("work"));
    }

    @Test
    void aRequeuedOrAcknowledgedMessageIsNotDeadLettered() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx"));
        publish("work", "m1");
        Delivery d = awaitOne("work", false);
        ch.nack(d.deliveryTag(), false, true);
        d = awaitOne("work", false);
        ch.ack(d.deliveryTag(), false);

        eventually().until(() -> ch.unackedCount() == 0 && ready("work") == 0);
        assertThat(ch.get("dlq", true)).isEmpty();
    }

    @Test
    void expiredMessagesAreDeadLetteredWithTheirOriginalExpiration() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx", "x-message-ttl", 60_000));
        publish("work", "queue-ttl");
        publish("work", "own-ttl", Map.of(), "1000");

        tick(1_001); // the own TTL is due; the timer takes it from behind a live message
        Delivery first = awaitOne("dlq");
        assertThat(body(first)).isEqualTo("own-ttl");
        assertThat(deaths(first).get(0))
                .containsEntry("reason", "expired")
                .containsEntry("original-expiration", "1000");
        assertThat(TablePropertiesFormat.INSTANCE.expiration(first.properties()))
                .as("the copy has no expiration")
                .isNull();

        tick(60_000);
        Delivery second = awaitOne("dlq");
        assertThat(body(second)).isEqualTo("queue-ttl");
        assertThat(deaths(second).get(0)).containsEntry("reason", "expired").doesNotContainKey("original-expiration");
        assertThat(ready("work")).isZero();
    }

    @Test
    void aMessageExpiredWhenTakenIsDeadLetteredNotDelivered() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx", "x-message-ttl", 1_000));
        publish("work", "stale");
        now.addAndGet(1_001); // no timer: the get finds it expired

        assertThat(ch.get("work", true)).isEmpty();
        assertThat(deaths(awaitOne("dlq")).get(0)).containsEntry("reason", "expired");
    }

    @Test
    void dropHeadDeadLettersTheOldestWithReasonMaxlen() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx", "x-max-length", 2));
        publish("work", "m1");
        publish("work", "m2");
        publish("work", "m3");

        Delivery d = awaitOne("dlq");
        assertThat(body(d)).isEqualTo("m1");
        assertThat(deaths(d).get(0)).containsEntry("reason", "maxlen");
        assertThat(ready("work")).isEqualTo(2);
    }

    @Test
    void rejectPublishDlxRefusesThePublishAndDeadLettersIt() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx", "x-max-length", 1, "x-overflow", "reject-publish-dlx"));
        publish("work", "m1");
        assertThatThrownBy(() -> publish("work", "m2"))
                .hasCauseInstanceOf(BrokerException.class)
                .hasMessageContaining("is full");

        Delivery d = awaitOne("dlq");
        assertThat(body(d)).isEqualTo("m2");
        assertThat(deaths(d).get(0)).containsEntry("reason", "maxlen").containsEntry("queue", "work");
        assertThat(ready("work")).isEqualTo(1);
    }

    @Test
    void rejectPublishWithoutDlxDeadLettersNothing() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx", "x-max-length", 1, "x-overflow", "reject-publish"));
        publish("work", "m1");
        assertThatThrownBy(() -> publish("work", "m2")).hasCauseInstanceOf(BrokerException.class);
        assertThat(ch.get("dlq", true)).isEmpty();
    }

    /**
     * The retry pattern: a worker rejects, the message waits out a TTL in a parking queue that dead-letters it back.
     * Each pass counts up its two x-death entries, the most recent first; the rejection keeps it from being a cycle.
     */
    @Test
    void aRetryLoopThroughARejectionCountsEachDeathAndIsNoCycle() {
        declare("work", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "wait"));
        declare(
                "wait",
                Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "work", "x-message-ttl", 5_000));
        publish("work", "job");

        for (int pass = 1; pass <= 3; pass++) {
            consumeAndReject("work");
            eventually().until(() -> ready("wait") == 1);
            tick(5_001);
            Delivery back = awaitOne("work", false);
            List<Map<String, Object>> deaths = deaths(back);
            assertThat(deaths).hasSize(2);
            assertThat(deaths.get(0))
                    .containsEntry("queue", "wait")
                    .containsEntry("reason", "expired")
                    .containsEntry("count", (long) pass);
            assertThat(deaths.get(1))
                    .containsEntry("queue", "work")
                    .containsEntry("reason", "rejected")
                    .containsEntry("count", (long) pass);
            assertThat(headers(back)).containsEntry("x-first-death-queue", "work");
            ch.nack(back.deliveryTag(), false, true); // back to the ready set for the next pass
        }
    }

    @Test
    void aCycleWithoutARejectionDropsTheMessage() {
        // a queue that dead-letters its expired messages to itself: RabbitMQ drops them on the second lap
        declare("loop", Map.of("x-dead-letter-exchange", "", "x-message-ttl", 1_000));
        publish("loop", "m1");

        tick(1_001);
        eventually().until(() -> ready("loop") == 0 && unacked("loop") == 0);
        tick(1_001);
        assertThat(ready("loop")).isZero();
        assertThat(ch.get("loop", true)).isEmpty();
    }

    @Test
    void aTwoQueueExpiryCycleDropsTheMessageWhenItComesBack() {
        declare("a", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "b", "x-message-ttl", 1_000));
        declare("b", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "a", "x-message-ttl", 1_000));
        publish("a", "m1");

        tick(1_001);
        eventually().until(() -> ready("b") == 1);
        tick(1_001);
        eventually().until(() -> ready("b") == 0 && unacked("b") == 0);
        assertThat(ready("a")).isZero();
    }

    private int unacked(String queue) {
        return broker.vhost(Broker.DEFAULT_VHOST).orElseThrow().queues().stream()
                .filter(q -> q.name().equals(queue))
                .findFirst()
                .orElseThrow()
                .unackedCount();
    }

    @Test
    void aMissingDeadLetterExchangeDropsTheMessage() {
        declare("work", Map.of("x-dead-letter-exchange", "nowhere"));
        publish("work", "m1");
        consumeAndReject("work");
        eventually().until(() -> ready("work") == 0 && unacked("work") == 0);
    }

    @Test
    void aDeadLetteredMessageSurvivesARestartInItsNewQueueAndNotInTheOld() {
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx"));
        publish("work", "m1");
        publish("work", "m2");
        consumeAndReject("work");
        eventually().until(() -> ready("dlq") == 1 && unacked("work") == 0);

        broker.close();
        start();

        assertThat(ready("work")).isEqualTo(1);
        assertThat(body(awaitOne("work"))).isEqualTo("m2");
        Delivery d = awaitOne("dlq");
        assertThat(body(d)).isEqualTo("m1");
        assertThat(deaths(d).get(0)).containsEntry("reason", "rejected");
    }

    @Test
    void withoutAPropertiesFormatTheCopyKeepsItsPropertiesAndStillRoutes() {
        broker.usePropertiesFormat(PropertiesFormat.OPAQUE);
        deadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx"));
        Map<String, Object> headers = new HashMap<>(Map.of("app", "kept"));
        publish("work", "m1", headers, null);
        consumeAndReject("work");

        Delivery d = awaitOne("dlq");
        assertThat(headers(d)).isEqualTo(Map.of("app", "kept"));
    }

    /** A queue {@code work} dead-lettering into a priority queue, with a low and then a high priority message. */
    private void lowThenHighInWork() {
        priorityDeadLetterQueue("work");
        declare("work", Map.of("x-dead-letter-exchange", "dlx"));
        publishWithPriority("work", "low", 1);
        publishWithPriority("work", "high", 9);
    }

    /** Rejects both messages of {@code work} (low first: no priority queue) and drains them from the dead letters. */
    private List<String> rejectBothAndDrainDeadLetters() {
        consumeAndReject("work");
        consumeAndReject("work");
        eventually().until(() -> ready("dlq") == 2);
        return BrokerFixture.drain(ch, "dlq");
    }

    @Test
    void aDeadLetteredCopyKeepsItsPriority() {
        lowThenHighInWork();

        assertThat(rejectBothAndDrainDeadLetters()).containsExactly("high", "low");
    }

    @Test
    void aMessageReadBackAfterARestartIsDeadLetteredWithItsPriority() {
        lowThenHighInWork();

        restart(); // the queue decodes both from its log

        assertThat(rejectBothAndDrainDeadLetters()).containsExactly("high", "low");
    }
}
