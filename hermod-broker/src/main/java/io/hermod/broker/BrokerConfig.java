package io.hermod.broker;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Objects;

/**
 * How a broker runs: where its data lives, how many threads run queues, how much heap may hold message bodies.
 *
 * @param dataDirectory the directory of the definitions log and every queue's logs (created if missing)
 * @param threads the threads that run queues and complete confirms; default {@code max(2, cores)}
 * @param messageCacheBytes the heap all queues together may use to hold message bodies (recent and read-ahead)
 * @param queueCacheBytes of that, the most one queue may hold
 * @param clock time source for message timestamps
 */
public record BrokerConfig(
        Path dataDirectory, int threads, long messageCacheBytes, long queueCacheBytes, InstantSource clock) {

    public BrokerConfig {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(clock, "clock");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (messageCacheBytes < 0 || queueCacheBytes < 0) {
            throw new IllegalArgumentException("cache sizes must be >= 0");
        }
    }

    /** Defaults: {@code max(2, cores)} threads, a message cache of 1/8 of the maximum heap (8 MiB per queue). */
    public static BrokerConfig of(Path dataDirectory) {
        long cache = Runtime.getRuntime().maxMemory() / 8;
        return new BrokerConfig(
                dataDirectory,
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                cache,
                Math.min(cache, 8 << 20),
                InstantSource.system());
    }

    public BrokerConfig withThreads(int count) {
        return new BrokerConfig(dataDirectory, count, messageCacheBytes, queueCacheBytes, clock);
    }

    public BrokerConfig withMessageCache(long totalBytes, long perQueueBytes) {
        return new BrokerConfig(dataDirectory, threads, totalBytes, perQueueBytes, clock);
    }

    public BrokerConfig withClock(InstantSource source) {
        return new BrokerConfig(dataDirectory, threads, messageCacheBytes, queueCacheBytes, source);
    }
}
