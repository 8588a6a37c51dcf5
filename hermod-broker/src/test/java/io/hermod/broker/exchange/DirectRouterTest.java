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

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DirectRouterTest {

    private static final List<Bind> BINDINGS = List.of(
            bind("orders", "q1"),
            bind("orders", "q2"),
            bind("Orders", "q3"),
            bind("", "q4"),
            bind("orders.eu", "q5"),
            bind("*", "q6"),
            bind("#", "q7"),
            bind("orders", table("x-priority", 1), "q1"),
            bind("orders", table("x-priority", 2), "q1"),
            bind("émoji-✓", "q8"));

    static Stream<Arguments> routingTable() {
        return Stream.of(
                Arguments.of("orders", List.of("q1", "q2")),
                Arguments.of("Orders", List.of("q3")),
                Arguments.of("ORDERS", List.of()),
                Arguments.of("", List.of("q4")),
                Arguments.of(" ", List.of()),
                Arguments.of("orders.eu", List.of("q5")),
                Arguments.of("orders.", List.of()),
                Arguments.of("orders ", List.of()),
                Arguments.of("order", List.of()),
                Arguments.of("*", List.of("q6")),
                Arguments.of("#", List.of("q7")),
                Arguments.of("anything", List.of()),
                Arguments.of("émoji-✓", List.of("q8")));
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @MethodSource("routingTable")
    void routesToTheDestinationsBoundWithExactlyTheRoutingKey(String routingKey, List<String> expected) {
        ExchangeRouter<String> router = routerWith(ExchangeType.DIRECT, BINDINGS);

        assertThat(route(router, routingKey)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void headersPlayNoPart() {
        ExchangeRouter<String> router = routerWith(ExchangeType.DIRECT, BINDINGS);

        assertThat(route(router, "orders", table("orders", "q9", "x-match", "any")))
                .containsExactlyInAnyOrder("q1", "q2");
        assertThat(route(router, "nothing", table("orders", "q1"))).isEmpty();
    }

    @Test
    void bindingArgumentsPlayNoPartInMatching() {
        ExchangeRouter<String> router =
                routerWith(ExchangeType.DIRECT, List.of(bind("k", table("x-match", "any", "a", 1), "q")));

        assertThat(route(router, "k", Map.of())).containsExactly("q");
    }

    @Test
    void countsEveryBindingIncludingThoseDifferingOnlyInArguments() {
        ExchangeRouter<String> router = routerWith(ExchangeType.DIRECT, BINDINGS);

        assertThat(router.bindingCount()).isEqualTo(BINDINGS.size());
    }

    @Test
    void aKeyWhoseLastBindingGoesRoutesNothingAndOtherKeysAreUntouched() {
        ExchangeRouter<String> router = routerWith(ExchangeType.DIRECT, BINDINGS);

        assertThat(router.unbind("orders.eu", Map.of(), "q5")).isTrue();

        assertThat(route(router, "orders.eu")).isEmpty();
        assertThat(route(router, "orders")).containsExactlyInAnyOrder("q1", "q2");
        assertThat(router.bindingCount()).isEqualTo(BINDINGS.size() - 1);
    }

    @Test
    void aDestinationStaysRoutedUntilTheLastOfItsBindingsWithThatKeyGoes() {
        ExchangeRouter<String> router = routerWith(ExchangeType.DIRECT, BINDINGS);

        router.unbind("orders", Map.of(), "q1");
        router.unbind("orders", table("x-priority", 2), "q1");
        assertThat(route(router, "orders")).containsExactlyInAnyOrder("q1", "q2");

        router.unbind("orders", table("x-priority", 1), "q1");
        assertThat(route(router, "orders")).containsExactly("q2");
    }

    @Test
    void oneDestinationBoundWithTwoKeysIsRoutedByEitherAndLosesOnlyTheKeyUnbound() {
        ExchangeRouter<String> router = routerWith(ExchangeType.DIRECT, List.of(bind("a", "q"), bind("b", "q")));

        router.unbind("a", Map.of(), "q");

        assertThat(route(router, "a")).isEmpty();
        assertThat(route(router, "b")).containsExactly("q");
    }
}
