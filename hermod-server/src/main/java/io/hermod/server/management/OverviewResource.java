package io.hermod.server.management;

import io.hermod.amqp.server.ChannelInfo;
import io.hermod.amqp.server.ConnectionInfo;
import io.hermod.broker.VirtualHost;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/overview} (RabbitMQ's node overview: versions, object and message totals, listeners) and
 * {@code GET /api/whoami}. Totals cover what the user may see.
 */
final class OverviewResource {

    /** The RabbitMQ release whose management API these resources follow, for tools that check the version. */
    static final String RABBITMQ_API_VERSION = "3.13.0";

    static final String PRODUCT_VERSION = "0.1.0";

    private final ManagementContext context;

    OverviewResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/overview", Access.MANAGEMENT, this::overview);
        routes.add(
                "GET",
                "/api/whoami",
                Access.MANAGEMENT,
                r -> ApiResponse.ok(Map.of(
                        "name",
                        r.user().name(),
                        "tags",
                        r.user().tags().stream().sorted().toList())));
    }

    private ApiResponse overview(ApiRequest request) {
        ApiUser user = request.user();
        QueueTotals totals = QueueTotals.NONE;
        int exchanges = 0;
        Map<String, Long> messageStats = new LinkedHashMap<>();
        for (VirtualHost v : context.readableVhosts(user, null)) {
            exchanges += v.exchangeNames().size();
            totals = totals.plus(QueueTotals.of(v));
            QueueResource.messageStats(v.stats()).forEach((k, n) -> messageStats.merge(k, (Long) n, Long::sum));
        }
        List<ConnectionInfo> connections = ConnectionResource.visibleConnections(context, user);
        List<ChannelInfo> channels = ConnectionResource.visibleChannels(context, user);

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("management_version", PRODUCT_VERSION);
        body.put("rabbitmq_version", RABBITMQ_API_VERSION);
        body.put("product_name", "Hermod");
        body.put("product_version", PRODUCT_VERSION);
        body.put("cluster_name", "hermod");
        body.put("node", Nodes.NAME);
        body.put("erlang_version", "none (Java " + Runtime.version().feature() + ")");
        body.put("message_stats", messageStats);
        body.put(
                "queue_totals",
                Map.of(
                        "messages",
                        totals.messages(),
                        "messages_ready",
                        totals.ready(),
                        "messages_unacknowledged",
                        totals.unacknowledged()));
        body.put(
                "object_totals",
                Map.of(
                        "connections", connections.size(),
                        "channels", channels.size(),
                        "exchanges", exchanges,
                        "queues", totals.queues(),
                        "consumers", totals.consumers()));
        List<Map<String, Object>> listeners = new ArrayList<>();
        for (Listener l : context.listeners()) {
            listeners.add(
                    Map.of("node", Nodes.NAME, "protocol", l.protocol(), "ip_address", l.host(), "port", l.port()));
        }
        body.put("listeners", listeners);
        body.put("alarms", HealthResource.alarmNames(context));
        return ApiResponse.ok(body);
    }
}
