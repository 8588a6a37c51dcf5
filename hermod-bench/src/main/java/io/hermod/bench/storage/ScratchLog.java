package io.hermod.bench.storage;

import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * One {@link LogStore} holding one {@link Log} in a fresh {@link ScratchDirectory}, thrown away with everything it
 * wrote when closed.
 *
 * <p>Closing first truncates the segment files to zero through a separate channel. {@code Log.close()} always fsyncs,
 * and under {@code os} durability an append benchmark leaves gigabytes of dirty page cache behind: writing them back
 * only to delete them would add minutes of teardown per iteration (and disk traffic bleeding into the next one).
 * Truncation drops those pages without writing them.
 *
 * <p>Threading: open and close on one thread (a JMH setup/teardown); {@link #log()} is as thread-safe as {@link Log}.
 */
final class ScratchLog implements AutoCloseable {

    static final String LOG_NAME = "bench";

    private final Path dir;
    private final LogStore store;
    private final Log log;

    private ScratchLog(Path dir, LogStore store, Log log) {
        this.dir = dir;
        this.store = store;
        this.log = log;
    }

    static ScratchLog open(String prefix, LogConfig config) throws IOException {
        Path dir = ScratchDirectory.create(prefix);
        LogStore store = LogStore.open(LogStoreConfig.of(dir));
        try {
            return new ScratchLog(dir, store, store.openLog(LOG_NAME, config));
        } catch (RuntimeException e) {
            store.close();
            ScratchDirectory.delete(dir);
            throw e;
        }
    }

    Log log() {
        return log;
    }

    @Override
    public void close() throws IOException {
        try {
            discardSegmentData();
            log.close();
        } finally {
            store.close();
            ScratchDirectory.delete(dir);
        }
    }

    private void discardSegmentData() throws IOException {
        List<Path> segments;
        try (Stream<Path> files = Files.list(log.dir())) {
            segments = files.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .toList();
        }
        for (Path segment : segments) {
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
        }
    }
}
