package io.hermod.server.management;

/**
 * How the HTTP listener serves {@code /metrics}.
 *
 * @param perQueue whether to add one series per queue to the per-vhost ones ({@code metrics.per_queue})
 * @param auth whether a scrape needs basic auth of a monitoring or administrator user ({@code metrics.auth}); open
 *     otherwise, as RabbitMQ's Prometheus endpoint
 */
public record MetricsOptions(boolean perQueue, boolean auth) {

    /** The server's defaults: per vhost only, no authentication. */
    public static final MetricsOptions DEFAULT = new MetricsOptions(false, false);
}
