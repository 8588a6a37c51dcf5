package io.hermod.broker.exchange;

import static io.hermod.broker.exchange.RoutingFixture.route;
import static io.hermod.broker.exchange.RoutingFixture.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every exchange type's router promises (the {@link ExchangeRouter} contract): binding identity is (key,
 * arguments, destination), a route hands each destination once, the count counts bindings. Every binding here uses the
 * key "k" and only {@code x-} arguments, and every message the routing key "k" and no headers, so that the binding
 * matches the message in every type (a headers binding with only {@code x-} arguments and the default {@code x-match}
 * matches every message).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ExchangeRouterContractTest {

    private static final Map<String, Object> NONE = Map.of();

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void aNewRouterHasNoBindingsAndRoutesNothing(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();

        assertThat(router.bindingCount()).isZero();
        assertThat(route(router, "k")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void bindingTheSameBindingTwiceIsRefusedTheSecondTime(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();

        assertThat(router.bind("k", table("x-n", 1), "q")).isTrue();
        assertThat(router.bind("k", table("x-n", 1), "q")).isFalse();

        assertThat(router.bindingCount()).isEqualTo(1);
        assertThat(route(router, "k")).containsExactly("q");
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void argumentsEquivalentAcrossIntegerWidthsAreTheSameBinding(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        router.bind("k", table("x-n", 1), "q");

        assertThat(router.bind("k", table("x-n", 1L), "q")).isFalse();
        assertThat(router.unbind("k", table("x-n", (short) 1), "q")).isTrue();
        assertThat(router.bindingCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void bindingsDifferingOnlyInArgumentsAreSeparateAndRouteTheDestinationOnce(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();

        assertThat(router.bind("k", NONE, "q")).isTrue();
        assertThat(router.bind("k", table("x-n", 1), "q")).isTrue();
        assertThat(router.bindingCount()).isEqualTo(2);
        assertThat(route(router, "k")).containsExactly("q");

        assertThat(router.unbind("k", NONE, "q")).isTrue();
        assertThat(router.bindingCount()).isEqualTo(1);
        assertThat(route(router, "k")).as("one binding is left").containsExactly("q");

        assertThat(router.unbind("k", table("x-n", 1), "q")).isTrue();
        assertThat(router.bindingCount()).isZero();
        assertThat(route(router, "k")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void theOrderOfUnbindingBindingsThatDifferInArgumentsDoesNotMatter(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        router.bind("k", table("x-n", 1), "q");
        router.bind("k", table("x-n", 2), "q");
        router.bind("k", table("x-n", 3), "q");

        router.unbind("k", table("x-n", 2), "q");
        router.unbind("k", table("x-n", 3), "q");
        assertThat(route(router, "k")).containsExactly("q");

        router.unbind("k", table("x-n", 1), "q");
        assertThat(route(router, "k")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void unbindingWhatWasNeverBoundReturnsFalseAndChangesNothing(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        assertThat(router.unbind("k", NONE, "q")).as("empty router").isFalse();
        router.bind("k", table("x-n", 1), "q");

        assertThat(router.unbind("k", NONE, "q")).as("other arguments").isFalse();
        assertThat(router.unbind("k", table("x-n", 2), "q"))
                .as("other argument value")
                .isFalse();
        assertThat(router.unbind("k", table("x-n", 1), "other"))
                .as("other destination")
                .isFalse();
        assertThat(router.unbind("K", table("x-n", 1), "q")).as("other key").isFalse();

        assertThat(router.bindingCount()).isEqualTo(1);
        assertThat(route(router, "k")).containsExactly("q");
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void unbindingTwiceReturnsFalseTheSecondTime(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        router.bind("k", NONE, "q");

        assertThat(router.unbind("k", NONE, "q")).isTrue();
        assertThat(router.unbind("k", NONE, "q")).isFalse();
        assertThat(router.bindingCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void nullArgumentsAreTheEmptyTable(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();

        assertThat(router.bind("k", null, "q")).isTrue();
        assertThat(router.bind("k", NONE, "q")).isFalse();
        assertThat(route(router, "k")).containsExactly("q");
        assertThat(router.unbind("k", null, "q")).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void theRouterKeepsItsOwnCopyOfTheArguments(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        Map<String, Object> arguments = table("x-n", 1);
        router.bind("k", arguments, "q");

        arguments.put("x-n", 2);

        assertThat(router.unbind("k", table("x-n", 1), "q")).isTrue();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void destinationsAreComparedWithEqualsNotIdentity(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        router.bind("k", NONE, new String("q"));

        assertThat(router.bind("k", NONE, "q")).isFalse();
        assertThat(router.unbind("k", NONE, "q")).isTrue();
        assertThat(route(router, "k")).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void manyDestinationsEachArriveOnceAndLeaveWithTheirBindings(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        List<String> destinations = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            destinations.add("q" + i);
            router.bind("k", NONE, "q" + i);
        }
        assertThat(route(router, "k")).containsExactlyInAnyOrderElementsOf(destinations);

        for (int i = 0; i < 200; i += 2) {
            router.unbind("k", NONE, "q" + i);
        }

        assertThat(router.bindingCount()).isEqualTo(100);
        assertThat(route(router, "k"))
                .containsExactlyInAnyOrderElementsOf(destinations.stream()
                        .filter(d -> Integer.parseInt(d.substring(1)) % 2 == 1)
                        .toList());
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void aSinkMayRouteAgainOnTheSameThread(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();
        router.bind("k", NONE, "q1");
        router.bind("k", table("x-n", 1), "q1");
        router.bind("k", NONE, "q2");
        List<String> inner = new ArrayList<>();
        List<String> outer = new ArrayList<>();

        router.route("k", NONE, destination -> {
            outer.add(destination);
            router.route("k", NONE, inner::add);
        });

        assertThat(outer).containsExactlyInAnyOrder("q1", "q2");
        assertThat(inner).containsExactlyInAnyOrder("q1", "q2", "q1", "q2");
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void nullKeysAndDestinationsAreRejectedWithoutChangingAnything(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();

        assertThatThrownBy(() -> router.bind(null, NONE, "q")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> router.bind("k", NONE, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> router.unbind(null, NONE, "q")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> router.unbind("k", NONE, null)).isInstanceOf(NullPointerException.class);
        assertThat(router.bindingCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void argumentsOfUnsupportedTypesAreRejectedWithoutChangingAnything(ExchangeType type) {
        ExchangeRouter<String> router = type.newRouter();

        assertThatThrownBy(() -> router.bind("k", table("x-n", new Object()), "q"))
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
        assertThat(router.bindingCount()).isZero();
        assertThat(route(router, "k")).isEmpty();
    }
}
