package io.hermod.server.management;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.broker.definitions.PermissionDefinition;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /api/permissions[/{vhost}/{user}]} and {@code /api/vhosts/{vhost}/permissions} (administrators): a user's
 * configure, write and read patterns in a vhost.
 */
final class PermissionResource {

    private final ManagementContext context;

    PermissionResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add(
                "GET",
                "/api/permissions",
                Access.ADMINISTRATOR,
                r -> ApiResponse.ok(context.broker().permissions().stream()
                        .map(PermissionResource::json)
                        .toList()));
        routes.add("GET", "/api/vhosts/{vhost}/permissions", Access.ADMINISTRATOR, r -> {
            String vhost = requireVhost(r.param("vhost"));
            return ApiResponse.ok(context.broker().permissions().stream()
                    .filter(p -> p.vhost().equals(vhost))
                    .map(PermissionResource::json)
                    .toList());
        });
        routes.add("GET", "/api/permissions/{vhost}/{user}", Access.ADMINISTRATOR, r -> ApiResponse.ok(json(find(r))));
        routes.add("PUT", "/api/permissions/{vhost}/{user}", Access.ADMINISTRATOR, this::put);
        routes.add("DELETE", "/api/permissions/{vhost}/{user}", Access.ADMINISTRATOR, r -> {
            PermissionDefinition p = find(r);
            context.broker().clearPermissions(p.vhost(), p.user());
            return ApiResponse.noContent();
        });
    }

    private String requireVhost(String vhost) {
        return context.vhost(vhost).name();
    }

    private PermissionDefinition find(ApiRequest r) {
        String vhost = r.param("vhost");
        String user = r.param("user");
        return context.broker().permissions().stream()
                .filter(p -> p.vhost().equals(vhost) && p.user().equals(user))
                .findFirst()
                .orElseThrow(
                        () -> ApiException.notFound("no permissions for user '" + user + "' in vhost '" + vhost + "'"));
    }

    private ApiResponse put(ApiRequest request) {
        ObjectNode body = request.json();
        String vhost = request.param("vhost");
        String user = request.param("user");
        boolean exists = context.broker().permissions().stream()
                .anyMatch(p -> p.vhost().equals(vhost) && p.user().equals(user));
        context.broker()
                .setPermissions(
                        vhost,
                        user,
                        Json.requiredText(body, "configure"),
                        Json.requiredText(body, "write"),
                        Json.requiredText(body, "read"));
        return exists ? ApiResponse.noContent() : ApiResponse.created();
    }

    static Map<String, Object> json(PermissionDefinition p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("user", p.user());
        m.put("vhost", p.vhost());
        m.put("configure", p.configure());
        m.put("write", p.write());
        m.put("read", p.read());
        return m;
    }
}
