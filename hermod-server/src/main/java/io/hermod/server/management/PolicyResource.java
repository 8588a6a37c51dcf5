package io.hermod.server.management;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.broker.VirtualHost;
import io.hermod.broker.definitions.PolicyDefinition;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/policies[/{vhost}[/{name}]]} and, for operator policies, {@code /api/operator-policies[...]}: list, read,
 * set and clear them, in RabbitMQ's shapes ({@code pattern}, {@code definition}, {@code priority},
 * {@code apply-to}). Who may, as RabbitMQ's management plugin: policies are for policymakers and administrators, a
 * policymaker only in the vhosts it has permissions in (lists cover those); operator policies are for administrators
 * only, reads included. The broker checks the policy itself ({@code QueuePolicies.validate}): a refusal is a 400.
 *
 * <p>Threading: stateless; any request thread.
 */
final class PolicyResource {

    private static final Comparator<PolicyDefinition> ORDER =
            Comparator.comparing(PolicyDefinition::vhost).thenComparing(PolicyDefinition::name);

    private final ManagementContext context;
    private final boolean operator;
    private final String prefix;
    private final Access access;

    /** The policies resource, or with {@code operator} the operator policies one. */
    PolicyResource(ManagementContext context, boolean operator) {
        this.context = context;
        this.operator = operator;
        this.prefix = operator ? "/api/operator-policies" : "/api/policies";
        this.access = operator ? Access.ADMINISTRATOR : Access.POLICYMAKER;
    }

    void register(RouteTable routes) {
        routes.add("GET", prefix, access, r -> ApiResponse.ok(list(r.user(), null)));
        routes.add("GET", prefix + "/{vhost}", access, r -> ApiResponse.ok(list(r.user(), r.param("vhost"))));
        routes.add("GET", prefix + "/{vhost}/{name}", access, r -> {
            VirtualHost v = context.readableVhost(r.user(), r.param("vhost"));
            return ApiResponse.ok(json(find(v, r.param("name"))));
        });
        routes.add("PUT", prefix + "/{vhost}/{name}", access, this::put);
        routes.add("DELETE", prefix + "/{vhost}/{name}", access, r -> {
            VirtualHost v = writableVhost(r.user(), r.param("vhost"));
            PolicyDefinition p = find(v, r.param("name"));
            context.broker().clearPolicy(p.vhost(), p.name(), operator);
            return ApiResponse.noContent();
        });
    }

    private List<Map<String, Object>> list(ApiUser user, String vhost) {
        return context.readableVhosts(user, vhost).stream()
                .flatMap(v -> v.policies().stream())
                .filter(p -> p.operator() == operator)
                .sorted(ORDER)
                .map(PolicyResource::json)
                .toList();
    }

    private PolicyDefinition find(VirtualHost v, String name) {
        return v.policies().stream()
                .filter(p -> p.operator() == operator && p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> ApiException.notFound(
                        (operator ? "no operator policy '" : "no policy '") + name + "' in vhost '" + v.name() + "'"));
    }

    /**
     * The vhost, for setting policies in: administrators may in every vhost, a policymaker in those it has
     * permissions in.
     *
     * @throws ApiException 404 when there is none, 403 when the user may not
     */
    private VirtualHost writableVhost(ApiUser user, String vhost) {
        VirtualHost v = context.vhost(vhost);
        if (!user.administrator() && !context.hasPermissions(user, vhost)) {
            throw ApiException.forbidden("access to vhost '" + vhost + "' refused for user '" + user.name() + "'");
        }
        return v;
    }

    private ApiResponse put(ApiRequest request) {
        VirtualHost v = writableVhost(request.user(), request.param("vhost"));
        String name = request.param("name");
        boolean exists = v.policies().stream()
                .anyMatch(p -> p.operator() == operator && p.name().equals(name));
        context.broker().setPolicy(parse(v.name(), name, request.json(), operator));
        return exists ? ApiResponse.noContent() : ApiResponse.created();
    }

    /**
     * A policy from RabbitMQ's JSON ({@code pattern} and {@code definition} required, {@code priority} 0 and
     * {@code apply-to} {@code all} by default); what the broker checks is left to it.
     *
     * @throws ApiException 400 on a missing field or one of the wrong type
     */
    static PolicyDefinition parse(String vhost, String name, ObjectNode body, boolean operator) {
        String pattern = Json.requiredText(body, "pattern");
        JsonNode definition = body.get("definition");
        if (definition == null || definition.isNull()) {
            throw ApiException.badRequest("'definition' is missing");
        }
        if (!definition.isObject()) {
            throw ApiException.badRequest("'definition' must be an object");
        }
        long priority = Json.integer(body, "priority", 0);
        if (priority != (int) priority) {
            throw ApiException.badRequest("'priority' is out of range");
        }
        return new PolicyDefinition(
                vhost,
                name,
                pattern,
                Json.text(body, "apply-to", "all"),
                (int) priority,
                Json.table(definition),
                operator);
    }

    /** RabbitMQ's JSON of a policy or operator policy. */
    static Map<String, Object> json(PolicyDefinition p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vhost", p.vhost());
        m.put("name", p.name());
        m.put("pattern", p.pattern());
        m.put("apply-to", p.applyTo());
        m.put("definition", Json.toJson(p.definition()));
        m.put("priority", p.priority());
        return m;
    }
}
