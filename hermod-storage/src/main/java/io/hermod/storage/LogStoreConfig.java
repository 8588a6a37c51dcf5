package io.hermod.storage;

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

    /** Defaults: 1,024 open files, 2 threads (or one per core beyond that), checkpoints every 30 s, retention every 5 min. */
    public static LogStoreConfig of(Path directory) {
        return new LogStoreConfig(
                directory,
                1024,
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                30_000,
                300_000,
                StorageFileSystem.DEFAULT,
                InstantSource.system());
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
