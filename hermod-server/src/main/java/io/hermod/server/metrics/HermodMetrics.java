package io.hermod.server.metrics;

import io.hermod.amqp.server.AmqpServer;
import io.hermod.broker.Broker;
import io.hermod.broker.CpuPressure;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;

/**
 * What {@code /metrics} serves, in Prometheus' text format: Hermod's own metrics ({@code hermod_*}, see
 * docs/operations.md), read from the broker's counters at each scrape by {@link BrokerCollector} and
 * {@link NodeCollector}, and Micrometer's JVM and process metrics ({@code jvm_*}, {@code process_*},
 * {@code system_*}). One Micrometer Prometheus registry holds both, so one scrape writes them in one format.
 *
 * <p>Threading: thread-safe; {@link #scrape} from any thread; {@link #close} once, at shutdown.
 */
public final class HermodMetrics implements AutoCloseable {

    /** Prometheus' text format 0.0.4, what every Prometheus version reads. */
    public static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics 1.0, for a scraper that asks for it. */
    public static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final String SYSTEM_CPU_USAGE = "system.cpu.usage";
    private static final String SYSTEM_CPU_USAGE_HELP =
            "The machine's CPU load over the last second (0-1), as the broker measures it";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /** One scrape's answer. */
    public record Scrape(String contentType, byte[] body) {}

    /**
     * Metrics of a broker and its AMQP server.
     *
     * @param perQueue whether to add one series per queue ({@code hermod_queue_*}) to the per-vhost ones
     */
    public HermodMetrics(Broker broker, AmqpServer amqp, boolean perQueue) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        // Micrometer reads system.cpu.usage with getCpuLoad(), the load since anyone's last call, which would cut short
        // the broker's own 0.1 s measurement at every scrape: the broker's reading stands in for it
        registry.config()
                .meterFilter(MeterFilter.deny(id ->
                        id.getName().equals(SYSTEM_CPU_USAGE) && !SYSTEM_CPU_USAGE_HELP.equals(id.getDescription())));
        new ProcessorMetrics().bindTo(registry);
        CpuPressure cpu = broker.cpuPressure();
        Gauge.builder(SYSTEM_CPU_USAGE, cpu, c -> c.load() >= 0 ? c.load() : Double.NaN)
                .description(SYSTEM_CPU_USAGE_HELP)
                .register(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        registry.getPrometheusRegistry().register(new BrokerCollector(broker, amqp, perQueue));
        registry.getPrometheusRegistry().register(new NodeCollector(broker));
    }

    /** Everything, in OpenMetrics when {@code accept} (the request's Accept header, or null) asks for it. */
    public Scrape scrape(String accept) {
        String type = accept != null && accept.contains("application/openmetrics-text") ? OPEN_METRICS : TEXT;
        return new Scrape(type, registry.scrape(type).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
