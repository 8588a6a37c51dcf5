package io.hermod.broker.exchange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders shared by the router tests: bindings as values, argument tables with nulls, routes as lists. */
final class RoutingFixture {

    private RoutingFixture() {}

    /** One binding to bind in a test. */
    record Bind(String key, Map<String, Object> arguments, String destination) {
        @Override
        public String toString() {
            return (arguments.isEmpty() ? key : key + arguments) + "->" + destination;
        }
    }

    static Bind bind(String key, String destination) {
        return new Bind(key, Map.of(), destination);
    }

    static Bind bind(String key, Map<String, Object> arguments, String destination) {
        return new Bind(key, arguments, destination);
    }

    /** A mutable, ordered table from alternating names and values; values may be null (AMQP void). */
    static Map<String, Object> table(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must alternate");
        }
        Map<String, Object> table = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            table.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return table;
    }

    static ExchangeRouter<String> routerWith(ExchangeType type, List<Bind> bindings) {
        ExchangeRouter<String> router = type.newRouter();
        for (Bind b : bindings) {
            router.bind(b.key(), b.arguments(), b.destination());
        }
        return router;
    }

    /** Everything a route hands its sink, in order and with any duplicates, so tests can see a destination twice. */
    static List<String> route(ExchangeRouter<String> router, String routingKey, Map<String, Object> headers) {
        List<String> routed = new ArrayList<>();
        router.route(routingKey, headers, routed::add);
        return routed;
    }

    static List<String> route(ExchangeRouter<String> router, String routingKey) {
        return route(router, routingKey, Map.of());
    }
}
