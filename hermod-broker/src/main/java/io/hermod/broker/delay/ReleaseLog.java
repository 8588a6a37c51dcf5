package io.hermod.broker.delay;

import io.hermod.broker.queue.SnapshotLog;
import io.hermod.storage.LogStore;
import io.hermod.storage.record.Record;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted {@link ReleasedSet} of a durable delay store: a log of its own ({@link SnapshotLog}), written lazily
 * without fsync like a queue's cursor log (a release lost in a crash costs a second delivery of that message, never a
 * message), compacted by snapshots.
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
    private static final SnapshotLog.Config CONFIG = new SnapshotLog.Config(
            "Release log",
            32 << 20,
            1 << 20,
            "messages released from now on are not remembered and will be released again after a restart");

    private final SnapshotLog log;

    private ReleaseLog(SnapshotLog log) {
        this.log = log;
    }

    static ReleaseLog open(LogStore store, String name) {
        return open(store, name, CONFIG);
    }

    /** {@link #open(LogStore, String)} with other sizes (tests: an entry limit small enough to reach). */
    static ReleaseLog open(LogStore store, String name, SnapshotLog.Config config) {
        return new ReleaseLog(SnapshotLog.open(store, name, config));
    }

    /**
     * Replays the log: the last snapshot, then every delta after it, keeping only offsets at or above {@code from} (the
     * message log's start: what is below it left the log).
     */
    ReleasedSet recover(long from) {
        Replay replay = new Replay(from);
        log.replay(replay);
        return replay.released;
    }

    /** The set a replay of the log builds, entry by entry: a snapshot replaces it, a delta adds to it. */
    private final class Replay implements SnapshotLog.Replay {
        private final long from;
        ReleasedSet released;

        Replay(long from) {
            this.from = from;
            this.released = new ReleasedSet(from & ~63L, new long[0]);
        }

        @Override
        public void snapshot(ByteBuffer v, Record record) {
            long base = v.getLong();
            int n = count(v, record);
            long[] words = new long[n];
            for (int i = 0; i < n; i++) {
                words[i] = v.getLong();
            }
            released = new ReleasedSet(base, words);
            released.removeBelow(from);
        }

        @Override
        public void delta(ByteBuffer v, Record record) {
            int n = count(v, record);
            for (int i = 0; i < n; i++) {
                released.add(v.getLong());
            }
        }
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
        ByteBuffer v = ByteBuffer.allocate(1 + 4 + Long.BYTES * n)
                .put(SnapshotLog.DELTA)
                .putInt(n);
        for (int i = 0; i < n; i++) {
            v.putLong(offsets[i]);
        }
        log.writeDelta(v.array());
    }

    /** Whether enough deltas piled up that the next write should be a snapshot. */
    boolean snapshotDue() {
        return log.snapshotDue();
    }

    /**
     * Writes the whole set, then drops the segments wholly before it; with {@code sync}, fsyncs it too.
     *
     * @return false when the set is too large for one entry: nothing was written, the caller writes its releases as a
     *     delta instead, and the next snapshot is due after as many deltas again (as the cursor log does)
     */
    boolean writeSnapshot(ReleasedSet released, boolean sync) {
        long[] words = released.words();
        if (!log.fits(1 + 8 + 4 + 8L * words.length)) {
            LOG.warn(
                    "Release log {}: a snapshot of {} words does not fit one entry; skipped", log.name(), words.length);
            log.writeSnapshot(null, sync);
            return false;
        }
        ByteBuffer v = ByteBuffer.allocate(1 + 8 + 4 + 8 * words.length)
                .put(SnapshotLog.SNAPSHOT)
                .putLong(released.base())
                .putInt(words.length);
        for (long w : words) {
            v.putLong(w);
        }
        log.writeSnapshot(v.array(), sync);
        return true;
    }

    void delete() {
        log.delete();
    }

    @Override
    public void close() {
        log.close();
    }
}
