package io.hermod.server.management;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.broker.ExchangeSpec;
import io.hermod.broker.VirtualHost;
import io.hermod.broker.definitions.ExchangeDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/exchanges[/{vhost}[/{name}]]}: list, show, declare (PUT) and delete (with {@code if-unused}). The
 * default exchange is {@code ""} in bodies and {@code amq.default} in paths, as in RabbitMQ.
 */
final class ExchangeResource {

    /** How paths name the default exchange. */
    static final String DEFAULT_IN_PATHS = "amq.default";

    private final ManagementContext context;

    ExchangeResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/exchanges", Access.MANAGEMENT, r -> ListQuery.reply(r, list(r.user(), null)));
        routes.add(
                "GET",
                "/api/exchanges/{vhost}",
                Access.MANAGEMENT,
                r -> ListQuery.reply(r, list(r.user(), r.param("vhost"))));
        routes.add("GET", "/api/exchanges/{vhost}/{name}", Access.MANAGEMENT, this::show);
        routes.add("PUT", "/api/exchanges/{vhost}/{name}", Access.MANAGEMENT, this::declare);
        routes.add("DELETE", "/api/exchanges/{vhost}/{name}", Access.MANAGEMENT, this::delete);
    }

    /** An exchange name from a path: {@code amq.default} is the default exchange. */
    static String fromPath(String name) {
        return name.equals(DEFAULT_IN_PATHS) ? "" : name;
    }

    private List<Map<String, Object>> list(ApiUser user, String vhost) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (VirtualHost v : context.readableVhosts(user, vhost)) {
            v.exchangeNames().stream()
                    .sorted()
                    .forEach(x -> v.exchangeDefinition(x).ifPresent(d -> all.add(json(d))));
        }
        return all;
    }

    private ApiResponse show(ApiRequest request) {
        VirtualHost v = context.readableVhost(request.user(), request.param("vhost"));
        String name = fromPath(request.param("name"));
        return ApiResponse.ok(json(v.exchangeDefinition(name).orElseThrow(() -> notFound(v.name(), name))));
    }

    private ApiResponse declare(ApiRequest request) {
        ObjectNode body = request.json();
        String vhost = request.param("vhost");
        String name = fromPath(request.param("name"));
        ExchangeSpec spec = new ExchangeSpec(
                name,
                Json.requiredText(body, "type"),
                Json.bool(body, "durable", true),
                Json.bool(body, "auto_delete", false),
                Json.bool(body, "internal", false),
                Json.table(body.get("arguments")));
        boolean existed = context.broker()
                .vhost(vhost)
                .flatMap(v -> v.exchangeDefinition(name))
                .isPresent();
        context.asUser(request.user(), vhost, channel -> channel.declareExchange(spec));
        return existed ? ApiResponse.noContent() : ApiResponse.created();
    }

    private ApiResponse delete(ApiRequest request) {
        String vhost = request.param("vhost");
        String name = fromPath(request.param("name"));
        VirtualHost v = context.vhost(vhost);
        if (v.exchangeDefinition(name).isEmpty()) {
            throw notFound(vhost, name);
        }
        boolean ifUnused = "true".equals(request.queryParam("if-unused"));
        context.asUser(request.user(), vhost, channel -> {
            channel.deleteExchange(name, ifUnused);
            return null;
        });
        return ApiResponse.noContent();
    }

    static ApiException notFound(String vhost, String exchange) {
        return ApiException.notFound("no exchange '" + exchange + "' in vhost '" + vhost + "'");
    }

    static Map<String, Object> json(ExchangeDefinition d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("vhost", d.vhost());
        m.put("type", d.type());
        m.put("durable", d.durable());
        m.put("auto_delete", d.autoDelete());
        m.put("internal", d.internal());
        m.put("arguments", Json.toJson(d.arguments()));
        return m;
    }
}
