package io.hermod.server.management;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.broker.VirtualHost;
import io.hermod.broker.definitions.Arguments;
import io.hermod.broker.definitions.BindingDefinition;
import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code /api/bindings[/{vhost}]}, the exchange-to-queue ({@code e/{exchange}/q/{queue}}) and exchange-to-exchange
 * ({@code e/{source}/e/{destination}}) paths to list, create (POST) and delete ({@code .../{props}}) bindings, and the
 * per-queue and per-exchange lists. Lists include the default exchange's implicit binding of every queue, as RabbitMQ
 * shows it. A binding's {@code properties_key} names it in paths: its routing key ({@code ~} when empty), followed by
 * {@code ~} and a hash of its arguments when it has any.
 */
final class BindingResource {

    private final ManagementContext context;

    BindingResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/bindings", Access.MANAGEMENT, r -> {
            List<Map<String, Object>> all = new ArrayList<>();
            for (VirtualHost v : context.readableVhosts(r.user(), null)) {
                all.addAll(list(v, b -> true));
            }
            return ApiResponse.ok(all);
        });
        routes.add(
                "GET", "/api/bindings/{vhost}", Access.MANAGEMENT, r -> ApiResponse.ok(list(readable(r), b -> true)));
        for (String kind : List.of("q", "e")) {
            DestinationKind destinationKind = kind.equals("q") ? DestinationKind.QUEUE : DestinationKind.EXCHANGE;
            String path = "/api/bindings/{vhost}/e/{source}/" + kind + "/{destination}";
            routes.add(
                    "GET",
                    path,
                    Access.MANAGEMENT,
                    r -> ApiResponse.ok(list(readable(r), between(r, destinationKind))));
            routes.add("POST", path, Access.MANAGEMENT, r -> create(r, destinationKind));
            routes.add(
                    "GET", path + "/{props}", Access.MANAGEMENT, r -> ApiResponse.ok(json(find(r, destinationKind))));
            routes.add("DELETE", path + "/{props}", Access.MANAGEMENT, r -> delete(r, destinationKind));
        }
        routes.add("GET", "/api/queues/{vhost}/{name}/bindings", Access.MANAGEMENT, r -> {
            String queue = r.param("name");
            return ApiResponse.ok(list(
                    readable(r),
                    b -> b.destinationKind() == DestinationKind.QUEUE
                            && b.destination().equals(queue)));
        });
        routes.add("GET", "/api/exchanges/{vhost}/{name}/bindings/source", Access.MANAGEMENT, r -> {
            String exchange = ExchangeResource.fromPath(r.param("name"));
            return ApiResponse.ok(list(readable(r), b -> b.source().equals(exchange)));
        });
        routes.add("GET", "/api/exchanges/{vhost}/{name}/bindings/destination", Access.MANAGEMENT, r -> {
            String exchange = ExchangeResource.fromPath(r.param("name"));
            return ApiResponse.ok(list(
                    readable(r),
                    b -> b.destinationKind() == DestinationKind.EXCHANGE
                            && b.destination().equals(exchange)));
        });
    }

    private VirtualHost readable(ApiRequest r) {
        return context.readableVhost(r.user(), r.param("vhost"));
    }

    private static Predicate<BindingDefinition> between(ApiRequest r, DestinationKind kind) {
        String source = ExchangeResource.fromPath(r.param("source"));
        String destination = r.param("destination");
        return b -> b.source().equals(source)
                && b.destinationKind() == kind
                && b.destination().equals(destination);
    }

    /** The vhost's bindings that pass {@code filter}: the default exchange's implicit ones first, as RabbitMQ. */
    static List<Map<String, Object>> list(VirtualHost v, Predicate<BindingDefinition> filter) {
        List<Map<String, Object>> all = new ArrayList<>();
        v.queueNames().stream()
                .sorted()
                .map(q -> new BindingDefinition(v.name(), "", DestinationKind.QUEUE, q, q, Map.of()))
                .filter(filter)
                .forEach(b -> all.add(json(b)));
        v.bindings().stream().filter(filter).forEach(b -> all.add(json(b)));
        return all;
    }

    private ApiResponse create(ApiRequest r, DestinationKind kind) {
        ObjectNode body = r.json();
        String vhost = r.param("vhost");
        String source = ExchangeResource.fromPath(r.param("source"));
        String destination = r.param("destination");
        String routingKey = Json.text(body, "routing_key", "");
        Map<String, Object> arguments = Json.table(body.get("arguments"));
        context.asUser(r.user(), vhost, channel -> {
            if (kind == DestinationKind.QUEUE) {
                channel.bindQueue(destination, source, routingKey, arguments);
            } else {
                channel.bindExchange(destination, source, routingKey, arguments);
            }
            return null;
        });
        String key = propertiesKey(routingKey, Arguments.copyOf(arguments));
        return new ApiResponse(201, null, ApiResponse.JSON, Map.of("Location", PathSegments.encode(key)));
    }

    private BindingDefinition find(ApiRequest r, DestinationKind kind) {
        VirtualHost v = readable(r);
        String props = r.param("props");
        Predicate<BindingDefinition> between = between(r, kind);
        return v.bindings().stream()
                .filter(between)
                .filter(b -> propertiesKey(b.routingKey(), b.arguments()).equals(props))
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("no binding " + props));
    }

    private ApiResponse delete(ApiRequest r, DestinationKind kind) {
        BindingDefinition b = find(r, kind);
        context.asUser(r.user(), b.vhost(), channel -> {
            if (kind == DestinationKind.QUEUE) {
                channel.unbindQueue(b.destination(), b.source(), b.routingKey(), b.arguments());
            } else {
                channel.unbindExchange(b.destination(), b.source(), b.routingKey(), b.arguments());
            }
            return null;
        });
        return ApiResponse.noContent();
    }

    static String propertiesKey(String routingKey, Map<String, Object> arguments) {
        String key = routingKey.isEmpty() ? "~" : routingKey;
        return arguments.isEmpty() ? key : key + "~" + Integer.toHexString(Arguments.hash(arguments));
    }

    static Map<String, Object> json(BindingDefinition b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", b.source());
        m.put("vhost", b.vhost());
        m.put("destination", b.destination());
        m.put("destination_type", b.destinationKind() == DestinationKind.QUEUE ? "queue" : "exchange");
        m.put("routing_key", b.routingKey());
        m.put("arguments", Json.toJson(b.arguments()));
        m.put("properties_key", propertiesKey(b.routingKey(), b.arguments()));
        return m;
    }
}
