package io.hermod.broker.queue;

import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small log of state kept as a snapshot followed by deltas: a queue's cursor ({@link CursorLog}) and a delay store's
 * released set ({@code ReleaseLog}). Replaying it, the last snapshot then every delta after it, rebuilds the state. It
 * is written lazily, without fsync (its owner says what a lost entry costs); once the deltas since the last snapshot
 * pass a size the owner writes a new snapshot, and the segments wholly before it are deleted. The first failed write
 * sticks: nothing is written after it, and it is logged once.
 *
 * <p>Each record's value is one entry, of one of two kinds; the rest of it is the owner's:
 *
 * <pre>
 *   0      1
 *   +------+--------------------------------+
 *   | kind | body (laid out by the owner)   |
 *   | 1 B  |                                |
 *   +------+--------------------------------+
 *   kind 1 = delta (adds to what came before), kind 2 = snapshot (replaces it)
 * </pre>
 *
 * <p>Not thread-safe: owned by its owner's executor.
 */
public final class SnapshotLog implements AutoCloseable {

    /** The kind of an entry that adds to what came before. */
    public static final byte DELTA = 1;
    /** The kind of an entry that replaces what came before. */
    public static final byte SNAPSHOT = 2;

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotLog.class);
    private static final int ENTRY_HEADROOM = 1024; // what an entry leaves of a segment for its batch

    /**
     * What a snapshot log is for.
     *
     * @param title how log lines name it ({@code "Cursor log"}); exceptions use it in lower case
     * @param segmentBytes the size of its segments, and so of its largest entry
     * @param snapshotAfterBytes how many bytes of deltas make the next snapshot due
     * @param afterFailure what a failed log costs, logged when it fails
     */
    public record Config(String title, int segmentBytes, long snapshotAfterBytes, String afterFailure) {}

    /** Takes a log's entries back, oldest first; the body is what follows the kind. */
    public interface Replay {

        void snapshot(ByteBuffer body, Record record);

        void delta(ByteBuffer body, Record record);
    }

    private final Log log;
    private final Config config;
    private long bytesSinceSnapshot;
    private boolean failed;

    private SnapshotLog(Log log, Config config) {
        this.log = log;
        this.config = config;
    }

    /** Opens (or creates) the snapshot log {@code name}. */
    public static SnapshotLog open(LogStore store, String name, Config config) {
        LogConfig logConfig = LogConfig.builder()
                .durability(Durability.OS)
                .segmentBytes(config.segmentBytes())
                .maxBatchBytes(config.segmentBytes())
                .build();
        return new SnapshotLog(store.openLog(name, logConfig), config);
    }

    public String name() {
        return log.name();
    }

    /**
     * Hands every entry, from the start of the log, to {@code replay}.
     *
     * @throws IllegalStateException at an entry of an unknown kind
     */
    public void replay(Replay replay) {
        log.forEachRecord(log.startOffset(), record -> {
            ByteBuffer v = record.value().duplicate();
            byte kind = v.get();
            if (kind == SNAPSHOT) {
                replay.snapshot(v, record);
            } else if (kind == DELTA) {
                replay.delta(v, record);
            } else {
                throw new IllegalStateException(config.title().toLowerCase(Locale.ROOT) + " " + log.name()
                        + " has an entry of unknown kind " + kind + " at offset " + record.offset());
            }
        });
        bytesSinceSnapshot = log.sizeInBytes();
    }

    /** Whether an entry of {@code entryBytes} (its kind included) fits the log. */
    public boolean fits(long entryBytes) {
        return entryBytes <= config.segmentBytes() - ENTRY_HEADROOM;
    }

    /** Whether a write failed: nothing is written any more. */
    public boolean failed() {
        return failed;
    }

    /** Whether enough deltas piled up that the next write should be a snapshot. */
    public boolean snapshotDue() {
        return bytesSinceSnapshot > config.snapshotAfterBytes();
    }

    /** Appends a delta entry, its first byte {@link #DELTA} (no fsync). */
    public void writeDelta(byte[] entry) {
        append(entry);
    }

    /**
     * Appends a snapshot entry, its first byte {@link #SNAPSHOT}, then drops the segments wholly before it; with {@code
     * sync}, then fsyncs the log. A snapshot that could not be written (the log failed) counts for {@link
     * #snapshotDue} all the same.
     *
     * @param entry the snapshot, or null for one that was due but is skipped (it did not fit): the next one is due
     *     after as many deltas again
     */
    public void writeSnapshot(byte[] entry, boolean sync) {
        long at = entry == null ? -1 : append(entry);
        bytesSinceSnapshot = 0;
        if (at >= 0) {
            try {
                log.deleteSegmentsBelow(at);
                if (sync) {
                    log.flush();
                }
            } catch (StorageException e) {
                LOG.warn("{} {} could not drop old segments: {}", config.title(), log.name(), e.getMessage());
            }
        }
    }

    /**
     * Fsyncs what was written.
     *
     * @throws StorageException when the fsync failed
     */
    public void flush() {
        log.flush();
    }

    /** Appends {@code entry}; returns its offset, or -1 when the log failed (now or before). */
    private long append(byte[] entry) {
        if (failed) {
            return -1;
        }
        try {
            ByteBuffer batch = new RecordBatchBuilder()
                    .add(System.currentTimeMillis(), null, entry)
                    .build();
            bytesSinceSnapshot += batch.remaining();
            return log.append(batch).firstOffset();
        } catch (StorageException e) {
            failed = true;
            LOG.error("{} {} failed; {}: {}", config.title(), log.name(), config.afterFailure(), e.getMessage());
            return -1;
        }
    }

    public void delete() {
        log.delete();
    }

    @Override
    public void close() {
        log.close();
    }
}
