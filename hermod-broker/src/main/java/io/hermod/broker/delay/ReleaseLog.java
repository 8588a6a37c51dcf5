package io.hermod.broker.delay;

import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted {@link ReleasedSet} of a durable delay store: a log of its own, written lazily without fsync like a
 * queue's cursor log (a release lost in a crash costs a second delivery of that message, never a message), compacted
 * by snapshots.
 *
 * <p>Each record's value is one entry:
 *
 * <pre>
 *   delta (kind 1): offsets released since the entry before
 *   0      1          5
 *   +------+----------+----------------------+
 *   | kind | n        | n x offset           |
 *   | 1 B  | int32    | int64 each           |
 *   +------+----------+----------------------+
 *
 *   snapshot (kind 2): the whole set, replacing what came before
 *   0      1          9          13
 *   +------+----------+----------+----------------------+
 *   | kind | base     | w        | w x bitset word      |
 *   | 1 B  | int64    | int32    | int64 each           |
 *   +------+----------+----------+----------------------+
 *   bit b of word i set = offset base + 64 i + b released
 * </pre>
 *
 * <p>Not thread-safe: owned by the store's executor.
 */
final class ReleaseLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReleaseLog.class);
    private static final byte DELTA = 1;
    private static final byte SNAPSHOT = 2;
    private static final int SEGMENT_BYTES = 32 << 20;
    private static final long SNAPSHOT_AFTER_BYTES = 1 << 20;

    private final Log log;
    private long bytesSinceSnapshot;
    private boolean failed;

    private ReleaseLog(Log log) {
        this.log = log;
    }

    static ReleaseLog open(LogStore store, String name) {
        LogConfig config = LogConfig.builder()
                .durability(Durability.OS)
                .segmentBytes(SEGMENT_BYTES)
                .maxBatchBytes(SEGMENT_BYTES)
                .build();
        return new ReleaseLog(store.openLog(name, config));
    }

    /**
     * Replays the log: the last snapshot, then every delta after it, keeping only offsets at or above {@code from} (the
     * message log's start: what is below it left the log).
     */
    ReleasedSet recover(long from) {
        ReleasedSet[] released = {new ReleasedSet(from & ~63L, new long[0])};
        log.forEachRecord(log.startOffset(), record -> {
            ByteBuffer v = record.value().duplicate();
            byte kind = v.get();
            if (kind == SNAPSHOT) {
                long base = v.getLong();
                int n = count(v, record);
                long[] words = new long[n];
                for (int i = 0; i < n; i++) {
                    words[i] = v.getLong();
                }
                released[0] = new ReleasedSet(base, words);
                released[0].removeBelow(from);
            } else if (kind == DELTA) {
                int n = count(v, record);
                for (int i = 0; i < n; i++) {
                    released[0].add(v.getLong());
                }
            } else {
                throw new IllegalStateException("release log " + log.name() + " has an entry of unknown kind " + kind
                        + " at offset " + record.offset());
            }
        });
        bytesSinceSnapshot = log.sizeInBytes();
        return released[0];
    }

    private int count(ByteBuffer v, Record record) {
        int n = v.getInt();
        if (n < 0 || n > v.remaining() / Long.BYTES) {
            throw new IllegalStateException("release log " + log.name() + " entry at offset " + record.offset()
                    + " claims " + n + " values in " + v.remaining() + " bytes");
        }
        return n;
    }

    /** Appends the offsets released since the last entry (no fsync). */
    void writeDelta(long[] offsets, int n) {
        ByteBuffer v = ByteBuffer.allocate(1 + 4 + Long.BYTES * n).put(DELTA).putInt(n);
        for (int i = 0; i < n; i++) {
            v.putLong(offsets[i]);
        }
        write(v.array());
    }

    /** Whether enough deltas piled up that the next write should be a snapshot. */
    boolean snapshotDue() {
        return bytesSinceSnapshot > SNAPSHOT_AFTER_BYTES;
    }

    /** Writes the whole set, then drops the segments wholly before it; with {@code sync}, fsyncs it too. */
    void writeSnapshot(ReleasedSet released, boolean sync) {
        long[] words = released.words();
        if (1 + 8 + 4 + 8L * words.length > SEGMENT_BYTES - 1024) {
            LOG.warn(
                    "Release log {}: a snapshot of {} words does not fit one entry; skipped", log.name(), words.length);
            return;
        }
        ByteBuffer v = ByteBuffer.allocate(1 + 8 + 4 + 8 * words.length)
                .put(SNAPSHOT)
                .putLong(released.base())
                .putInt(words.length);
        for (long w : words) {
            v.putLong(w);
        }
        long at = write(v.array());
        bytesSinceSnapshot = 0;
        if (at >= 0) {
            try {
                log.deleteSegmentsBelow(at);
                if (sync) {
                    log.flush();
                }
            } catch (StorageException e) {
                LOG.warn("Release log {} could not drop old segments: {}", log.name(), e.getMessage());
            }
        }
    }

    private long write(byte[] value) {
        if (failed) {
            return -1;
        }
        try {
            ByteBuffer batch = new RecordBatchBuilder()
                    .add(System.currentTimeMillis(), null, value)
                    .build();
            bytesSinceSnapshot += batch.remaining();
            return log.append(batch).firstOffset();
        } catch (StorageException e) {
            failed = true;
            LOG.error(
                    "Release log {} failed; messages released from now on are not remembered and will be released"
                            + " again after a restart: {}",
                    log.name(),
                    e.getMessage());
            return -1;
        }
    }

    void delete() {
        log.delete();
    }

    @Override
    public void close() {
        log.close();
    }
}
