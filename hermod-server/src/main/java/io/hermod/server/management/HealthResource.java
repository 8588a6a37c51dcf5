package io.hermod.server.management;

import io.hermod.broker.Delivery;
import io.hermod.broker.Message;
import io.hermod.broker.QueueSpec;
import io.hermod.broker.ResourceAlarms;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * RabbitMQ's health checks (https://www.rabbitmq.com/docs/monitoring#health-checks): 200 {@code {"status":"ok"}} when
 * healthy, 503 {@code {"status":"failed","reason":...}} otherwise. {@code alarms} and {@code local-alarms} (one node:
 * the same), {@code virtual-hosts}, {@code port-listener/{port}}, and the older {@code /api/aliveness-test/{vhost}},
 * which declares a queue {@code aliveness-test} in the vhost and sends a message through it.
 */
final class HealthResource {

    private static final String ALIVENESS_QUEUE = "aliveness-test";

    private final ManagementContext context;

    HealthResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/health/checks/alarms", Access.MANAGEMENT, r -> alarms());
        routes.add("GET", "/api/health/checks/local-alarms", Access.MANAGEMENT, r -> alarms());
        routes.add("GET", "/api/health/checks/virtual-hosts", Access.MANAGEMENT, r -> virtualHosts());
        routes.add("GET", "/api/health/checks/port-listener/{port}", Access.MANAGEMENT, this::portListener);
        routes.add("GET", "/api/aliveness-test/{vhost}", Access.MANAGEMENT, this::aliveness);
    }

    /** The alarms in effect, as {@code /api/overview} and the alarm checks name them. */
    static List<Map<String, Object>> alarmNames(ManagementContext context) {
        List<Map<String, Object>> alarms = new ArrayList<>();
        for (ResourceAlarms.Alarm alarm : context.broker().alarms().active()) {
            alarms.add(Map.of("node", Nodes.NAME, "resource", alarm.name().toLowerCase(Locale.ROOT)));
        }
        return alarms;
    }

    private ApiResponse alarms() {
        List<Map<String, Object>> alarms = alarmNames(context);
        if (alarms.isEmpty()) {
            return ok();
        }
        Map<String, Object> body = failed("resource alarm(s) in effect in the cluster");
        body.put("alarms", alarms);
        return ApiResponse.status(503, body);
    }

    /** Every vhost of a Hermod node is running while the node is: the broker has no per-vhost supervisor to fail. */
    private ApiResponse virtualHosts() {
        return ok();
    }

    private ApiResponse portListener(ApiRequest request) {
        int port;
        try {
            port = Integer.parseInt(request.param("port"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("not a port: '" + request.param("port") + "'");
        }
        List<Integer> ports = context.listeners().stream().map(Listener::port).toList();
        if (ports.contains(port)) {
            Map<String, Object> body = ok(port);
            return ApiResponse.ok(body);
        }
        Map<String, Object> body = failed("No active listener");
        body.put("missing", port);
        body.put("ports", ports);
        return ApiResponse.status(503, body);
    }

    private ApiResponse aliveness(ApiRequest request) {
        String vhost = request.param("vhost");
        context.readableVhost(request.user(), vhost);
        byte[] test = "test_message".getBytes(StandardCharsets.UTF_8);
        Optional<byte[]> back = context.asUser(request.user(), vhost, channel -> {
            channel.declareQueue(new QueueSpec(ALIVENESS_QUEUE, false, false, false, Map.of()));
            channel.publish(Message.of("", ALIVENESS_QUEUE, false, test)).join();
            Optional<Delivery> d = channel.get(ALIVENESS_QUEUE, true);
            return d.map(delivery -> {
                byte[] body = new byte[delivery.body().remaining()];
                delivery.body().duplicate().get(body);
                return body;
            });
        });
        if (back.isPresent() && Arrays.equals(back.get(), test)) {
            return ok();
        }
        return ApiResponse.status(503, failed("the test message did not come back"));
    }

    private static ApiResponse ok() {
        return ApiResponse.ok(Map.of("status", "ok"));
    }

    private static Map<String, Object> ok(int port) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "ok");
        body.put("port", port);
        return body;
    }

    private static Map<String, Object> failed(String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "failed");
        body.put("reason", reason);
        return body;
    }
}
