package io.hermod.server.management;

import io.hermod.broker.BrokerConfig;
import io.hermod.broker.ResourceAlarms;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /api/nodes[/{name}]} (monitoring): the one Hermod node with the resource figures RabbitMQ's node view and
 * dashboards read — heap in use against the memory high watermark, free disk against its limit, the alarms, uptime.
 * Heap stands for RabbitMQ's node memory: it is what the memory alarm measures.
 */
final class NodeResource {

    private final ManagementContext context;

    NodeResource(ManagementContext context) {
        this.context = context;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/api/nodes", Access.MONITORING, r -> ApiResponse.ok(List.of(node())));
        routes.add("GET", "/api/nodes/{name}", Access.MONITORING, r -> {
            if (!r.param("name").equals(Nodes.NAME)) {
                throw ApiException.notFound("no node '" + r.param("name") + "'");
            }
            return ApiResponse.ok(node());
        });
    }

    private Map<String, Object> node() {
        BrokerConfig config = context.broker().config();
        Set<ResourceAlarms.Alarm> alarms = context.broker().alarms().active();
        Runtime runtime = Runtime.getRuntime();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", Nodes.NAME);
        m.put("type", "disc");
        m.put("running", true);
        m.put("mem_used", runtime.totalMemory() - runtime.freeMemory());
        m.put("mem_limit", (long) (runtime.maxMemory() * config.memoryHighWatermark()));
        m.put("mem_alarm", alarms.contains(ResourceAlarms.Alarm.MEMORY));
        m.put("disk_free", diskFree());
        m.put("disk_free_limit", config.diskFreeLimitBytes());
        m.put("disk_free_alarm", alarms.contains(ResourceAlarms.Alarm.DISK));
        m.put("processors", runtime.availableProcessors());
        m.put("uptime", ManagementFactory.getRuntimeMXBean().getUptime());
        return m;
    }

    private long diskFree() {
        try {
            return Files.getFileStore(context.broker().config().dataDirectory()).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }
}
