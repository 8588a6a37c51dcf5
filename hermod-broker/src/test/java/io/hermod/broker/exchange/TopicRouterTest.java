package io.hermod.broker.exchange;

import static io.hermod.broker.exchange.RoutingFixture.bind;
import static io.hermod.broker.exchange.RoutingFixture.route;
import static io.hermod.broker.exchange.RoutingFixture.routerWith;
import static io.hermod.broker.exchange.RoutingFixture.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.exchange.RoutingFixture.Bind;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The router's own duties; the matching rules themselves are {@link TopicTrieTest}'s. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TopicRouterTest {

    private static final List<Bind> BINDINGS = List.of(
            bind("orders.*.created", "q1"),
            bind("orders.#", "q2"),
            bind("Orders.eu.created", "q3"),
            bind("", "q4"),
            bind("#", "q5"),
            bind("*", "q6"),
            bind("orders.eu.created", "q1"),
            bind("orders.eu.created", table("x-n", 1), "q1"),
            bind("orders.#", table("x-n", 1), "q2"));

    static Stream<Arguments> routingTable() {
        return Stream.of(
                Arguments.of("orders.eu.created", List.of("q1", "q2", "q5")),
                Arguments.of("Orders.eu.created", List.of("q3", "q5")),
                Arguments.of("orders.us.created", List.of("q1", "q2", "q5")),
                Arguments.of("orders", List.of("q2", "q5", "q6")),
                Arguments.of("orders.eu", List.of("q2", "q5")),
                Arguments.of("", List.of("q4", "q5")),
                Arguments.of("other", List.of("q5", "q6")),
                Arguments.of("other.thing", List.of("q5")));
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @MethodSource("routingTable")
    void routesEachMatchingDestinationOnce(String routingKey, List<String> expected) {
        ExchangeRouter<String> router = routerWith(ExchangeType.TOPIC, BINDINGS);

        assertThat(route(router, routingKey)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void headersPlayNoPart() {
        ExchangeRouter<String> router = routerWith(ExchangeType.TOPIC, BINDINGS);

        assertThat(route(router, "other.thing", table("orders", "x"))).containsExactly("q5");
    }

    @Test
    void countsEveryBindingIncludingThoseDifferingOnlyInArguments() {
        ExchangeRouter<String> router = routerWith(ExchangeType.TOPIC, BINDINGS);

        assertThat(router.bindingCount()).isEqualTo(BINDINGS.size());
    }

    @Test
    void aPatternKeepsRoutingUntilItsLastBindingWithThatDestinationGoes() {
        ExchangeRouter<String> router = routerWith(ExchangeType.TOPIC, BINDINGS);

        assertThat(router.unbind("orders.#", Map.of(), "q2")).isTrue();
        assertThat(route(router, "orders.eu")).containsExactlyInAnyOrder("q2", "q5");

        assertThat(router.unbind("orders.#", table("x-n", 1), "q2")).isTrue();
        assertThat(route(router, "orders.eu")).containsExactly("q5");
        assertThat(router.bindingCount()).isEqualTo(BINDINGS.size() - 2);
    }

    @Test
    void aDestinationMatchedByOnePatternStaysWhenAnotherPatternOfItGoes() {
        ExchangeRouter<String> router = routerWith(ExchangeType.TOPIC, BINDINGS);

        router.unbind("orders.eu.created", Map.of(), "q1");
        router.unbind("orders.eu.created", table("x-n", 1), "q1");

        assertThat(route(router, "orders.eu.created")).containsExactlyInAnyOrder("q1", "q2", "q5");
        assertThat(route(router, "orders.us.created")).containsExactlyInAnyOrder("q1", "q2", "q5");
    }
}
