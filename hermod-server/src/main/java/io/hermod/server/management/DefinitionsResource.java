package io.hermod.server.management;

import io.hermod.broker.VirtualHost;
import io.hermod.broker.definitions.BindingDefinition;
import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.definitions.PolicyDefinition;
import io.hermod.broker.definitions.QueueDefinition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /api/definitions} exports the broker's durable definitions in RabbitMQ's definitions format (users with
 * their password hashes, vhosts, permissions, policies, operator policies (as {@code operator_policy} parameters, as
 * RabbitMQ), durable queues and exchanges, bindings between them);
 * {@code POST /api/definitions} imports such a file ({@link DefinitionsImport}). {@code /api/definitions/{vhost}}
 * does the same for one vhost's policies, operator policies, queues, exchanges and bindings, whose entries name no
 * vhost. Administrators only.
 */
final class DefinitionsResource {

    private final ManagementContext context;

    DefinitionsResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/definitions", Access.ADMINISTRATOR, r -> ApiResponse.ok(export()));
        routes.add(
                "POST",
                "/api/definitions",
                Access.ADMINISTRATOR,
                r -> ApiResponse.ok(DefinitionsImport.parse(Json.parse(r.body()), context.broker(), null)
                        .apply(context)));
        routes.add("GET", "/api/definitions/{vhost}", Access.ADMINISTRATOR, r -> {
            VirtualHost v = context.vhost(r.param("vhost"));
            Map<String, Object> m = header();
            Topology topology = topology(v);
            m.put("parameters", withoutVhost(operatorPolicies(v)));
            m.put("policies", withoutVhost(policies(v)));
            m.put("queues", withoutVhost(topology.queues()));
            m.put("exchanges", withoutVhost(topology.exchanges()));
            m.put("bindings", withoutVhost(topology.bindings()));
            return ApiResponse.ok(m);
        });
        routes.add(
                "POST",
                "/api/definitions/{vhost}",
                Access.ADMINISTRATOR,
                r -> ApiResponse.ok(DefinitionsImport.parse(
                                Json.parse(r.body()),
                                context.broker(),
                                context.vhost(r.param("vhost")).name())
                        .apply(context)));
    }

    /** What one vhost exports: durable non-exclusive queues, durable exchanges, the bindings between them. */
    private record Topology(
            List<Map<String, Object>> queues,
            List<Map<String, Object>> exchanges,
            List<Map<String, Object>> bindings) {}

    private static Map<String, Object> header() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rabbit_version", OverviewResource.RABBITMQ_API_VERSION);
        m.put("rabbitmq_version", OverviewResource.RABBITMQ_API_VERSION);
        m.put("product_name", "Hermod");
        m.put("product_version", OverviewResource.PRODUCT_VERSION);
        return m;
    }

    Map<String, Object> export() {
        Map<String, Object> m = header();
        m.put("users", context.broker().users().stream().map(UserResource::json).toList());
        List<Map<String, Object>> vhosts = new ArrayList<>();
        List<Map<String, Object>> queues = new ArrayList<>();
        List<Map<String, Object>> exchanges = new ArrayList<>();
        List<Map<String, Object>> bindings = new ArrayList<>();
        List<Map<String, Object>> parameters = new ArrayList<>();
        List<Map<String, Object>> policies = new ArrayList<>();
        for (String name : context.broker().vhostNames().stream().sorted().toList()) {
            VirtualHost v = context.broker().vhost(name).orElse(null);
            if (v == null) {
                continue;
            }
            Map<String, Object> vhost = new LinkedHashMap<>();
            vhost.put("name", name);
            vhost.put("limits", List.of());
            vhost.put("metadata", Map.of("description", "", "tags", List.of()));
            vhosts.add(vhost);
            parameters.addAll(operatorPolicies(v));
            policies.addAll(policies(v));
            Topology topology = topology(v);
            queues.addAll(topology.queues());
            exchanges.addAll(topology.exchanges());
            bindings.addAll(topology.bindings());
        }
        m.put("vhosts", vhosts);
        m.put(
                "permissions",
                context.broker().permissions().stream()
                        .map(PermissionResource::json)
                        .toList());
        m.put("topic_permissions", List.of());
        m.put("parameters", parameters);
        m.put("global_parameters", List.of());
        m.put("policies", policies);
        m.put("queues", queues);
        m.put("exchanges", exchanges);
        m.put("bindings", bindings);
        return m;
    }

    /** A vhost's policies, sorted by name, as RabbitMQ exports them. */
    private static List<Map<String, Object>> policies(VirtualHost v) {
        return v.policies().stream()
                .filter(p -> !p.operator())
                .sorted(Comparator.comparing(PolicyDefinition::name))
                .map(PolicyResource::json)
                .toList();
    }

    /**
     * A vhost's operator policies, sorted by name, as RabbitMQ exports them: runtime parameters of component
     * {@code operator_policy} (its definitions format has no section of their own).
     */
    private static List<Map<String, Object>> operatorPolicies(VirtualHost v) {
        return v.policies().stream()
                .filter(PolicyDefinition::operator)
                .sorted(Comparator.comparing(PolicyDefinition::name))
                .map(p -> {
                    Map<String, Object> value = PolicyResource.json(p);
                    value.remove("vhost");
                    value.remove("name");
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("value", value);
                    m.put("vhost", p.vhost());
                    m.put("component", DefinitionsImport.OPERATOR_POLICY);
                    m.put("name", p.name());
                    return m;
                })
                .toList();
    }

    private static Topology topology(VirtualHost v) {
        List<Map<String, Object>> queues = new ArrayList<>();
        List<Map<String, Object>> exchanges = new ArrayList<>();
        List<Map<String, Object>> bindings = new ArrayList<>();
        Set<String> exportedQueues = new HashSet<>();
        for (String q : v.queueNames().stream().sorted().toList()) {
            v.queueStatus(q)
                    .map(s -> s.definition())
                    .filter(d -> d.durable() && !d.exclusive())
                    .ifPresent(d -> {
                        exportedQueues.add(d.name());
                        queues.add(json(d));
                    });
        }
        Set<String> durableExchanges = new HashSet<>();
        for (String x : v.exchangeNames().stream().sorted().toList()) {
            v.exchangeDefinition(x).filter(ExchangeDefinition::durable).ifPresent(d -> {
                durableExchanges.add(d.name());
                if (!d.name().isEmpty() && !d.name().startsWith("amq.")) {
                    exchanges.add(ExchangeResource.json(d));
                }
            });
        }
        for (BindingDefinition b : v.bindings()) {
            boolean destination = b.destinationKind() == DestinationKind.QUEUE
                    ? exportedQueues.contains(b.destination())
                    : durableExchanges.contains(b.destination());
            if (destination && durableExchanges.contains(b.source())) {
                Map<String, Object> json = BindingResource.json(b);
                json.remove("properties_key");
                bindings.add(json);
            }
        }
        return new Topology(queues, exchanges, bindings);
    }

    /** A vhost's export names no vhost in its entries, as RabbitMQ's: it imports into whichever vhost it is given. */
    private static List<Map<String, Object>> withoutVhost(List<Map<String, Object>> entries) {
        return entries.stream()
                .map(e -> {
                    Map<String, Object> copy = new LinkedHashMap<>(e);
                    copy.remove("vhost");
                    return copy;
                })
                .toList();
    }

    private static Map<String, Object> json(QueueDefinition d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("vhost", d.vhost());
        m.put("durable", d.durable());
        m.put("auto_delete", d.autoDelete());
        m.put("arguments", Json.toJson(d.arguments()));
        return m;
    }
}
