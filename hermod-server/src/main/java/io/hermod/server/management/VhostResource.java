package io.hermod.server.management;

import io.hermod.broker.VirtualHost;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/vhosts[/{vhost}]}: list and show (vhosts the user may read), create and delete (administrators). */
final class VhostResource {

    private final ManagementContext context;

    VhostResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/vhosts", Access.MANAGEMENT, this::list);
        routes.add("GET", "/api/vhosts/{vhost}", Access.MANAGEMENT, this::show);
        routes.add("PUT", "/api/vhosts/{vhost}", Access.ADMINISTRATOR, this::put);
        routes.add("DELETE", "/api/vhosts/{vhost}", Access.ADMINISTRATOR, this::delete);
    }

    private ApiResponse list(ApiRequest request) {
        return ApiResponse.ok(context.readableVhosts(request.user(), null).stream()
                .map(VhostResource::json)
                .toList());
    }

    private ApiResponse show(ApiRequest request) {
        return ApiResponse.ok(json(context.readableVhost(request.user(), request.param("vhost"))));
    }

    private ApiResponse put(ApiRequest request) {
        request.json(); // a body, if any, must be JSON (description, tags: accepted, not kept)
        String name = request.param("vhost");
        boolean exists = context.broker().vhost(name).isPresent();
        context.broker().addVhost(name);
        return exists ? ApiResponse.noContent() : ApiResponse.created();
    }

    private ApiResponse delete(ApiRequest request) {
        String name = context.vhost(request.param("vhost")).name();
        context.broker().deleteVhost(name);
        return ApiResponse.noContent();
    }

    static Map<String, Object> json(VirtualHost v) {
        QueueTotals totals = QueueTotals.of(v);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("description", "");
        m.put("tags", List.of());
        m.put("tracing", false);
        m.put("messages", totals.messages());
        m.put("messages_ready", totals.ready());
        m.put("messages_unacknowledged", totals.unacknowledged());
        return m;
    }
}
