package io.hermod.broker;

import io.hermod.storage.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;

/**
 * How a broker runs: where its data lives, how many threads run queues, how much heap may hold message bodies, and
 * when resource alarms block publishers.
 *
 * @param dataDirectory the directory of the definitions log and every queue's logs (created if missing)
 * @param threads the threads that run queues and complete confirms; default {@code max(2, cores)}
 * @param messageCacheBytes the heap all queues together may use to hold message bodies (recent and read-ahead)
 * @param queueCacheBytes of that, the most one queue may hold
 * @param memoryHighWatermark the memory alarm goes on when the heap in use after garbage collection exceeds this
 *     fraction of the maximum heap (RabbitMQ's {@code vm_memory_high_watermark}; 0 turns the alarm off)
 * @param diskFreeLimitBytes the disk alarm goes on when the data directory's disk has less free space (RabbitMQ's
 *     {@code disk_free_limit}; 0 turns the alarm off)
 * @param clock time source for message timestamps
 * @param loopbackUsers the users that may connect from a loopback address only (RabbitMQ's {@code loopback_users};
 *     default {@code guest}, the user a new broker creates with a well-known password)
 * @param consumerTimeout how long a delivery may stay unacknowledged before its channel is closed and its messages
 *     requeued (RabbitMQ's {@code consumer_timeout}, default 30 minutes); {@link Duration#ZERO} turns it off. A
 *     queue's {@code x-consumer-timeout} (or policy {@code consumer-timeout}) overrides it for its deliveries
 * @param maxQueues the most queues the broker holds, over all vhosts (RabbitMQ's {@code cluster_queue_limit}): a
 *     declare of a new queue beyond it is refused with {@code PRECONDITION_FAILED}; {@link #NO_QUEUE_LIMIT} (0) for none
 * @param queueDurability when an append to the message log of a durable queue counts as done, which is when a
 *     publisher confirm goes out: {@code FSYNC_ALWAYS} (the default: on stable storage), {@code FSYNC_INTERVAL}
 *     (written to the OS, fsynced every {@code queueFlushInterval}) or {@code OS} (written to the OS only). Transient
 *     queues always use {@code OS}; the definitions log is always {@code FSYNC_ALWAYS}
 * @param queueFlushInterval under {@code FSYNC_INTERVAL}, how often each durable queue's log is fsynced
 * @param pacingCpuLoad the CPU load (of the machine, or of the container where it has a limit) at and above which a
 *     queue whose consumers drain it at speed but fall behind takes publishes at their pace (publisher pacing, see
 *     {@link CpuPressure}); 0 turns pacing off, so that queues always take publishes as fast as they come
 */
public record BrokerConfig(
        Path dataDirectory,
        int threads,
        long messageCacheBytes,
        long queueCacheBytes,
        double memoryHighWatermark,
        long diskFreeLimitBytes,
        InstantSource clock,
        Set<String> loopbackUsers,
        Duration consumerTimeout,
        int maxQueues,
        Durability queueDurability,
        Duration queueFlushInterval,
        double pacingCpuLoad) {

    /** RabbitMQ's default watermark. */
    public static final double DEFAULT_MEMORY_HIGH_WATERMARK = 0.6;
    /** RabbitMQ's default free-disk limit: 50 MB. */
    public static final long DEFAULT_DISK_FREE_LIMIT = 50_000_000L;
    /** RabbitMQ's default {@code loopback_users}. */
    public static final Set<String> DEFAULT_LOOPBACK_USERS = Set.of("guest");
    /** RabbitMQ's default {@code consumer_timeout}: 30 minutes. */
    public static final Duration DEFAULT_CONSUMER_TIMEOUT = Duration.ofMinutes(30);
    /** {@link #maxQueues()} for no limit. */
    public static final int NO_QUEUE_LIMIT = 0;
    /** The storage's default flush interval under {@code fsync-interval}: one second. */
    public static final Duration DEFAULT_QUEUE_FLUSH_INTERVAL = Duration.ofSeconds(1);
    /** The CPU load at which publishers of queues whose consumers fall behind are paced: 90%. */
    public static final double DEFAULT_PACING_CPU_LOAD = 0.9;

    public BrokerConfig {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(consumerTimeout, "consumerTimeout");
        if (consumerTimeout.isNegative()) {
            throw new IllegalArgumentException("consumerTimeout must be >= 0: " + consumerTimeout);
        }
        loopbackUsers = Set.copyOf(loopbackUsers);
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (messageCacheBytes < 0 || queueCacheBytes < 0) {
            throw new IllegalArgumentException("cache sizes must be >= 0");
        }
        if (!(memoryHighWatermark >= 0 && memoryHighWatermark <= 1)) {
            throw new IllegalArgumentException("memoryHighWatermark must be in [0, 1]: " + memoryHighWatermark);
        }
        if (diskFreeLimitBytes < 0) {
            throw new IllegalArgumentException("diskFreeLimitBytes must be >= 0: " + diskFreeLimitBytes);
        }
        if (maxQueues < 0) {
            throw new IllegalArgumentException("maxQueues must be >= 0: " + maxQueues);
        }
        Objects.requireNonNull(queueDurability, "queueDurability");
        Objects.requireNonNull(queueFlushInterval, "queueFlushInterval");
        if (queueFlushInterval.toMillis() < 1) {
            throw new IllegalArgumentException("queueFlushInterval must be >= 1 ms: " + queueFlushInterval);
        }
        if (!(pacingCpuLoad >= 0 && pacingCpuLoad <= 1)) {
            throw new IllegalArgumentException("pacingCpuLoad must be in [0, 1]: " + pacingCpuLoad);
        }
    }

    /**
     * Defaults: {@code max(2, cores)} threads, a message cache of 1/8 of the maximum heap (8 MiB per queue), RabbitMQ's
     * alarm thresholds.
     */
    public static BrokerConfig of(Path dataDirectory) {
        long cache = Runtime.getRuntime().maxMemory() / 8;
        return new BrokerConfig(
                dataDirectory,
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                cache,
                Math.min(cache, 8 << 20),
                DEFAULT_MEMORY_HIGH_WATERMARK,
                DEFAULT_DISK_FREE_LIMIT,
                InstantSource.system(),
                DEFAULT_LOOPBACK_USERS,
                DEFAULT_CONSUMER_TIMEOUT,
                NO_QUEUE_LIMIT,
                Durability.FSYNC_ALWAYS,
                DEFAULT_QUEUE_FLUSH_INTERVAL,
                DEFAULT_PACING_CPU_LOAD);
    }

    public BrokerConfig withThreads(int count) {
        return new BrokerConfig(
                dataDirectory,
                count,
                messageCacheBytes,
                queueCacheBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                clock,
                loopbackUsers,
                consumerTimeout,
                maxQueues,
                queueDurability,
                queueFlushInterval,
                pacingCpuLoad);
    }

    public BrokerConfig withMessageCache(long totalBytes, long perQueueBytes) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                totalBytes,
                perQueueBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                clock,
                loopbackUsers,
                consumerTimeout,
                maxQueues,
                queueDurability,
                queueFlushInterval,
                pacingCpuLoad);
    }

    public BrokerConfig withAlarms(double memoryWatermark, long diskFreeLimit) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                messageCacheBytes,
                queueCacheBytes,
                memoryWatermark,
                diskFreeLimit,
                clock,
                loopbackUsers,
                consumerTimeout,
                maxQueues,
                queueDurability,
                queueFlushInterval,
                pacingCpuLoad);
    }

    public BrokerConfig withClock(InstantSource source) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                messageCacheBytes,
                queueCacheBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                source,
                loopbackUsers,
                consumerTimeout,
                maxQueues,
                queueDurability,
                queueFlushInterval,
                pacingCpuLoad);
    }

    /** The users that may connect from loopback addresses only; empty lets every user connect from anywhere. */
    public BrokerConfig withLoopbackUsers(Set<String> users) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                messageCacheBytes,
                queueCacheBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                clock,
                users,
                consumerTimeout,
                maxQueues,
                queueDurability,
                queueFlushInterval,
                pacingCpuLoad);
    }

    /** The most queues the broker holds over all vhosts; {@link #NO_QUEUE_LIMIT} (0) for none. */
    public BrokerConfig withMaxQueues(int count) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                messageCacheBytes,
                queueCacheBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                clock,
                loopbackUsers,
                consumerTimeout,
                count,
                queueDurability,
                queueFlushInterval,
                pacingCpuLoad);
    }

    /**
     * The durability policy of durable queues' message logs, and the fsync interval under {@code FSYNC_INTERVAL}. Under
     * anything but {@code FSYNC_ALWAYS} a publisher confirm no longer means the message is on stable storage.
     */
    public BrokerConfig withQueueDurability(Durability policy, Duration flushInterval) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                messageCacheBytes,
                queueCacheBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                clock,
                loopbackUsers,
                consumerTimeout,
                maxQueues,
                policy,
                flushInterval,
                pacingCpuLoad);
    }

    /** How long a delivery may stay unacknowledged before its channel is closed; zero turns the timeout off. */
    public BrokerConfig withConsumerTimeout(Duration timeout) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                messageCacheBytes,
                queueCacheBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                clock,
                loopbackUsers,
                timeout,
                maxQueues,
                queueDurability,
                queueFlushInterval,
                pacingCpuLoad);
    }

    /** The CPU load at which queues whose consumers fall behind take publishes at their pace; 0 turns pacing off. */
    public BrokerConfig withPacingCpuLoad(double load) {
        return new BrokerConfig(
                dataDirectory,
                threads,
                messageCacheBytes,
                queueCacheBytes,
                memoryHighWatermark,
                diskFreeLimitBytes,
                clock,
                loopbackUsers,
                consumerTimeout,
                maxQueues,
                queueDurability,
                queueFlushInterval,
                load);
    }
}
