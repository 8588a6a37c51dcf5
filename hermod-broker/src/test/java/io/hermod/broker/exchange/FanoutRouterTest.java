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
class FanoutRouterTest {

    static Stream<Arguments> routingTable() {
        return Stream.of(
                Arguments.of(List.of(), "k", Map.of(), List.of()),
                Arguments.of(List.of(bind("", "q1")), "", Map.of(), List.of("q1")),
                Arguments.of(List.of(bind("", "q1")), "anything", Map.of(), List.of("q1")),
                Arguments.of(List.of(bind("a", "q1"), bind("b", "q2")), "c", Map.of(), List.of("q1", "q2")),
                Arguments.of(List.of(bind("a", "q1"), bind("b", "q2")), "A", table("h", 1), List.of("q1", "q2")),
                Arguments.of(List.of(bind("a", "q1"), bind("b", "q1"), bind("", "q1")), "a", Map.of(), List.of("q1")),
                Arguments.of(
                        List.of(bind("a", "q1"), bind("a", table("x-n", 1), "q1"), bind("a", "q2")),
                        "",
                        Map.of(),
                        List.of("q1", "q2")),
                Arguments.of(List.of(bind("", table("x-match", "any", "h", "v"), "q1")), "", Map.of(), List.of("q1")));
    }

    @ParameterizedTest(name = "{0}, \"{1}\" {2} -> {3}")
    @MethodSource("routingTable")
    void routesToEveryBoundDestinationOnceWhateverTheKeyAndHeaders(
            List<Bind> bindings, String routingKey, Map<String, Object> headers, List<String> expected) {
        ExchangeRouter<String> router = routerWith(ExchangeType.FANOUT, bindings);

        assertThat(route(router, routingKey, headers)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void bindingsWithDifferentKeysToOneDestinationAreSeparateBindings() {
        ExchangeRouter<String> router = ExchangeType.FANOUT.newRouter();

        assertThat(router.bind("a", Map.of(), "q")).isTrue();
        assertThat(router.bind("b", Map.of(), "q")).isTrue();
        assertThat(router.bindingCount()).isEqualTo(2);

        assertThat(router.unbind("a", Map.of(), "q")).isTrue();
        assertThat(route(router, "a")).as("the binding with key b still routes").containsExactly("q");

        assertThat(router.unbind("b", Map.of(), "q")).isTrue();
        assertThat(route(router, "a")).isEmpty();
    }

    @Test
    void unbindingOneDestinationLeavesTheOthers() {
        ExchangeRouter<String> router =
                routerWith(ExchangeType.FANOUT, List.of(bind("", "q1"), bind("", "q2"), bind("", "q3")));

        router.unbind("", Map.of(), "q2");

        assertThat(route(router, "")).containsExactlyInAnyOrder("q1", "q3");
        assertThat(router.bindingCount()).isEqualTo(2);
    }
}
