package io.hermod.server.management;

import io.hermod.server.metrics.HermodMetrics;
import java.util.Map;

/**
 * {@code GET /metrics}: Prometheus' scrape of {@link HermodMetrics}, open or for monitoring users
 * ({@link MetricsOptions#auth()}). The same listener as the API, so one port (and its TLS) serves both; RabbitMQ puts
 * its Prometheus endpoint on a port of its own (15692), which Hermod has no need for with one node.
 */
final class MetricsResource {

    private final HermodMetrics metrics;
    private final MetricsOptions options;

    MetricsResource(HermodMetrics metrics, MetricsOptions options) {
        this.metrics = metrics;
        this.options = options;
    }

    void register(RouteTable routes) {
        routes.add("GET", "/metrics", options.auth() ? Access.MONITORING : Access.PUBLIC, r -> {
            HermodMetrics.Scrape scrape = metrics.scrape(r.header().apply("Accept"));
            return new ApiResponse(200, scrape.body(), scrape.contentType(), Map.of());
        });
    }
}
