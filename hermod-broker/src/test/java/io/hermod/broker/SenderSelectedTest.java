package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.drain;
import static io.hermod.broker.BrokerFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.definitions.TablePropertiesFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RabbitMQ's sender-selected distribution: the {@code CC} and {@code BCC} headers of a published message add routing
 * keys, through the same exchange, each queue reached once; {@code BCC} is gone from what queues store, {@code CC}
 * stays. A dead-lettered copy keeps its {@code CC} keys unless the queue has a dead-letter routing key; a delayed
 * message routes with all its keys when it falls due.
 */
@Timeout(30)
class SenderSelectedTest extends ClockedBrokerTest {

    private void queues(String... names) {
        for (String name : names) {
            ch.declareQueue(QueueSpec.durable(name));
        }
    }

    private void exchange(String name, String type) {
        ch.declareExchange(new ExchangeSpec(name, type, true, false, false, Map.of()));
    }

    /** Headers with {@code CC} and {@code BCC} (null: without that header) and one ordinary header. */
    private static Map<String, Object> headers(List<?> cc, List<?> bcc) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("app", "billing");
        if (cc != null) {
            headers.put("CC", cc);
        }
        if (bcc != null) {
            headers.put("BCC", bcc);
        }
        return headers;
    }

    private static Message message(String exchange, String routingKey, Map<String, Object> headers, String body) {
        return new Message(
                exchange,
                routingKey,
                headers,
                true,
                TablePropertiesFormat.properties(headers, null),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private PublishResult publish(String exchange, String routingKey, Map<String, Object> headers, String body) {
        return ch.publish(message(exchange, routingKey, headers, body)).join();
    }

    private Delivery awaitOne(String queue) {
        Delivery[] got = new Delivery[1];
        eventually().until(() -> (got[0] = ch.get(queue, true).orElse(null)) != null);
        return got[0];
    }

    private static Map<String, Object> deliveredHeaders(Delivery d) {
        return TablePropertiesFormat.INSTANCE.headers(d.properties());
    }

    @Test
    void ccAndBccKeysRouteThroughTheSameExchangeAndEachQueueGetsTheMessageOnce() {
        exchange("x", "direct");
        queues("a", "b", "c", "other");
        ch.bindQueue("a", "x", "ka", Map.of());
        ch.bindQueue("a", "x", "kb", Map.of()); // a is reached by two of the keys
        ch.bindQueue("b", "x", "kb", Map.of());
        ch.bindQueue("c", "x", "kc", Map.of());
        ch.bindQueue("other", "x", "ko", Map.of());

        PublishResult r = publish("x", "ka", headers(List.of("kb"), List.of("kc")), "m");

        assertThat(r.queues()).isEqualTo(3);
        assertThat(drain(ch, "a")).containsExactly("m");
        assertThat(drain(ch, "b")).containsExactly("m");
        assertThat(drain(ch, "c")).containsExactly("m");
        assertThat(drain(ch, "other")).isEmpty();
    }

    @Test
    void bccIsRemovedFromWhatQueuesStoreAndCcAndTheOtherHeadersStay() {
        queues("a", "b");

        publish("", "a", headers(List.of("b"), List.of("b")), "m");

        for (String queue : List.of("a", "b")) {
            Delivery d = awaitOne(queue);
            assertThat(d.routingKey()).isEqualTo("a");
            assertThat(deliveredHeaders(d))
                    .as("delivered from %s", queue)
                    .containsEntry("CC", List.of("b"))
                    .containsEntry("app", "billing")
                    .doesNotContainKey("BCC");
        }
    }

    @Test
    void whatAProtocolHandsBackWithoutRoutingHasNoBccAndKeepsTheRest() {
        Map<String, Object> headers = headers(List.of("b"), List.of("c"));
        Message published = new Message(
                "x",
                "a",
                headers,
                true,
                TablePropertiesFormat.properties(headers, "5000"),
                "m".getBytes(StandardCharsets.UTF_8),
                5_000,
                7);

        Message returned = ch.withoutBcc(published);

        assertThat(returned.headers()).containsEntry("CC", List.of("b")).doesNotContainKey("BCC");
        assertThat(TablePropertiesFormat.INSTANCE.headers(ByteBuffer.wrap(returned.properties())))
                .isEqualTo(Map.of("app", "billing", "CC", List.of("b")));
        assertThat(TablePropertiesFormat.INSTANCE.expiration(ByteBuffer.wrap(returned.properties())))
                .isEqualTo("5000");
        assertThat(returned)
                .extracting(
                        Message::exchange,
                        Message::routingKey,
                        Message::persistent,
                        Message::body,
                        Message::ttlMillis,
                        Message::priority)
                .containsExactly("x", "a", true, published.body(), 5_000L, 7);
        Message withoutBcc = message("x", "a", headers(List.of("b"), null), "m");
        assertThat(ch.withoutBcc(withoutBcc)).isSameAs(withoutBcc);
    }

    @Test
    void propertiesThatDoNotCarryTheHeadersAreLeftAsTheyAre() {
        // an embedded publisher's: the headers it hands the broker are not in its (empty) properties
        queues("a", "b");

        ch.publish(new Message("", "a", Map.of("BCC", List.of("b")), true, null, "m".getBytes(StandardCharsets.UTF_8)))
                .join();

        assertThat(awaitOne("a").properties().remaining()).isZero();
        assertThat(awaitOne("b").properties().remaining()).isZero();
    }

    @Test
    void theDefaultExchangeTakesEveryKeyAsAQueueName() {
        queues("a", "b", "c");

        PublishResult r = publish("", "nobody", headers(List.of("a", "b"), List.of("c", "missing")), "m");

        assertThat(r.queues()).isEqualTo(3);
        assertThat(drain(ch, "a")).containsExactly("m");
        assertThat(drain(ch, "b")).containsExactly("m");
        assertThat(drain(ch, "c")).containsExactly("m");
    }

    @Test
    void aTopicExchangeMatchesEachKeyAgainstItsPatterns() {
        exchange("t", "topic");
        queues("eu", "us", "all");
        ch.bindQueue("eu", "t", "orders.eu.*", Map.of());
        ch.bindQueue("us", "t", "orders.us.*", Map.of());
        ch.bindQueue("all", "t", "orders.#", Map.of());

        PublishResult r = publish("t", "orders.eu.created", headers(List.of("orders.us.created"), null), "m");

        assertThat(r.queues()).isEqualTo(3);
        assertThat(drain(ch, "all")).containsExactly("m");
    }

    @Test
    void aFanoutExchangeReachesEachOfItsQueuesOnceWhateverTheKeys() {
        exchange("f", "fanout");
        queues("a", "b");
        ch.bindQueue("a", "f", "", Map.of());
        ch.bindQueue("b", "f", "", Map.of());

        PublishResult r = publish("f", "k", headers(List.of("k1", "k2"), List.of("k3")), "m");

        assertThat(r.queues()).isEqualTo(2);
        assertThat(drain(ch, "a")).containsExactly("m");
    }

    @Test
    void aMessageRoutedByNoKeyIsUnroutableAndOneRoutedOnlyByABccKeyIsRouted() {
        exchange("x", "direct");
        queues("q");
        ch.bindQueue("q", "x", "secret", Map.of());

        assertThat(publish("x", "k", headers(List.of("k2"), List.of("k3")), "lost")
                        .routed())
                .isFalse();
        assertThat(publish("x", "k", headers(null, List.of("secret")), "found").routed())
                .isTrue();
        assertThat(drain(ch, "q")).containsExactly("found");
    }

    @Test
    void theKeysReachExchangesBoundToTheExchangeAndTheAlternateOnlyWhenNoKeyRoutes() {
        ch.declareExchange(new ExchangeSpec("ae", "fanout", true, false, false, Map.of()));
        ch.declareExchange(new ExchangeSpec("x", "direct", true, false, false, Map.of("alternate-exchange", "ae")));
        exchange("inner", "direct");
        queues("via-inner", "unrouted");
        ch.bindExchange("inner", "x", "to-inner", Map.of());
        ch.bindQueue("via-inner", "inner", "to-inner", Map.of());
        ch.bindQueue("unrouted", "ae", "", Map.of());

        publish("x", "nowhere", headers(List.of("to-inner"), null), "cc'd");
        publish("x", "nowhere", headers(List.of("nowhere-either"), null), "lost");

        assertThat(drain(ch, "via-inner")).containsExactly("cc'd");
        assertThat(drain(ch, "unrouted")).containsExactly("lost");
    }

    /** Headers-binding arguments that match a message having {@code header}, whatever its value. */
    private static Map<String, Object> present(String header) {
        Map<String, Object> arguments = new java.util.HashMap<>();
        arguments.put("x-match", "any");
        arguments.put(header, null);
        return arguments;
    }

    @Test
    void aHeadersExchangeMatchesWithoutBcc() {
        exchange("h", "headers");
        queues("saw-bcc", "saw-cc");
        ch.bindQueue("saw-bcc", "h", "", present("BCC"));
        ch.bindQueue("saw-cc", "h", "", present("CC"));

        publish("h", "", headers(List.of("q"), List.of("q")), "m");

        assertThat(drain(ch, "saw-cc")).containsExactly("m");
        assertThat(drain(ch, "saw-bcc")).isEmpty();
    }

    @Test
    void elementsThatAreNotStringsArePassedOver() {
        queues("a", "b");

        PublishResult r = publish("", "a", headers(List.of(5, "b", List.of("a")), null), "m");

        assertThat(r.queues()).isEqualTo(2);
    }

    @Test
    void aCcOrBccThatIsNotAnArrayMakesTheMessageInvalidAsInRabbitMq() {
        queues("a");

        assertThatThrownBy(() -> publish("", "a", Map.of("CC", "a"), "m"))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
                    assertThat(e.getMessage())
                            .isEqualTo("invalid message: {unacceptable_type_in_header,\"CC\",longstr}");
                });
        assertThatThrownBy(() -> publish("", "a", Map.of("BCC", 1L), "m"))
                .hasMessage("invalid message: {unacceptable_type_in_header,\"BCC\",long}");
        assertThat(drain(ch, "a")).isEmpty();
    }

    @Test
    void aDeadLetteredCopyRoutesWithItsCcKeysAgainAndRecordsThemInXDeath() {
        exchange("dlx", "direct");
        queues("dead-main", "dead-cc");
        ch.bindQueue("dead-main", "dlx", "main", Map.of());
        ch.bindQueue("dead-cc", "dlx", "copy", Map.of());
        ch.declareQueue(new QueueSpec("main", true, false, false, Map.of("x-dead-letter-exchange", "dlx")));

        publish("", "main", headers(List.of("copy"), List.of("hidden")), "m");
        Delivery got = ch.get("main", false).orElseThrow();
        ch.reject(got.deliveryTag(), false);

        Delivery dead = awaitOne("dead-main");
        assertThat(awaitOne("dead-cc").routingKey()).isEqualTo("main");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> deaths =
                (List<Map<String, Object>>) deliveredHeaders(dead).get("x-death");
        assertThat(deaths.get(0)).containsEntry("routing-keys", List.of("main", "copy"));
    }

    @Test
    void aDeadLetterRoutingKeyReplacesEveryKeyAndRemovesCc() {
        exchange("dlx", "direct");
        queues("dead", "dead-cc");
        ch.bindQueue("dead", "dlx", "dead", Map.of());
        ch.bindQueue("dead-cc", "dlx", "copy", Map.of());
        ch.declareQueue(new QueueSpec(
                "main",
                true,
                false,
                false,
                Map.of("x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", "dead")));

        publish("", "main", headers(List.of("copy"), null), "m");
        ch.reject(ch.get("main", false).orElseThrow().deliveryTag(), false);

        Delivery dead = awaitOne("dead");
        assertThat(deliveredHeaders(dead)).doesNotContainKey("CC");
        assertThat(drain(ch, "dead-cc")).isEmpty();
    }

    @Test
    void aDelayedMessageRoutesWithItsCcAndBccKeysWhenDue() {
        ch.declareExchange(
                new ExchangeSpec("dx", "x-delayed-message", true, false, false, Map.of("x-delayed-type", "direct")));
        queues("a", "b", "c");
        ch.bindQueue("a", "dx", "ka", Map.of());
        ch.bindQueue("b", "dx", "kb", Map.of());
        ch.bindQueue("c", "dx", "kc", Map.of());
        Map<String, Object> headers = headers(List.of("kb"), List.of("kc"));
        headers.put("x-delay", 1_000);

        publish("dx", "ka", headers, "later");
        tick(1_000);

        for (String queue : List.of("a", "b", "c")) {
            assertThat(deliveredHeaders(awaitOne(queue)))
                    .as("delivered from %s", queue)
                    .containsEntry("CC", List.of("kb"))
                    .doesNotContainKey("BCC");
        }
    }
}
