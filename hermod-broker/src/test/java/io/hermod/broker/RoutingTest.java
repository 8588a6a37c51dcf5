package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.drain;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing through the broker: the default exchange, each exchange type with real queues behind it, internal
 * exchanges, unroutable messages. Exchange-to-exchange bindings and alternate exchanges are in
 * {@link ExchangeToExchangeTest}; binding rules in {@link BindingTest}.
 */
@Timeout(30)
class RoutingTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel ch;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        ch = fixture.channel();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void queues(String... names) {
        for (String name : names) {
            ch.declareQueue(QueueSpec.durable(name));
        }
    }

    @Test
    void theDefaultExchangeRoutesToTheQueueNamedByTheRoutingKeyOnly() {
        // Given
        queues("a", "b");

        // When
        PublishResult toA = publish(ch, "", "a", "for a");
        PublishResult toNobody = publish(ch, "", "c", "for nobody");

        // Then
        assertThat(toA.queues()).isEqualTo(1);
        assertThat(toNobody.routed()).isFalse();
        assertThat(drain(ch, "a")).containsExactly("for a");
        assertThat(drain(ch, "b")).isEmpty();
    }

    @Test
    void aMessageKeepsTheExchangeAndRoutingKeyItWasPublishedWith() {
        ch.declareExchange(ExchangeSpec.durable("x", "topic"));
        queues("q");
        ch.bindQueue("q", "x", "order.*", Map.of());

        publish(ch, "x", "order.paid", "m");

        Delivery d = ch.get("q", true).orElseThrow();
        assertThat(d.exchange()).isEqualTo("x");
        assertThat(d.routingKey()).isEqualTo("order.paid");
    }

    @Test
    void aDirectExchangeRoutesByExactKeyToEveryQueueBoundWithIt() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));
        queues("q1", "q2", "q3");
        ch.bindQueue("q1", "x", "red", Map.of());
        ch.bindQueue("q2", "x", "red", Map.of());
        ch.bindQueue("q3", "x", "blue", Map.of());

        // When
        PublishResult red = publish(ch, "x", "red", "r");
        PublishResult green = publish(ch, "x", "green", "g");

        // Then
        assertThat(red.queues()).isEqualTo(2);
        assertThat(green.routed()).isFalse();
        assertThat(drain(ch, "q1")).containsExactly("r");
        assertThat(drain(ch, "q2")).containsExactly("r");
        assertThat(drain(ch, "q3")).isEmpty();
    }

    @Test
    void aQueueBoundTwiceToADirectExchangeGetsAMessageOnce() {
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));
        queues("q");
        ch.bindQueue("q", "x", "k", Map.of());
        ch.bindQueue("q", "x", "k", Map.of("x-tag", "other binding, same key"));

        assertThat(publish(ch, "x", "k", "m").queues()).isEqualTo(1);
        assertThat(drain(ch, "q")).containsExactly("m");
    }

    @Test
    void aFanoutExchangeRoutesToEveryBoundQueueWhateverTheKey() {
        ch.declareExchange(ExchangeSpec.durable("x", "fanout"));
        queues("q1", "q2");
        ch.bindQueue("q1", "x", "ignored", Map.of());
        ch.bindQueue("q2", "x", "", Map.of());

        PublishResult result = publish(ch, "x", "anything", "m");

        assertThat(result.queues()).isEqualTo(2);
        assertThat(drain(ch, "q1")).containsExactly("m");
        assertThat(drain(ch, "q2")).containsExactly("m");
    }

    @Test
    void aTopicExchangeMatchesStarAsOneWordAndHashAsAnyNumber() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "topic"));
        queues("star", "hash", "exact");
        ch.bindQueue("star", "x", "order.*", Map.of());
        ch.bindQueue("hash", "x", "order.#", Map.of());
        ch.bindQueue("exact", "x", "order.paid.eu", Map.of());

        // When
        publish(ch, "x", "order", "zero words");
        publish(ch, "x", "order.paid", "one word");
        publish(ch, "x", "order.paid.eu", "two words");
        publish(ch, "x", "invoice.paid", "other");

        // Then
        assertThat(drain(ch, "star")).containsExactly("one word");
        assertThat(drain(ch, "hash")).containsExactly("zero words", "one word", "two words");
        assertThat(drain(ch, "exact")).containsExactly("two words");
    }

    @Test
    void aHeadersExchangeMatchesAllOrAnyOfTheBindingsHeaders() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "headers"));
        queues("all", "any");
        ch.bindQueue("all", "x", "", Map.of("x-match", "all", "format", "pdf", "type", "report"));
        ch.bindQueue("any", "x", "", Map.of("x-match", "any", "format", "pdf", "type", "report"));

        // When
        ch.publish(BrokerFixture.message("x", "", Map.of("format", "pdf", "type", "report"), "both"))
                .join();
        ch.publish(BrokerFixture.message("x", "", Map.of("format", "pdf"), "one"))
                .join();
        PublishResult none = ch.publish(BrokerFixture.message("x", "", Map.of("format", "zip"), "neither"))
                .join();

        // Then
        assertThat(none.routed()).isFalse();
        assertThat(drain(ch, "all")).containsExactly("both");
        assertThat(drain(ch, "any")).containsExactly("both", "one");
    }

    @Test
    void aHeadersBindingWithoutXMatchMeansAll() {
        ch.declareExchange(ExchangeSpec.durable("x", "headers"));
        queues("q");
        ch.bindQueue("q", "x", "", Map.of("a", 1, "b", 2));

        ch.publish(BrokerFixture.message("x", "", Map.of("a", 1), "partial")).join();
        ch.publish(BrokerFixture.message("x", "", Map.of("a", 1L, "b", (short) 2), "whole"))
                .join();

        assertThat(drain(ch, "q")).containsExactly("whole");
    }

    @Test
    void theAmqPredeclaredExchangesRouteByTheirTypes() {
        queues("q");
        ch.bindQueue("q", "amq.direct", "k", Map.of());
        ch.bindQueue("q", "amq.topic", "a.#", Map.of());
        ch.bindQueue("q", "amq.fanout", "", Map.of());
        ch.bindQueue("q", "amq.match", "", Map.of("x-match", "any", "h", "v"));

        publish(ch, "amq.direct", "k", "direct");
        publish(ch, "amq.topic", "a.b", "topic");
        publish(ch, "amq.fanout", "zzz", "fanout");
        ch.publish(BrokerFixture.message("amq.match", "", Map.of("h", "v"), "headers"))
                .join();

        assertThat(drain(ch, "q")).containsExactly("direct", "topic", "fanout", "headers");
    }

    @Test
    void anUnroutableMessageIsReportedAsNotRouted() {
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));

        PublishResult result = publish(ch, "x", "nobody-listens", "m");

        assertThat(result.routed()).isFalse();
        assertThat(result.queues()).isZero();
    }

    @Test
    void publishingToAMissingExchangeIsNotFound() {
        assertFails(ErrorCode.NOT_FOUND, () -> ch.publish(BrokerFixture.message("nowhere", "k", "m")));
    }

    @Test
    void anInternalExchangeRefusesPublishesButRoutesWhatReachesItThroughABinding() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("front", "fanout"));
        ch.declareExchange(new ExchangeSpec("inner", "fanout", true, false, true, Map.of()));
        queues("q");
        ch.bindExchange("inner", "front", "", Map.of());
        ch.bindQueue("q", "inner", "", Map.of());

        // When / Then
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.publish(BrokerFixture.message("inner", "", "direct")));
        assertThat(publish(ch, "front", "", "through front").routed()).isTrue();
        assertThat(drain(ch, "q")).containsExactly("through front");
    }

    @Test
    void aMessageRoutedToSeveralQueuesIsConfirmedOnceAllHaveItAndCountsThem() {
        ch.declareExchange(ExchangeSpec.durable("x", "fanout"));
        ch.declareQueue(QueueSpec.durable("durable"));
        ch.declareQueue(QueueSpec.transientQueue("transient"));
        ch.bindQueue("durable", "x", "", Map.of());
        ch.bindQueue("transient", "x", "", Map.of());

        PublishResult result = publish(ch, "x", "", "m");

        assertThat(result.queues()).isEqualTo(2);
        assertThat(ch.declareQueuePassive("durable").messageCount()).isEqualTo(1);
        assertThat(ch.declareQueuePassive("transient").messageCount()).isEqualTo(1);
    }
}
