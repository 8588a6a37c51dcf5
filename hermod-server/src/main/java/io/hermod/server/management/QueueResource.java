package io.hermod.server.management;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.broker.QueueSpec;
import io.hermod.broker.QueueStatus;
import io.hermod.broker.VirtualHost;
import io.hermod.broker.definitions.PolicyDefinition;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.broker.queue.DeadLetterReason;
import io.hermod.broker.queue.QueuePolicies;
import io.hermod.broker.queue.QueueStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/queues[/{vhost}[/{name}]]}: list and show with their counts, declare (PUT), delete (with
 * {@code if-unused} / {@code if-empty}), and purge ({@code DELETE .../contents}). Changes act as the user, so its
 * configure and read permissions apply as over AMQP.
 */
final class QueueResource {

    private final ManagementContext context;

    QueueResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/queues", Access.MANAGEMENT, r -> ListQuery.reply(r, list(r.user(), null)));
        routes.add(
                "GET",
                "/api/queues/{vhost}",
                Access.MANAGEMENT,
                r -> ListQuery.reply(r, list(r.user(), r.param("vhost"))));
        routes.add("GET", "/api/queues/{vhost}/{name}", Access.MANAGEMENT, this::show);
        routes.add("PUT", "/api/queues/{vhost}/{name}", Access.MANAGEMENT, this::declare);
        routes.add("DELETE", "/api/queues/{vhost}/{name}", Access.MANAGEMENT, this::delete);
        routes.add("DELETE", "/api/queues/{vhost}/{name}/contents", Access.MANAGEMENT, this::purge);
    }

    private List<Map<String, Object>> list(ApiUser user, String vhost) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (VirtualHost v : context.readableVhosts(user, vhost)) {
            v.queueNames().stream()
                    .sorted()
                    .forEach(q -> v.queueStatus(q).ifPresent(s -> all.add(json(s, v.queueStats(q), v.policies()))));
        }
        return all;
    }

    private ApiResponse show(ApiRequest request) {
        VirtualHost v = context.readableVhost(request.user(), request.param("vhost"));
        String name = request.param("name");
        QueueStatus status = v.queueStatus(name).orElseThrow(() -> notFound(v.name(), name));
        Map<String, Object> body = json(status, v.queueStats(name), v.policies());
        body.put("consumer_details", ConnectionResource.consumersOf(context, v.name(), name));
        return ApiResponse.ok(body);
    }

    private ApiResponse declare(ApiRequest request) {
        ObjectNode body = request.json();
        String vhost = request.param("vhost");
        String name = request.param("name");
        if (Json.bool(body, "exclusive", false)) {
            throw ApiException.badRequest("an exclusive queue belongs to a connection: declare it over AMQP");
        }
        QueueSpec spec = new QueueSpec(
                name,
                Json.bool(body, "durable", true),
                false,
                Json.bool(body, "auto_delete", false),
                Json.table(body.get("arguments")));
        boolean existed =
                context.broker().vhost(vhost).flatMap(v -> v.queueStatus(name)).isPresent();
        context.asUser(request.user(), vhost, channel -> channel.declareQueue(spec));
        return existed ? ApiResponse.noContent() : ApiResponse.created();
    }

    private ApiResponse delete(ApiRequest request) {
        String vhost = request.param("vhost");
        String name = request.param("name");
        requireQueue(vhost, name);
        boolean ifUnused = "true".equals(request.queryParam("if-unused"));
        boolean ifEmpty = "true".equals(request.queryParam("if-empty"));
        context.asUser(request.user(), vhost, channel -> channel.deleteQueue(name, ifUnused, ifEmpty));
        return ApiResponse.noContent();
    }

    private ApiResponse purge(ApiRequest request) {
        String vhost = request.param("vhost");
        String name = request.param("name");
        requireQueue(vhost, name);
        context.asUser(request.user(), vhost, channel -> channel.purgeQueue(name));
        return ApiResponse.noContent();
    }

    private void requireQueue(String vhost, String name) {
        VirtualHost v = context.vhost(vhost);
        if (v.queueStatus(name).isEmpty()) {
            throw notFound(vhost, name);
        }
    }

    static ApiException notFound(String vhost, String queue) {
        return ApiException.notFound("no queue '" + queue + "' in vhost '" + vhost + "'");
    }

    static Map<String, Object> json(QueueStatus s, Optional<QueueStats> stats, List<PolicyDefinition> policies) {
        QueueDefinition d = s.definition();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("vhost", d.vhost());
        m.put("type", "classic");
        m.put("durable", d.durable());
        m.put("auto_delete", d.autoDelete());
        m.put("exclusive", d.exclusive());
        m.put("arguments", Json.toJson(d.arguments()));
        m.put("node", Nodes.NAME);
        // RabbitMQ's name for a queue whose publishers are held back by flow control
        m.put("state", s.paced() ? "flow" : "running");
        m.put("messages", s.messagesReady() + s.messagesUnacknowledged());
        m.put("messages_ready", s.messagesReady());
        m.put("messages_unacknowledged", s.messagesUnacknowledged());
        m.put("consumers", s.consumers());
        m.put(
                "policy",
                QueuePolicies.applying(d.name(), policies, false)
                        .map(PolicyDefinition::name)
                        .orElse(null));
        m.put(
                "operator_policy",
                QueuePolicies.applying(d.name(), policies, true)
                        .map(PolicyDefinition::name)
                        .orElse(null));
        m.put("effective_policy_definition", effectivePolicyDefinition(d.name(), policies));
        stats.ifPresent(q -> m.put("message_stats", messageStats(q)));
        return m;
    }

    /**
     * What the policy and operator policy applying to the queue set together, as RabbitMQ shows it: policy keys
     * without {@code x-}, combined by the broker's own rule (the lowest limit wins).
     */
    private static Map<String, Object> effectivePolicyDefinition(String queue, List<PolicyDefinition> policies) {
        Map<String, Object> m = new LinkedHashMap<>();
        QueuePolicies.effective(queue, Map.of(), policies)
                .forEach((argument, value) -> m.put(argument.substring(2), value));
        return Json.toJson(m);
    }

    /**
     * RabbitMQ's {@code message_stats} counts (since the broker started; the console computes rates from them). Not
     * RabbitMQ's {@code *_details} rates.
     */
    static Map<String, Object> messageStats(QueueStats q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("publish", q.published());
        m.put("deliver_get", q.delivered());
        m.put("redeliver", q.redelivered());
        m.put("ack", q.acknowledged());
        long deadLettered = 0;
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLettered += q.deadLettered(reason);
        }
        m.put("dead_lettered", deadLettered);
        return m;
    }
}
