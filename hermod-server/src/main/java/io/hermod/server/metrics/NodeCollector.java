package io.hermod.server.metrics;

import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import io.hermod.broker.CpuPressure;
import io.hermod.broker.ResourceAlarms;
import io.netty.util.internal.PlatformDependent;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.util.Set;

/**
 * The node's resources as the alarms see them: heap in use against the memory high watermark, direct memory, free
 * disk against its limit, the alarms themselves, and how long the storage's fsyncs take. Read at each scrape.
 *
 * <p>Threading: the scrape's thread; everything read is thread-safe.
 */
final class NodeCollector implements MultiCollector {

    private static final double SECONDS_PER_NANO = 1e-9;

    private final Broker broker;

    NodeCollector(Broker broker) {
        this.broker = broker;
    }

    @Override
    public MetricSnapshots collect() {
        Families families = new Families();
        BrokerConfig config = broker.config();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long maxHeap = Runtime.getRuntime().maxMemory();
        families.gauge("hermod_memory_heap_used_bytes", "Heap in use (what the memory alarm measures)")
                .add(heap.getUsed(), Labels.EMPTY)
                .done();
        families.gauge("hermod_memory_heap_max_bytes", "The maximum heap")
                .add(maxHeap, Labels.EMPTY)
                .done();
        families.gauge(
                        "hermod_memory_limit_bytes",
                        "The memory high watermark in bytes: publishers are blocked above it (0: no memory alarm)")
                .add((long) (maxHeap * config.memoryHighWatermark()), Labels.EMPTY)
                .done();
        families.gauge(
                        "hermod_memory_direct_used_bytes",
                        "Direct (off-heap) memory in use: NIO direct buffers and Netty's own direct buffers")
                .add(directMemory(), Labels.EMPTY)
                .done();
        families.gauge("hermod_message_cache_bytes", "Heap holding cached message bodies, all queues together")
                .add(broker.cachedMessageBytes(), Labels.EMPTY)
                .done();
        long free = diskFree();
        if (free >= 0) {
            families.gauge("hermod_disk_free_bytes", "Free space on the data directory's disk")
                    .add(free, Labels.EMPTY)
                    .done();
        }
        families.gauge(
                        "hermod_disk_free_limit_bytes",
                        "The free-disk limit: publishers are blocked below it (0: no disk alarm)")
                .add(config.diskFreeLimitBytes(), Labels.EMPTY)
                .done();
        Set<ResourceAlarms.Alarm> active = broker.alarms().active();
        families.gauge("hermod_alarm", "1 while a resource alarm blocks publishers, else 0")
                .add(active.contains(ResourceAlarms.Alarm.MEMORY) ? 1 : 0, Labels.of("alarm", "memory"))
                .add(active.contains(ResourceAlarms.Alarm.DISK) ? 1 : 0, Labels.of("alarm", "disk"))
                .done();
        CpuPressure cpu = broker.cpuPressure();
        if (cpu.load() >= 0) {
            families.gauge("hermod_cpu_load", "Share of the CPU busy over the last second (0-1), all processes")
                    .add(cpu.load(), Labels.EMPTY)
                    .done();
        }
        families.gauge(
                        "hermod_cpu_pressure",
                        "1 while the CPU load is at the pacing threshold: queues whose consumers fall behind take"
                                + " publishes at their pace")
                .add(cpu.saturated() ? 1 : 0, Labels.EMPTY)
                .done();
        families.histogram(
                        "hermod_storage_fsync_seconds",
                        "Duration of the storage's fsyncs (one group commit of one log)",
                        SECONDS_PER_NANO)
                .add(broker.fsyncLatency(), Labels.EMPTY)
                .done();
        return new MetricSnapshots(families.snapshots());
    }

    /** NIO's direct buffers (the JDK counts them) plus those Netty allocates without the JDK knowing (when it can). */
    private static long directMemory() {
        long bytes = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                bytes += Math.max(0, pool.getMemoryUsed());
            }
        }
        return bytes + Math.max(0, PlatformDependent.usedDirectMemory());
    }

    private long diskFree() {
        try {
            return Files.getFileStore(broker.config().dataDirectory()).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }
}
