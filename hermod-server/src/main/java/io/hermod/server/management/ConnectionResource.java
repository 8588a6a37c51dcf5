package io.hermod.server.management;

import io.hermod.amqp.server.ChannelInfo;
import io.hermod.amqp.server.ConnectionInfo;
import io.hermod.broker.ConsumerInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The AMQP server's connections, channels and consumers: {@code /api/connections[/{name}]} (and {@code DELETE} to
 * close one with CONNECTION_FORCED; the {@code X-Reason} header gives the reason), {@code /api/channels[/{name}]},
 * {@code /api/consumers[/{vhost}]}, and the per-vhost and per-connection lists. Monitoring users and administrators
 * see everything; other users see their own connections, as in RabbitMQ.
 */
final class ConnectionResource {

    private static final String DEFAULT_CLOSE_REASON = "Closed via management plugin";

    private final ManagementContext context;

    ConnectionResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add(
                "GET",
                "/api/connections",
                Access.MANAGEMENT,
                r -> ListQuery.reply(
                        r,
                        visibleConnections(context, r.user()).stream()
                                .map(ConnectionResource::json)
                                .toList()));
        routes.add("GET", "/api/vhosts/{vhost}/connections", Access.MANAGEMENT, r -> {
            String vhost = context.readableVhost(r.user(), r.param("vhost")).name();
            return ListQuery.reply(
                    r,
                    visibleConnections(context, r.user()).stream()
                            .filter(c -> c.vhost().equals(vhost))
                            .map(ConnectionResource::json)
                            .toList());
        });
        routes.add("GET", "/api/connections/{name}", Access.MANAGEMENT, r -> ApiResponse.ok(json(find(r))));
        routes.add("DELETE", "/api/connections/{name}", Access.MANAGEMENT, this::close);
        routes.add("GET", "/api/connections/{name}/channels", Access.MANAGEMENT, r -> {
            String name = find(r).name();
            return ApiResponse.ok(visibleChannels(context, r.user()).stream()
                    .filter(c -> c.connection().name().equals(name))
                    .map(ConnectionResource::json)
                    .toList());
        });
        routes.add(
                "GET",
                "/api/channels",
                Access.MANAGEMENT,
                r -> ListQuery.reply(
                        r,
                        visibleChannels(context, r.user()).stream()
                                .map(ConnectionResource::json)
                                .toList()));
        routes.add("GET", "/api/vhosts/{vhost}/channels", Access.MANAGEMENT, r -> {
            String vhost = context.readableVhost(r.user(), r.param("vhost")).name();
            return ListQuery.reply(
                    r,
                    visibleChannels(context, r.user()).stream()
                            .filter(c -> c.connection().vhost().equals(vhost))
                            .map(ConnectionResource::json)
                            .toList());
        });
        routes.add("GET", "/api/channels/{name}", Access.MANAGEMENT, r -> {
            String name = r.param("name");
            return ApiResponse.ok(visibleChannels(context, r.user()).stream()
                    .filter(c -> c.name().equals(name))
                    .findFirst()
                    .map(ConnectionResource::json)
                    .orElseThrow(() -> ApiException.notFound("no channel '" + name + "'")));
        });
        routes.add("GET", "/api/consumers", Access.MANAGEMENT, r -> ApiResponse.ok(consumers(r.user(), null)));
        routes.add(
                "GET",
                "/api/consumers/{vhost}",
                Access.MANAGEMENT,
                r -> ApiResponse.ok(consumers(
                        r.user(),
                        context.readableVhost(r.user(), r.param("vhost")).name())));
    }

    /** The connections this user may see, sorted by name. */
    static List<ConnectionInfo> visibleConnections(ManagementContext context, ApiUser user) {
        return context.amqp().connections().stream()
                .filter(c -> user.monitoring() || c.user().equals(user.name()))
                .sorted(Comparator.comparing(ConnectionInfo::name))
                .toList();
    }

    /** The channels this user may see, sorted by name. */
    static List<ChannelInfo> visibleChannels(ManagementContext context, ApiUser user) {
        return context.amqp().channels().stream()
                .filter(c -> user.monitoring() || c.connection().user().equals(user.name()))
                .sorted(Comparator.comparing(ChannelInfo::name))
                .toList();
    }

    /** The consumers of one queue, for its detail view. */
    static List<Map<String, Object>> consumersOf(ManagementContext context, String vhost, String queue) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (ChannelInfo channel : context.amqp().channels()) {
            if (channel.connection().vhost().equals(vhost)) {
                for (ConsumerInfo consumer : channel.consumers()) {
                    if (consumer.queue().equals(queue)) {
                        all.add(json(channel, consumer));
                    }
                }
            }
        }
        return all;
    }

    private List<Map<String, Object>> consumers(ApiUser user, String vhost) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (ChannelInfo channel : context.amqp().channels()) {
            String channelVhost = channel.connection().vhost();
            if ((vhost == null || channelVhost.equals(vhost)) && context.canRead(user, channelVhost)) {
                for (ConsumerInfo consumer : channel.consumers()) {
                    all.add(json(channel, consumer));
                }
            }
        }
        return all;
    }

    private ConnectionInfo find(ApiRequest r) {
        String name = r.param("name");
        return visibleConnections(context, r.user()).stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("no connection '" + name + "'"));
    }

    private ApiResponse close(ApiRequest r) {
        ConnectionInfo connection = find(r);
        if (!r.user().administrator() && !connection.user().equals(r.user().name())) {
            throw ApiException.forbidden("only administrators close the connections of other users");
        }
        String reason = r.header().apply("X-Reason");
        if (!context.amqp().closeConnection(connection.name(), reason == null ? DEFAULT_CLOSE_REASON : reason)) {
            throw ApiException.notFound("no connection '" + connection.name() + "'");
        }
        return ApiResponse.noContent();
    }

    static Map<String, Object> json(ConnectionInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("node", Nodes.NAME);
        m.put("type", "network");
        m.put("protocol", "AMQP 0-9-1");
        m.put("user", c.user());
        m.put("vhost", c.vhost());
        m.put("state", c.state());
        m.put("channels", c.channels());
        m.put("peer_host", c.peerHost());
        m.put("peer_port", c.peerPort());
        m.put("host", c.host());
        m.put("port", c.port());
        m.put("ssl", false);
        m.put("auth_mechanism", "PLAIN");
        m.put("connected_at", c.connectedAt());
        m.put("frame_max", c.frameMax());
        m.put("channel_max", c.channelMax());
        m.put("timeout", c.heartbeat());
        m.put("client_properties", Json.toJson(c.clientProperties()));
        return m;
    }

    static Map<String, Object> json(ChannelInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("node", Nodes.NAME);
        m.put("number", c.number());
        m.put("user", c.connection().user());
        m.put("vhost", c.connection().vhost());
        m.put("state", "running");
        m.put("consumer_count", c.consumers().size());
        m.put("messages_unacknowledged", c.unacknowledged());
        m.put("prefetch_count", c.prefetchCount());
        m.put("confirm", c.confirm());
        m.put("transactional", c.transactional());
        m.put("connection_details", connectionDetails(c.connection()));
        return m;
    }

    private static Map<String, Object> json(ChannelInfo channel, ConsumerInfo consumer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("consumer_tag", consumer.consumerTag());
        m.put(
                "queue",
                Map.of("name", consumer.queue(), "vhost", channel.connection().vhost()));
        Map<String, Object> channelDetails = new LinkedHashMap<>(connectionDetails(channel.connection()));
        channelDetails.put("name", channel.name());
        channelDetails.put("number", channel.number());
        channelDetails.put("connection_name", channel.connection().name());
        channelDetails.put("user", channel.connection().user());
        m.put("channel_details", channelDetails);
        m.put("ack_required", !consumer.autoAck());
        m.put("exclusive", consumer.exclusive());
        m.put("prefetch_count", consumer.prefetchCount());
        m.put("priority", consumer.priority());
        m.put("active", true);
        m.put("arguments", Map.of());
        return m;
    }

    private static Map<String, Object> connectionDetails(ConnectionInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("peer_host", c.peerHost());
        m.put("peer_port", c.peerPort());
        return m;
    }
}
