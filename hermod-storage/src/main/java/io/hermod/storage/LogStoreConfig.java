package io.hermod.storage;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Resources shared by every log of a {@link LogStore}.
 *
 * @param directory where the logs live, one subdirectory each
 * @param maxOpenFiles segment files held open at once across all logs (a soft limit, see {@code FileHandlePool})
 * @param threads storage threads for group-commit fsyncs, interval flushes, checkpoints and retention
 * @param checkpointIntervalMs how often each log's recovery point is persisted
 * @param retentionCheckIntervalMs how often retention runs over the logs that have it
 * @param fileSystem how segment files are opened (a seam for fault injection)
 * @param clock time for segment age, retention and timestamps
 */
public record LogStoreConfig(
        Path directory,
        int maxOpenFiles,
        int threads,
        long checkpointIntervalMs,
        long retentionCheckIntervalMs,
        StorageFileSystem fileSystem,
        InstantSource clock) {

    public LogStoreConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(fileSystem, "fileSystem");
        Objects.requireNonNull(clock, "clock");
        if (maxOpenFiles < 1) {
            throw new IllegalArgumentException("maxOpenFiles must be >= 1: " + maxOpenFiles);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + threads);
        }
        if (checkpointIntervalMs <= 0 || retentionCheckIntervalMs <= 0) {
            throw new IllegalArgumentException("checkpoint and retention intervals must be > 0");
        }
    }

    /**
     * Defaults: open files as {@link #defaultMaxOpenFiles()}, 2 threads (or one per core beyond that), checkpoints every
     * 30 s, retention every 5 min.
     */
    public static LogStoreConfig of(Path directory) {
        return new LogStoreConfig(
                directory,
                defaultMaxOpenFiles(),
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                30_000,
                300_000,
                StorageFileSystem.DEFAULT,
                InstantSource.system());
    }

    /**
     * Half the process's file descriptor limit (the JVM raises its soft limit to the hard one at start), between 64
     * and 65,536; 1,024 where the limit cannot be read. Every log in use has a segment open: when more logs are busy
     * than the pool holds, each append closes one file and opens another, and a broker with 1,500 busy queues (each
     * with a message log and a cursor log) slowed to seconds per operation at a pool of 1,024. The other half is left
     * to sockets and the JVM.
     */
    public static int defaultMaxOpenFiles() {
        long limit = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount()
                : -1;
        return maxOpenFiles(limit);
    }

    static int maxOpenFiles(long descriptorLimit) {
        if (descriptorLimit <= 0) {
            return 1024;
        }
        return (int) Math.max(64, Math.min(65_536, descriptorLimit / 2));
    }

    public LogStoreConfig withMaxOpenFiles(int files) {
        return new LogStoreConfig(
                directory, files, threads, checkpointIntervalMs, retentionCheckIntervalMs, fileSystem, clock);
    }

    public LogStoreConfig withFileSystem(StorageFileSystem fs) {
        return new LogStoreConfig(
                directory, maxOpenFiles, threads, checkpointIntervalMs, retentionCheckIntervalMs, fs, clock);
    }

    public LogStoreConfig withClock(InstantSource source) {
        return new LogStoreConfig(
                directory, maxOpenFiles, threads, checkpointIntervalMs, retentionCheckIntervalMs, fileSystem, source);
    }

    public LogStoreConfig withIntervals(long checkpointMs, long retentionCheckMs) {
        return new LogStoreConfig(directory, maxOpenFiles, threads, checkpointMs, retentionCheckMs, fileSystem, clock);
    }
}
