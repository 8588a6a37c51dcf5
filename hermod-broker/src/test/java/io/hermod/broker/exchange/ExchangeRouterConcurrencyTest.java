package io.hermod.broker.exchange;

import static io.hermod.broker.exchange.RoutingFixture.bind;
import static io.hermod.broker.exchange.RoutingFixture.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.exchange.RoutingFixture.Bind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One writer binding and unbinding while routers route (the {@link ExchangeRouter} threading contract): a destination
 * bound throughout is always routed, exactly once, even while other bindings to it (differing in arguments or key)
 * come and go; nothing throws; nothing unknown is routed.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ExchangeRouterConcurrencyTest {

    private static final long WRITING_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int ROUTERS = 3;

    record Scenario(String routingKey, Map<String, Object> headers, Bind anchor, List<Bind> churn) {}

    static Stream<Arguments> scenarios() {
        List<Bind> direct = new ArrayList<>();
        List<Bind> fanout = new ArrayList<>();
        List<Bind> topic = new ArrayList<>();
        List<Bind> headers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            direct.add(bind("k", table("x-n", i), "anchor"));
            direct.add(bind("k", table("x-n", i), "churn-" + i));
            direct.add(bind("other", Map.of(), "churn-" + i));

            fanout.add(bind("k" + i, Map.of(), "anchor"));
            fanout.add(bind("k" + i, Map.of(), "churn-" + i));

            topic.add(bind("a.*", table("x-n", i), "anchor"));
            topic.add(bind("a.b", table("x-n", i), "anchor"));
            topic.add(bind(i % 2 == 0 ? "#" : "a.#", Map.of(), "churn-" + i));
            topic.add(bind("z." + i, Map.of(), "churn-" + i));

            headers.add(bind("", table("x-match", "any", "h", "v", "n", i), "anchor"));
            headers.add(bind("k" + i, table("h", null), "anchor"));
            headers.add(bind("", table("h", "v"), "churn-" + i));
            headers.add(bind("", table("h", "other"), "churn-" + i));
        }
        return Stream.of(
                Arguments.of(ExchangeType.DIRECT, new Scenario("k", Map.of(), bind("k", Map.of(), "anchor"), direct)),
                Arguments.of(ExchangeType.FANOUT, new Scenario("any", Map.of(), bind("", Map.of(), "anchor"), fanout)),
                Arguments.of(ExchangeType.TOPIC, new Scenario("a.b", Map.of(), bind("a.b", Map.of(), "anchor"), topic)),
                Arguments.of(
                        ExchangeType.HEADERS,
                        new Scenario("", table("h", "v"), bind("", table("h", "v"), "anchor"), headers)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aDestinationBoundThroughoutIsRoutedOnceByEveryRouteWhileTheWriterChurns(ExchangeType type, Scenario scenario)
            throws Exception {
        ExchangeRouter<String> router = type.newRouter();
        Bind anchor = scenario.anchor();
        router.bind(anchor.key(), anchor.arguments(), anchor.destination());
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(ROUTERS);
        try {
            List<Future<Integer>> routers = new ArrayList<>();
            for (int r = 0; r < ROUTERS; r++) {
                routers.add(pool.submit(() -> routeUntilTheWriterStops(router, scenario, writing)));
            }

            Random random = new Random(11);
            Set<Bind> bound = new HashSet<>();
            long deadline = System.nanoTime() + WRITING_NANOS;
            while (System.nanoTime() < deadline) {
                Bind b = scenario.churn().get(random.nextInt(scenario.churn().size()));
                if (bound.add(b)) {
                    assertThat(router.bind(b.key(), b.arguments(), b.destination()))
                            .isTrue();
                } else {
                    assertThat(router.unbind(b.key(), b.arguments(), b.destination()))
                            .isTrue();
                    bound.remove(b);
                }
                assertThat(router.bindingCount()).isEqualTo(bound.size() + 1);
            }
            writing.set(false);

            for (Future<Integer> routes : routers) {
                assertThat(routes.get(10, TimeUnit.SECONDS)).isPositive();
            }
            for (Bind b : bound) {
                assertThat(router.unbind(b.key(), b.arguments(), b.destination()))
                        .isTrue();
            }
            assertThat(RoutingFixture.route(router, scenario.routingKey(), scenario.headers()))
                    .containsExactly("anchor");
        } finally {
            pool.shutdownNow();
        }
    }

    private static int routeUntilTheWriterStops(
            ExchangeRouter<String> router, Scenario scenario, AtomicBoolean writing) {
        List<String> routed = new ArrayList<>();
        int routes = 0;
        while (writing.get() || routes < 1_000) {
            routed.clear();
            router.route(scenario.routingKey(), scenario.headers(), routed::add);
            if (routed.stream().filter("anchor"::equals).count() != 1) {
                throw new AssertionError("the anchor was not routed exactly once: " + routed);
            }
            if (routed.stream().distinct().count() != routed.size()) {
                throw new AssertionError("a destination was routed twice: " + routed);
            }
            if (!routed.stream().allMatch(d -> d.equals("anchor") || d.startsWith("churn-"))) {
                throw new AssertionError("an unknown destination was routed: " + routed);
            }
            routes++;
        }
        return routes;
    }
}
