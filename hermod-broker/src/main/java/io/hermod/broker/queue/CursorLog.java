package io.hermod.broker.queue;

import io.hermod.storage.LogStore;
import io.hermod.storage.record.Record;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted part of a durable queue's {@link SharedCursor}: which offsets are settled, which hold transient
 * messages (dropped at a restart), and how far messages were handed out (redelivered after a restart). It is a log of
 * its own ({@link SnapshotLog}), written lazily without fsync (DESIGN.md: a lost acknowledgement costs a redelivery,
 * never a message), and compacted by snapshots.
 *
 * <p>Each record's value is one entry:
 *
 * <pre>
 *   0      1            9             13                  13+16n        17+16n
 *   +------+------------+-------------+-------------------+-------------+-------------------+
 *   | kind | handedOut  | n settled   | n x (from, to)    | m transient | m x (from, to)    |
 *   | 1 B  | int64      | int32       | int64 pairs       | int32       | int64 pairs       |
 *   +------+------------+-------------+-------------------+-------------+-------------------+
 *   kind 1 = delta (adds to what came before), kind 2 = snapshot (replaces it)
 *
 *   then, optionally (entries written before it existed end here):
 *   +-------------+-----------------------------------------------+
 *   | r returns   | r x (offset int64, count int32, notBefore int64) |
 *   | int32       | 20 bytes each                                  |
 *   +-------------+-----------------------------------------------+
 * </pre>
 *
 * The returns are {@link Returns}' entries: in a delta those changed (the last one for an offset wins), in a snapshot
 * all. After them, optionally, an int64: the first offset at which messages with a TTL of their own were appended
 * (see {@link #ttlMessagesFrom}); a queue reads its ready messages from there at start to find them again.
 *
 * <p>Not thread-safe: owned by the queue's executor.
 */
final class CursorLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CursorLog.class);
    private static final SnapshotLog.Config CONFIG = new SnapshotLog.Config(
            "Cursor log",
            8 << 20,
            2 << 20,
            "acknowledgements from now on are not persisted and will be redelivered after a restart");
    private static final int RETURN_BYTES = 8 + 4 + 8;

    /** What a restart recovers of a cursor. */
    record Recovered(
            OffsetRanges settled,
            OffsetRanges transients,
            long handedOutBelow,
            Map<Long, Returns.Entry> returns,
            long ttlMessagesFrom) {}

    private final SnapshotLog log;
    private long ttlMessagesFrom = -1;
    private boolean ttlMessagesFromWritten = true;

    private CursorLog(SnapshotLog log) {
        this.log = log;
    }

    static CursorLog open(LogStore store, String name) {
        return open(store, name, CONFIG);
    }

    /** {@link #open(LogStore, String)} with other sizes (tests: an entry limit small enough to reach). */
    static CursorLog open(LogStore store, String name, SnapshotLog.Config config) {
        return new CursorLog(SnapshotLog.open(store, name, config));
    }

    /** Replays the log: the last snapshot, then every delta after it. */
    Recovered recover() {
        Replay replay = new Replay();
        log.replay(replay);
        ttlMessagesFrom = replay.ttlFrom;
        return new Recovered(replay.settled, replay.transients, replay.handedOut, replay.returns, replay.ttlFrom);
    }

    /** The state a replay of the log builds, entry by entry: a snapshot replaces it, a delta adds to it. */
    private static final class Replay implements SnapshotLog.Replay {
        final OffsetRanges settled = new OffsetRanges();
        final OffsetRanges transients = new OffsetRanges();
        final Map<Long, Returns.Entry> returns = new HashMap<>();
        long handedOut;
        long ttlFrom = -1;

        @Override
        public void snapshot(ByteBuffer v, Record record) {
            settled.clear();
            transients.clear();
            handedOut = 0;
            returns.clear();
            ttlFrom = -1;
            delta(v, record);
        }

        @Override
        public void delta(ByteBuffer v, Record record) {
            handedOut = Math.max(handedOut, v.getLong());
            readRanges(v, settled);
            readRanges(v, transients);
            readReturns(v, returns);
            if (v.remaining() >= Long.BYTES) {
                long from = v.getLong();
                ttlFrom = ttlFrom < 0 ? from : Math.min(ttlFrom, from);
            }
        }
    }

    /**
     * Replaces the recovered state with {@code settled}, {@code transients} and {@code handedOutBelow} and syncs it:
     * after a machine crash the unsynced cursor log may hold entries for offsets the synced message log lost, and
     * those must never apply to the new messages that will take the same offsets.
     */
    void rewriteAfterRecovery(
            OffsetRanges settled, OffsetRanges transients, long handedOutBelow, Map<Long, Returns.Entry> returns) {
        writeSnapshot(settled, transients, handedOutBelow, returns);
        if (!log.failed()) {
            log.flush();
        }
    }

    /** Appends what changed (no fsync). A failed cursor log is logged once and costs redeliveries, not messages. */
    void writeDelta(OffsetRanges settled, OffsetRanges transients, long handedOutBelow) {
        writeDelta(settled, transients, handedOutBelow, Map.of());
    }

    /** A delta with the returns changed since the last one. */
    void writeDelta(
            OffsetRanges settled, OffsetRanges transients, long handedOutBelow, Map<Long, Returns.Entry> returns) {
        byte[] entry = entry(SnapshotLog.DELTA, settled, transients, handedOutBelow, returns);
        if (entry != null) {
            log.writeDelta(entry);
        }
    }

    /**
     * Messages with a TTL of their own were appended at {@code offset} (the first since the start, if none was
     * recorded before): written with the next entry and kept in every snapshot.
     */
    void ttlMessagesFrom(long offset) {
        if (ttlMessagesFrom < 0) {
            ttlMessagesFrom = offset;
            ttlMessagesFromWritten = false;
        }
    }

    /** Whether {@link #ttlMessagesFrom} has news the log has not been written with yet. */
    boolean hasUnwrittenTtlMark() {
        return !ttlMessagesFromWritten;
    }

    /** Whether enough deltas piled up that the next write should be a snapshot. */
    boolean snapshotDue() {
        return log.snapshotDue();
    }

    /**
     * Writes the whole cursor state, then drops the segments wholly before it.
     *
     * @return false when nothing was written (too large for one entry, or the log failed): the caller writes its
     *     changes as a delta instead, and the next snapshot is due after as many deltas again
     */
    boolean writeSnapshot(
            OffsetRanges settled, OffsetRanges transients, long handedOutBelow, Map<Long, Returns.Entry> returns) {
        byte[] entry = entry(SnapshotLog.SNAPSHOT, settled, transients, handedOutBelow, returns);
        log.writeSnapshot(entry, false);
        return entry != null;
    }

    /** Lays out an entry; null when the log failed or it does not fit. */
    private byte[] entry(
            byte kind,
            OffsetRanges settled,
            OffsetRanges transients,
            long handedOutBelow,
            Map<Long, Returns.Entry> returns) {
        if (log.failed()) {
            return null;
        }
        boolean withTtlFrom = ttlMessagesFrom >= 0 && (kind == SnapshotLog.SNAPSHOT || !ttlMessagesFromWritten);
        int size = 1
                + 8
                + 4
                + 16 * settled.rangeCount()
                + 4
                + 16 * transients.rangeCount()
                + (returns.isEmpty() && !withTtlFrom ? 0 : 4 + RETURN_BYTES * returns.size())
                + (withTtlFrom ? Long.BYTES : 0);
        if (!log.fits(size)) {
            LOG.warn("Cursor log {}: {} ranges do not fit one entry; skipped", log.name(), settled.rangeCount());
            return null;
        }
        ByteBuffer v = ByteBuffer.allocate(size).put(kind).putLong(handedOutBelow);
        writeRanges(v, settled);
        writeRanges(v, transients);
        if (!returns.isEmpty() || withTtlFrom) {
            v.putInt(returns.size());
            returns.forEach((offset, e) -> v.putLong(offset).putInt(e.count()).putLong(e.notBefore()));
        }
        if (withTtlFrom) {
            v.putLong(ttlMessagesFrom);
            ttlMessagesFromWritten = true;
        }
        return v.array();
    }

    private static void writeRanges(ByteBuffer v, OffsetRanges ranges) {
        v.putInt(ranges.rangeCount());
        ranges.forEachRange((from, to) -> v.putLong(from).putLong(to));
    }

    private static void readReturns(ByteBuffer v, Map<Long, Returns.Entry> into) {
        if (!v.hasRemaining()) {
            return; // written before returns were kept, or none
        }
        int n = v.getInt();
        if (n < 0 || n > v.remaining() / RETURN_BYTES) {
            throw new IllegalStateException("cursor entry claims " + n + " returns in " + v.remaining() + " bytes");
        }
        for (int i = 0; i < n; i++) {
            into.put(v.getLong(), new Returns.Entry(v.getInt(), v.getLong()));
        }
    }

    private static void readRanges(ByteBuffer v, OffsetRanges into) {
        int n = v.getInt();
        if (n < 0 || n > v.remaining() / 16) {
            throw new IllegalStateException("cursor entry claims " + n + " ranges in " + v.remaining() + " bytes");
        }
        for (int i = 0; i < n; i++) {
            into.addRange(v.getLong(), v.getLong());
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
