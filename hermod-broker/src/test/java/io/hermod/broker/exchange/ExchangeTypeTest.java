package io.hermod.broker.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ExchangeTypeTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"direct, DIRECT", "fanout, FANOUT", "topic, TOPIC", "headers, HEADERS"})
    void byNameFindsEachTypeByTheNameClientsDeclare(String name, ExchangeType expected) {
        assertThat(ExchangeType.byName(name)).contains(expected);
        assertThat(expected.typeName()).isEqualTo(name);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "Direct",
                "TOPIC",
                " fanout",
                "headers ",
                "x-consistent-hash",
                "x-local-random",
                "amq.direct",
                "match"
            })
    void byNameKnowsNoOtherNameAndIsCaseSensitive(String name) {
        assertThat(ExchangeType.byName(name)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void everyTypeRoundTripsThroughItsName(ExchangeType type) {
        assertThat(ExchangeType.byName(type.typeName())).contains(type);
    }

    @ParameterizedTest
    @EnumSource(ExchangeType.class)
    void newRouterMakesAnEmptyRouterOfThatTypeEachTime(ExchangeType type) {
        ExchangeRouter<String> first = type.newRouter();
        ExchangeRouter<String> second = type.newRouter();

        assertThat(first).isNotSameAs(second);
        assertThat(first.bindingCount()).isZero();
        assertThat(RoutingFixture.route(first, "")).isEmpty();
    }

    @Test
    void newRouterMakesTheClassOfEachType() {
        assertThat(ExchangeType.DIRECT.<String>newRouter()).isInstanceOf(DirectRouter.class);
        assertThat(ExchangeType.FANOUT.<String>newRouter()).isInstanceOf(FanoutRouter.class);
        assertThat(ExchangeType.TOPIC.<String>newRouter()).isInstanceOf(TopicRouter.class);
        assertThat(ExchangeType.HEADERS.<String>newRouter()).isInstanceOf(HeadersRouter.class);
    }
}
