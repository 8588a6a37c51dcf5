package io.hermod.broker.exchange;

import static io.hermod.broker.exchange.RoutingFixture.bind;
import static io.hermod.broker.exchange.RoutingFixture.route;
import static io.hermod.broker.exchange.RoutingFixture.routerWith;
import static io.hermod.broker.exchange.RoutingFixture.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Headers matching as RabbitMQ 4.x's {@code rabbit_exchange_type_headers.erl} does it: each row binds one destination
 * with the given arguments and routes one message with the given headers. A {@code null} value is AMQP void.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HeadersRouterTest {

    static Stream<Arguments> allMatching() {
        return Stream.of(
                row(table(), table(), true),
                row(table(), table("a", "1"), true),
                row(table("x-match", "all"), table(), true),
                row(table("a", "1", "b", "2"), table("a", "1", "b", "2"), true),
                row(table("a", "1", "b", "2"), table("b", "2", "a", "1"), true),
                row(table("a", "1", "b", "2"), table("a", "1", "b", "2", "c", "3"), true),
                row(table("a", "1", "b", "2"), table("a", "1"), false),
                row(table("a", "1", "b", "2"), table("a", "1", "b", "3"), false),
                row(table("a", "1", "b", "2"), table(), false),
                row(table("x-match", "all", "a", "1"), table("a", "1"), true),
                row(table("x-match", "all", "a", "1"), table("a", "2"), false),
                // names and string values are case-sensitive
                row(table("a", "v"), table("A", "v"), false),
                row(table("a", "v"), table("a", "V"), false),
                // the empty string is a value like any other
                row(table("a", ""), table("a", ""), true),
                row(table("a", ""), table(), false),
                row(table("", "v"), table("", "v"), true));
    }

    static Stream<Arguments> anyMatching() {
        return Stream.of(
                row(table("x-match", "any"), table(), false),
                row(table("x-match", "any"), table("a", "1"), false),
                row(table("x-match", "any", "a", "1", "b", "2"), table("a", "1"), true),
                row(table("x-match", "any", "a", "1", "b", "2"), table("b", "2"), true),
                row(table("x-match", "any", "a", "1", "b", "2"), table("a", "1", "b", "2"), true),
                row(table("x-match", "any", "a", "1", "b", "2"), table("a", "9", "b", "9"), false),
                row(table("x-match", "any", "a", "1", "b", "2"), table("c", "1"), false),
                row(table("x-match", "any", "a", "1", "b", "2"), table(), false));
    }

    static Stream<Arguments> xArguments() {
        return Stream.of(
                // all/any: arguments named x-... take no part
                row(table("x-foo", "bar"), table(), true),
                row(table("x-match", "all", "x-foo", "bar"), table("x-foo", "other"), true),
                row(table("x-match", "any", "x-foo", "bar"), table("x-foo", "bar"), false),
                row(table("a", "1", "x-foo", "bar"), table("a", "1"), true),
                row(table("x-match", "any", "a", "1", "x-foo", "bar"), table("x-foo", "bar"), false),
                // only the prefix "x-" marks them: "x_foo" and "X-foo" are ordinary arguments
                row(table("x_foo", "bar"), table(), false),
                row(table("X-foo", "bar"), table(), false),
                // all-with-x / any-with-x: they take part; x-match itself never does
                row(table("x-match", "all-with-x"), table(), true),
                row(table("x-match", "any-with-x"), table(), false),
                row(table("x-match", "any-with-x"), table("x-match", "any-with-x"), false),
                row(table("x-match", "all-with-x", "x-foo", "bar"), table(), false),
                row(table("x-match", "all-with-x", "x-foo", "bar"), table("x-foo", "bar"), true),
                row(table("x-match", "all-with-x", "x-foo", "bar"), table("x-foo", "baz"), false),
                row(table("x-match", "all-with-x", "x-foo", "bar", "a", "1"), table("x-foo", "bar"), false),
                row(table("x-match", "all-with-x", "x-foo", "bar", "a", "1"), table("x-foo", "bar", "a", "1"), true),
                row(table("x-match", "any-with-x", "x-foo", "bar", "a", "1"), table("x-foo", "bar"), true),
                row(table("x-match", "any-with-x", "x-foo", "bar", "a", "1"), table("a", "1"), true),
                row(table("x-match", "any-with-x", "x-foo", "bar", "a", "1"), table("a", "2"), false));
    }

    static Stream<Arguments> voidValues() {
        return Stream.of(
                // a void argument asks only that the header be there, with any value, void included
                row(table("a", null), table("a", "anything"), true),
                row(table("a", null), table("a", 42), true),
                row(table("a", null), table("a", null), true),
                row(table("a", null), table(), false),
                row(table("a", null), table("b", "1"), false),
                row(table("x-match", "any", "a", null, "b", "2"), table("a", 0), true),
                row(table("x-match", "any", "a", null, "b", "2"), table("c", 0), false),
                row(table("a", null, "b", "2"), table("a", 0, "b", "2"), true),
                row(table("a", null, "b", "2"), table("b", "2"), false),
                // a void header does not equal a non-void argument
                row(table("a", "1"), table("a", null), false),
                // RabbitMQ's exchanges_SUITE headers_exchange_key_presence_only, all-with-x side
                row(table("x-match", "all-with-x", "foo", null, "x-foo", null), table("foo", "s", "x-foo", 42L), true),
                row(table("x-match", "all-with-x", "foo", null, "x-foo", null), table("foo", "s"), false),
                row(table("x-match", "all-with-x", "foo", null, "x-foo", null), table("x-foo", "s"), false),
                row(table("x-match", "all-with-x", "foo", null, "x-foo", null), table("other", "v"), false),
                row(table("x-match", "all-with-x", "foo", null, "x-foo", null), table(), false),
                // and its any-with-x side
                row(table("x-match", "any-with-x", "foo", null, "x-foo", null), table("foo", "s", "x-foo", 42L), true),
                row(table("x-match", "any-with-x", "foo", null, "x-foo", null), table("foo", "s"), true),
                row(table("x-match", "any-with-x", "foo", null, "x-foo", null), table("x-foo", "s"), true),
                row(table("x-match", "any-with-x", "foo", null, "x-foo", null), table("other", "v"), false),
                row(table("x-match", "any-with-x", "foo", null, "x-foo", null), table(), false));
    }

    static Stream<Arguments> valueEquivalence() {
        byte[] ab = "ab".getBytes(StandardCharsets.UTF_8);
        return Stream.of(
                // integers compare by value whatever their width
                row(table("a", 1), table("a", 1L), true),
                row(table("a", 1L), table("a", 1), true),
                row(table("a", (byte) 1), table("a", (short) 1), true),
                row(table("a", 1), table("a", 2L), false),
                row(table("a", -1), table("a", 0xFFFFFFFFL), false),
                // but not with other types: RabbitMQ compares with =:=, so 1 is neither "1" nor 1.0
                row(table("a", 1), table("a", "1"), false),
                row(table("a", 1), table("a", 1.0d), false),
                row(table("a", 1), table("a", true), false),
                row(table("a", 1.5f), table("a", 1.5d), true),
                row(table("a", new BigDecimal("1.50")), table("a", new BigDecimal("1.5")), true),
                row(table("a", true), table("a", true), true),
                row(table("a", true), table("a", "true"), false),
                row(table("a", Instant.ofEpochSecond(7)), table("a", Instant.ofEpochSecond(7)), true),
                // byte arrays by content
                row(table("a", ab), table("a", "ab".getBytes(StandardCharsets.UTF_8)), true),
                row(table("a", ab), table("a", "ac".getBytes(StandardCharsets.UTF_8)), false),
                // arrays element by element, in order
                row(table("a", List.of(1, "x")), table("a", List.of(1L, "x")), true),
                row(table("a", List.of(1, "x")), table("a", List.of("x", 1)), false),
                row(table("a", List.of(1, "x")), table("a", List.of(1)), false),
                // nested tables by name
                row(
                        table("a", table("b", 1, "c", List.of(1, 2))),
                        table("a", table("c", List.of(1L, 2L), "b", (short) 1)),
                        true),
                row(table("a", table("b", 1, "c", 2)), table("a", table("b", 1)), false),
                row(table("a", table("b", 1)), table("a", table("b", 2)), false),
                row(table("a", table()), table("a", table()), true));
    }

    private static Arguments row(Map<String, Object> bindingArguments, Map<String, Object> headers, boolean routed) {
        return Arguments.of(bindingArguments, headers, routed);
    }

    @ParameterizedTest(name = "{0} vs headers {1} -> {2}")
    @MethodSource({"allMatching", "anyMatching", "xArguments", "voidValues", "valueEquivalence"})
    void routesWhenTheBindingArgumentsMatchTheHeaders(
            Map<String, Object> bindingArguments, Map<String, Object> headers, boolean routed) {
        ExchangeRouter<String> router = routerWith(ExchangeType.HEADERS, List.of(bind("", bindingArguments, "q")));

        assertThat(route(router, "", headers)).isEqualTo(routed ? List.of("q") : List.of());
    }

    @Test
    void theRoutingKeyAndBindingKeyPlayNoPartInMatching() {
        ExchangeRouter<String> router =
                routerWith(ExchangeType.HEADERS, List.of(bind("key-one", table("a", "1"), "q")));

        assertThat(route(router, "another-key", table("a", "1"))).containsExactly("q");
        assertThat(route(router, "key-one", table("a", "2"))).isEmpty();
    }

    @Test
    void bindingsDifferingOnlyInKeyAreSeparateButRouteOnce() {
        ExchangeRouter<String> router = ExchangeType.HEADERS.newRouter();
        assertThat(router.bind("k1", table("a", "1"), "q")).isTrue();
        assertThat(router.bind("k2", table("a", "1"), "q")).isTrue();

        assertThat(route(router, "", table("a", "1"))).containsExactly("q");

        assertThat(router.unbind("k1", table("a", "1"), "q")).isTrue();
        assertThat(route(router, "", table("a", "1"))).containsExactly("q");
        assertThat(router.unbind("k2", table("a", "1"), "q")).isTrue();
        assertThat(route(router, "", table("a", "1"))).isEmpty();
    }

    @Test
    void aDestinationRoutesWhenAnyOfItsBindingsMatches() {
        ExchangeRouter<String> router = routerWith(
                ExchangeType.HEADERS,
                List.of(
                        bind("", table("a", "1"), "q1"),
                        bind("", table("b", "2"), "q1"),
                        bind("", table("x-match", "any", "a", "1", "b", "2"), "q1"),
                        bind("", table("a", "1", "b", "2"), "q2"),
                        bind("", table("x-match", "any", "a", "1", "c", "3"), "q3")));

        assertThat(route(router, "", table("a", "1"))).containsExactlyInAnyOrder("q1", "q3");
        assertThat(route(router, "", table("b", "2"))).containsExactly("q1");
        assertThat(route(router, "", table("a", "1", "b", "2"))).containsExactlyInAnyOrder("q1", "q2", "q3");
        assertThat(route(router, "", table("c", "3"))).containsExactly("q3");
        assertThat(route(router, "", table())).isEmpty();
    }

    @Test
    void unbindingOneBindingOfADestinationKeepsItsOthersAndOtherDestinations() {
        ExchangeRouter<String> router = routerWith(
                ExchangeType.HEADERS,
                List.of(
                        bind("", table("a", "1"), "q1"),
                        bind("", table("b", "2"), "q1"),
                        bind("", table("a", "1"), "q2")));

        assertThat(router.unbind("", table("a", "1"), "q1")).isTrue();

        assertThat(route(router, "", table("a", "1"))).containsExactly("q2");
        assertThat(route(router, "", table("b", "2"))).containsExactly("q1");
        assertThat(router.bindingCount()).isEqualTo(2);
    }

    @Test
    void bindingsWithTheSameMatchSpelledDifferentlyAreSeparateBindings() {
        ExchangeRouter<String> router = ExchangeType.HEADERS.newRouter();

        // x-match all is the default, but the argument tables differ, so these are two bindings (as in RabbitMQ)
        assertThat(router.bind("", table("a", "1"), "q")).isTrue();
        assertThat(router.bind("", table("x-match", "all", "a", "1"), "q")).isTrue();

        assertThat(router.bindingCount()).isEqualTo(2);
        assertThat(route(router, "", table("a", "1"))).containsExactly("q");
    }

    static Stream<Arguments> invalidXMatch() {
        return Stream.of(
                Arguments.of("an unknown string", "none"),
                Arguments.of("the wrong case", "ALL"),
                Arguments.of("a padded string", " any"),
                Arguments.of("the empty string", ""),
                Arguments.of("a number", 1),
                Arguments.of("a boolean", true),
                Arguments.of("void", null),
                Arguments.of("bytes", "all".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("a table", Map.of("all", "all")));
    }

    @ParameterizedTest(name = "x-match as {0}")
    @MethodSource("invalidXMatch")
    void anInvalidXMatchIsRefusedWithPreconditionFailedAndBindsNothing(String description, Object xMatch) {
        ExchangeRouter<String> router = ExchangeType.HEADERS.newRouter();

        assertThatThrownBy(() -> router.bind("", table("x-match", xMatch, "a", "1"), "q"))
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED))
                .hasMessageStartingWith("Invalid x-match field");
        assertThat(router.bindingCount()).isZero();
        assertThat(route(router, "", table("a", "1"))).isEmpty();
        assertThat(router.bind("", table("x-match", "any", "a", "1"), "q")).isTrue();
    }

    @Test
    void anInvalidXMatchNamesTheValueAndTheValidOnes() {
        ExchangeRouter<String> router = ExchangeType.HEADERS.newRouter();

        assertThatThrownBy(() -> router.bind("", table("x-match", "most"), "q"))
                .hasMessage("Invalid x-match field value \"most\"; expected all, any, all-with-x, or any-with-x");
    }

    @Test
    void unbindingWithAnInvalidXMatchIsNotAnErrorButFindsNothing() {
        ExchangeRouter<String> router = ExchangeType.HEADERS.newRouter();

        assertThat(router.unbind("", table("x-match", "none"), "q")).isFalse();
    }
}
