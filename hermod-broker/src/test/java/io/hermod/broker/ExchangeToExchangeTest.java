package io.hermod.broker;

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
 * Routing through more than one exchange: exchange-to-exchange bindings (cycles included) and alternate exchanges,
 * as RabbitMQ's rabbit_exchange:route/3 does it (every exchange visited once, a queue reached once, the alternate
 * exchange used only when an exchange's own bindings match nothing).
 */
@Timeout(30)
class ExchangeToExchangeTest {

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

    private void exchange(String name, String type) {
        ch.declareExchange(ExchangeSpec.durable(name, type));
    }

    private void exchangeWithAlternate(String name, String type, String alternate) {
        ch.declareExchange(new ExchangeSpec(name, type, true, false, false, Map.of("alternate-exchange", alternate)));
    }

    private void queue(String name) {
        ch.declareQueue(QueueSpec.durable(name));
    }

    // ------------------------------------------------------------------ exchange-to-exchange

    @Test
    void aMessageFlowsThroughAChainOfExchangesUsingEachExchangesOwnRule() {
        // Given: topic -> direct (bound with "a.#") -> queue (bound with the full key)
        exchange("front", "topic");
        exchange("back", "direct");
        queue("q");
        ch.bindExchange("back", "front", "a.#", Map.of());
        ch.bindQueue("q", "back", "a.b", Map.of());

        // When
        PublishResult matches = publish(ch, "front", "a.b", "m1");
        PublishResult passesFrontOnly = publish(ch, "front", "a.c", "m2");

        // Then
        assertThat(matches.queues()).isEqualTo(1);
        assertThat(passesFrontOnly.routed()).isFalse();
        assertThat(drain(ch, "q")).containsExactly("m1");
    }

    @Test
    void aQueueReachedThroughSeveralPathsGetsTheMessageOnce() {
        // Given: a diamond, front -> left -> q and front -> right -> q, plus front -> q directly
        exchange("front", "fanout");
        exchange("left", "fanout");
        exchange("right", "fanout");
        queue("q");
        ch.bindExchange("left", "front", "", Map.of());
        ch.bindExchange("right", "front", "", Map.of());
        ch.bindQueue("q", "left", "", Map.of());
        ch.bindQueue("q", "right", "", Map.of());
        ch.bindQueue("q", "front", "", Map.of());

        // When
        PublishResult result = publish(ch, "front", "", "m");

        // Then
        assertThat(result.queues()).isEqualTo(1);
        assertThat(drain(ch, "q")).containsExactly("m");
    }

    @Test
    void aCycleOfExchangeBindingsEndsAndEveryQueueOnItGetsTheMessageOnce() {
        // Given: a -> b -> c -> a, each with a queue
        exchange("a", "fanout");
        exchange("b", "fanout");
        exchange("c", "fanout");
        ch.bindExchange("b", "a", "", Map.of());
        ch.bindExchange("c", "b", "", Map.of());
        ch.bindExchange("a", "c", "", Map.of());
        for (String x : new String[] {"a", "b", "c"}) {
            queue("q" + x);
            ch.bindQueue("q" + x, x, "", Map.of());
        }

        // When a message enters the cycle anywhere
        PublishResult result = publish(ch, "b", "", "m");

        // Then
        assertThat(result.queues()).isEqualTo(3);
        assertThat(drain(ch, "qa")).containsExactly("m");
        assertThat(drain(ch, "qb")).containsExactly("m");
        assertThat(drain(ch, "qc")).containsExactly("m");
    }

    @Test
    void anExchangeBoundToItselfRoutesOnce() {
        exchange("x", "fanout");
        queue("q");
        ch.bindExchange("x", "x", "", Map.of());
        ch.bindQueue("q", "x", "", Map.of());

        assertThat(publish(ch, "x", "", "m").queues()).isEqualTo(1);
        assertThat(drain(ch, "q")).containsExactly("m");
    }

    @Test
    void anUnboundExchangeToExchangeBindingNoLongerCarriesMessages() {
        exchange("front", "fanout");
        exchange("back", "fanout");
        queue("q");
        ch.bindExchange("back", "front", "", Map.of());
        ch.bindQueue("q", "back", "", Map.of());

        ch.unbindExchange("back", "front", "", Map.of());

        assertThat(publish(ch, "front", "", "m").routed()).isFalse();
        assertThat(fixture.vhost().bindings()).hasSize(1);
    }

    // ------------------------------------------------------------------ alternate exchanges

    @Test
    void aMessageTheExchangeCannotRouteGoesToItsAlternateExchange() {
        // Given
        exchange("ae", "fanout");
        exchangeWithAlternate("x", "direct", "ae");
        queue("routed");
        queue("unrouted");
        ch.bindQueue("routed", "x", "known", Map.of());
        ch.bindQueue("unrouted", "ae", "", Map.of());

        // When
        publish(ch, "x", "known", "m1");
        PublishResult viaAlternate = publish(ch, "x", "unknown", "m2");

        // Then
        assertThat(viaAlternate.routed()).isTrue();
        assertThat(drain(ch, "routed")).containsExactly("m1");
        assertThat(drain(ch, "unrouted")).containsExactly("m2");
    }

    @Test
    void alternateExchangesChain() {
        // Given x -> ae1 (routes nothing) -> ae2 (fanout to a queue)
        exchange("ae2", "fanout");
        exchangeWithAlternate("ae1", "direct", "ae2");
        exchangeWithAlternate("x", "direct", "ae1");
        queue("last-resort");
        ch.bindQueue("last-resort", "ae2", "", Map.of());

        // When
        PublishResult result = publish(ch, "x", "k", "m");

        // Then
        assertThat(result.queues()).isEqualTo(1);
        assertThat(drain(ch, "last-resort")).containsExactly("m");
    }

    @Test
    void anAlternateExchangeThatRoutesNowhereLeavesTheMessageUnroutable() {
        exchange("ae", "direct");
        exchangeWithAlternate("x", "direct", "ae");

        assertThat(publish(ch, "x", "k", "m").routed()).isFalse();
    }

    @Test
    void aMissingAlternateExchangeLeavesTheMessageUnroutable() {
        exchangeWithAlternate("x", "direct", "not-declared-yet");

        assertThat(publish(ch, "x", "k", "m").routed()).isFalse();

        // and it takes effect once declared
        exchange("not-declared-yet", "fanout");
        queue("q");
        ch.bindQueue("q", "not-declared-yet", "", Map.of());
        assertThat(publish(ch, "x", "k", "m").routed()).isTrue();
    }

    @Test
    void aCycleOfAlternateExchangesEnds() {
        // Given a and b are each other's alternate exchange and route nothing
        exchangeWithAlternate("a", "direct", "b");
        exchangeWithAlternate("b", "direct", "a");

        // When / Then
        assertThat(publish(ch, "a", "k", "m").routed()).isFalse();
    }

    @Test
    void theAlternateExchangeIsNotUsedWhenTheExchangeRoutesToAnotherExchangeThatRoutesNowhere() {
        // rabbit_exchange:process_alternate is called with the exchange's own destinations, exchanges included
        exchange("ae", "fanout");
        exchangeWithAlternate("x", "fanout", "ae");
        exchange("dead-end", "direct");
        queue("alt");
        ch.bindQueue("alt", "ae", "", Map.of());
        ch.bindExchange("dead-end", "x", "", Map.of());

        assertThat(publish(ch, "x", "k", "m").routed()).isFalse();
        assertThat(drain(ch, "alt")).isEmpty();
    }

    @Test
    void anExchangeReachedThroughABindingUsesItsOwnAlternateExchange() {
        // Given front -> back, back routes nothing but has an alternate exchange
        exchange("front", "fanout");
        exchange("ae", "fanout");
        exchangeWithAlternate("back", "direct", "ae");
        queue("alt");
        ch.bindExchange("back", "front", "", Map.of());
        ch.bindQueue("alt", "ae", "", Map.of());

        // When / Then
        assertThat(publish(ch, "front", "k", "m").queues()).isEqualTo(1);
        assertThat(drain(ch, "alt")).containsExactly("m");
    }

    @Test
    void anInternalExchangeMayServeAsAnAlternateExchange() {
        ch.declareExchange(new ExchangeSpec("ae", "fanout", true, false, true, Map.of()));
        exchangeWithAlternate("x", "direct", "ae");
        queue("alt");
        ch.bindQueue("alt", "ae", "", Map.of());

        assertThat(publish(ch, "x", "k", "m").routed()).isTrue();
        assertThat(drain(ch, "alt")).containsExactly("m");
    }
}
