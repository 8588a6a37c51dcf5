package io.hermod.broker.queue;

import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persisted part of a durable queue's {@link SharedCursor}: which offsets are settled, which hold transient
 * messages (dropped at a restart), and how far messages were handed out (redelivered after a restart). It is a log of
 * its own, written lazily without fsync (DESIGN.md: a lost acknowledgement costs a redelivery, never a message), and
 * compacted by snapshots.
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
    private static final byte DELTA = 1;
    private static final byte SNAPSHOT = 2;
    private static final int SEGMENT_BYTES = 8 << 20;
    private static final long SNAPSHOT_AFTER_BYTES = 2 << 20;
    private static final int RETURN_BYTES = 8 + 4 + 8;

    /** What a restart recovers of a cursor. */
    record Recovered(
            OffsetRanges settled,
            OffsetRanges transients,
            long handedOutBelow,
            Map<Long, Returns.Entry> returns,
            long ttlMessagesFrom) {}

    private final Log log;
    private long bytesSinceSnapshot;
    private boolean failed;
    private long ttlMessagesFrom = -1;
    private boolean ttlMessagesFromWritten = true;

    private CursorLog(Log log) {
        this.log = log;
    }

    static CursorLog open(LogStore store, String name) {
        LogConfig config = LogConfig.builder()
                .durability(Durability.OS)
                .segmentBytes(SEGMENT_BYTES)
                .maxBatchBytes(SEGMENT_BYTES)
                .build();
        return new CursorLog(store.openLog(name, config));
    }

    /** Replays the log: the last snapshot, then every delta after it. */
    Recovered recover() {
        Replay replay = new Replay();
        log.forEachRecord(log.startOffset(), replay::apply);
        bytesSinceSnapshot = log.sizeInBytes();
        ttlMessagesFrom = replay.ttlFrom;
        return new Recovered(replay.settled, replay.transients, replay.handedOut, replay.returns, replay.ttlFrom);
    }

    /** The state a replay of the log builds, entry by entry: a snapshot replaces it, a delta adds to it. */
    private final class Replay {
        final OffsetRanges settled = new OffsetRanges();
        final OffsetRanges transients = new OffsetRanges();
        final Map<Long, Returns.Entry> returns = new HashMap<>();
        long handedOut;
        long ttlFrom = -1;

        void apply(Record record) {
            ByteBuffer v = record.value().duplicate();
            byte kind = v.get();
            if (kind == SNAPSHOT) {
                settled.clear();
                transients.clear();
                handedOut = 0;
                returns.clear();
                ttlFrom = -1;
            } else if (kind != DELTA) {
                throw new IllegalStateException("cursor log " + log.name() + " has an entry of unknown kind " + kind
                        + " at offset " + record.offset());
            }
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
        if (!failed) {
            log.flush();
        }
    }

    /** Appends what changed (no fsync). A failed cursor log is logged once and costs redeliveries, not messages. */
    void writeDelta(OffsetRanges settled, OffsetRanges transients, long handedOutBelow) {
        write(DELTA, settled, transients, handedOutBelow, Map.of());
    }

    /** A delta with the returns changed since the last one. */
    void writeDelta(
            OffsetRanges settled, OffsetRanges transients, long handedOutBelow, Map<Long, Returns.Entry> returns) {
        write(DELTA, settled, transients, handedOutBelow, returns);
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
        return bytesSinceSnapshot > SNAPSHOT_AFTER_BYTES;
    }

    /** Writes the whole cursor state, then drops the segments wholly before it. */
    void writeSnapshot(
            OffsetRanges settled, OffsetRanges transients, long handedOutBelow, Map<Long, Returns.Entry> returns) {
        long at = write(SNAPSHOT, settled, transients, handedOutBelow, returns);
        bytesSinceSnapshot = 0;
        if (at >= 0) {
            try {
                log.deleteSegmentsBelow(at);
            } catch (StorageException e) {
                LOG.warn("Cursor log {} could not drop old segments: {}", log.name(), e.getMessage());
            }
        }
    }

    private long write(
            byte kind,
            OffsetRanges settled,
            OffsetRanges transients,
            long handedOutBelow,
            Map<Long, Returns.Entry> returns) {
        if (failed) {
            return -1;
        }
        boolean withTtlFrom = ttlMessagesFrom >= 0 && (kind == SNAPSHOT || !ttlMessagesFromWritten);
        int size = 1
                + 8
                + 4
                + 16 * settled.rangeCount()
                + 4
                + 16 * transients.rangeCount()
                + (returns.isEmpty() && !withTtlFrom ? 0 : 4 + RETURN_BYTES * returns.size())
                + (withTtlFrom ? Long.BYTES : 0);
        if (size > SEGMENT_BYTES - 1024) {
            LOG.warn("Cursor log {}: {} ranges do not fit one entry; skipped", log.name(), settled.rangeCount());
            return -1;
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
        try {
            ByteBuffer batch = new RecordBatchBuilder()
                    .add(System.currentTimeMillis(), null, v.array())
                    .build();
            bytesSinceSnapshot += batch.remaining();
            return log.append(batch).firstOffset();
        } catch (StorageException e) {
            failed = true;
            LOG.error(
                    "Cursor log {} failed; acknowledgements from now on are not persisted and will be redelivered"
                            + " after a restart: {}",
                    log.name(),
                    e.getMessage());
            return -1;
        }
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
