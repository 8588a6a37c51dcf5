package io.hermod.storage;

import io.hermod.storage.StorageException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logs under one directory and what they share: a small pool of storage threads (group-commit fsyncs, interval
 * flushes, checkpoints, retention) and a bounded pool of open segment files. However many logs are open, the store
 * uses {@code threads} threads and about {@code maxOpenFiles} descriptors.
 *
 * <p>Thread-safe: logs may be opened, used and closed from any thread.
 */
public final class LogStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);
    private static final int CLOSE_PARALLELISM = 16;
    private static final ThreadLocal<Boolean> STORAGE_THREAD = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private final LogStoreConfig config;
    private final FileHandlePool filePool;
    private final ScheduledThreadPoolExecutor scheduler;
    // deletes the files of trimmed segments, away from appends and from the storage threads' fsyncs
    private final ExecutorService unlinker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hermod-storage-unlink");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Log> logs = new ConcurrentHashMap<>();
    private final LatencyHistogram fsyncLatency = new LatencyHistogram(LatencyHistogram.FSYNC_BOUNDS_NANOS);
    private final DirectoryLock directoryLock;
    private volatile boolean closed;

    private LogStore(LogStoreConfig config, DirectoryLock directoryLock) {
        this.config = config;
        this.directoryLock = directoryLock;
        this.filePool = new FileHandlePool(config.maxOpenFiles(), config.fileSystem());
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(
                    () -> {
                        STORAGE_THREAD.set(Boolean.TRUE);
                        r.run();
                    },
                    "hermod-storage-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.scheduler = new ScheduledThreadPoolExecutor(config.threads(), threads);
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.scheduler.scheduleWithFixedDelay(
                () -> forEachLog(Log::checkpointIfIdle),
                config.checkpointIntervalMs(),
                config.checkpointIntervalMs(),
                TimeUnit.MILLISECONDS);
        this.scheduler.scheduleWithFixedDelay(
                () -> forEachLog(Log::applyRetentionIfIdle),
                config.retentionCheckIntervalMs(),
                config.retentionCheckIntervalMs(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * How long the group commits of every log took (nanoseconds per fsync of a log's unsynced segments), for the
     * server's metrics.
     */
    public LatencyHistogram fsyncLatency() {
        return fsyncLatency;
    }

    /**
     * Opens the store of a directory (created if missing) and locks it for as long as the store is open.
     *
     * @throws StorageException {@code IN_USE} when another open store, in this process or another, has the directory
     */
    public static LogStore open(LogStoreConfig config) {
        try {
            Files.createDirectories(config.directory());
        } catch (IOException e) {
            throw new StorageException(
                    Kind.IO_ERROR, "cannot create store directory " + config.directory() + ": " + e.getMessage(), e);
        }
        DirectoryLock lock = DirectoryLock.acquire(config.directory());
        try {
            return new LogStore(config, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Opens (creating or recovering) the log stored in the subdirectory {@code name}. A name is 1-200 characters of
     * letters, digits, '.', '_' and '-', not starting with '.', '_' or '-'.
     *
     * @throws IllegalStateException when that log is already open
     * @throws StorageException {@code CORRUPT} when recovery finds damage before the recovery point
     */
    public Log openLog(String name, LogConfig logConfig) {
        if (closed) {
            throw new StorageException(Kind.CLOSED, "store " + config.directory() + " is closed");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid log name '" + name + "'");
        }
        Path dir = config.directory().resolve(name);
        Log log = logs.compute(name, (n, existing) -> {
            if (existing != null) {
                throw new IllegalStateException("log " + name + " is already open");
            }
            return PooledFile.withInterruptSetAside(() -> {
                try {
                    return new Log(name, dir, logConfig, this, LogLoader.load(dir, this, logConfig));
                } catch (IOException e) {
                    throw new StorageException(Kind.IO_ERROR, "cannot open log " + dir + ": " + e.getMessage(), e);
                }
            });
        });
        if (closed) {
            log.close(); // the store closed while this log was opening: it would be left open otherwise
            throw new StorageException(Kind.CLOSED, "store " + config.directory() + " is closed");
        }
        return log;
    }

    /** The names of the logs stored under the directory, open or not. */
    public List<String> storedLogNames() {
        try (var dirs = Files.list(config.directory())) {
            return dirs.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> NAME.matcher(n).matches())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new StorageException(Kind.IO_ERROR, "cannot list " + config.directory() + ": " + e.getMessage(), e);
        }
    }

    public int openLogCount() {
        return logs.size();
    }

    /** Segment files open right now across all logs. */
    public int openFileCount() {
        return filePool.openCount();
    }

    FileHandlePool filePool() {
        return filePool;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    InstantSource clock() {
        return config.clock();
    }

    /** True on the store's own threads, which run fsyncs and append completions and so must never wait for one. */
    static boolean isStorageThread() {
        return STORAGE_THREAD.get();
    }

    void onClosed(Log log) {
        logs.remove(log.name(), log);
    }

    private void forEachLog(Consumer<Log> action) {
        for (Log log : logs.values()) {
            try {
                action.accept(log);
            } catch (StorageException e) {
                if (e.kind() != Kind.CLOSED) {
                    LOG.warn("Background work on log {} failed: {}", log.name(), e.getMessage());
                }
            } catch (RuntimeException e) {
                LOG.error("Background work on log {} failed", log.name(), e);
            }
        }
    }

    /** Runs {@code unlink} on the unlinker thread; inline once the store is closing (the thread takes no more). */
    void unlinkLater(Runnable unlink) {
        try {
            unlinker.execute(unlink);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            unlink.run();
        }
    }

    /** Closes every open log (syncing and checkpointing each) and stops the storage threads. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Closing a log ends in an fsync; many at once let the file system commit them together.
        try (ExecutorService closers = Executors.newFixedThreadPool(CLOSE_PARALLELISM, r -> {
            Thread t = new Thread(r, "hermod-storage-close");
            t.setDaemon(true);
            return t;
        })) {
            for (Log log : new ArrayList<>(logs.values())) {
                closers.execute(() -> {
                    try {
                        log.close();
                    } catch (RuntimeException e) {
                        LOG.warn("Closing log {} failed: {}", log.name(), e.getMessage());
                    }
                });
            }
        }
        scheduler.shutdown();
        unlinker.shutdown(); // the unlinks already asked for still run
        try {
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                scheduler.shutdownNow();
            }
            if (!unlinker.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("Deleting trimmed segments took over 30 s; the rest are left to the next start");
                unlinker.shutdownNow();
            }
        } catch (InterruptedException e) {
            scheduler.shutdownNow();
            unlinker.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            directoryLock.close(); // last: nothing of this store writes to the directory any more
        }
    }
}
