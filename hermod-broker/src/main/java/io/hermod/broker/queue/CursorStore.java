package io.hermod.broker.queue;

import io.hermod.storage.Log;
import io.hermod.storage.StorageException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link Queue}'s cursor across restarts: recovers it from the queue's {@link CursorLog} at start, writes what
 * changed since (settlements, transient messages, how far messages were handed out, delivery counts and waiting
 * times) lazily at the end of the queue's runs or at once where a crash must not lose it, and deletes the message
 * log's segments once all their messages are settled. A queue without a cursor log (not durable, or exclusive) keeps
 * its cursor only in memory: then only the trimming does anything.
 *
 * <p>Threading: owned by the queue's serial executor, like the cursor it writes: every method is called there (or by
 * the queue's constructor, before the queue is shared).
 */
final class CursorStore {

    // logs under the queue's name, as when this was part of Queue
    private static final Logger LOG = LoggerFactory.getLogger(Queue.class);
    private static final long TRIM_EVERY_OFFSETS = 8192;
    private static final long HANDOUT_MARK_AHEAD = 256;

    /**
     * The cursor as a restart finds it: the settled offsets (transient messages of a durable queue among them), the
     * offset below which messages come back flagged redelivered, the delivery counts and waiting times of returned
     * messages, and where messages with TTLs of their own start ({@code -1} for none).
     */
    record Recovered(
            OffsetRanges settled, long redeliveredBelow, Map<Long, Returns.Entry> returns, long ttlMessagesFrom) {}

    private final String queueName;
    private final Log log;
    private final CursorLog cursorLog; // null for a queue that does not survive a restart
    private final SharedCursor cursor;
    private final Returns returns;
    private final OffsetRanges transientLive = new OffsetRanges();
    private final OffsetRanges transientSinceFlush = new OffsetRanges();
    private final OffsetRanges settledScratch = new OffsetRanges();
    private final OffsetRanges noRanges = new OffsetRanges();
    private long handedOutWritten;
    private long trimmedAt;

    /** @param handedOutWritten how far the cursor log says messages were handed out (see {@link Recovered}) */
    CursorStore(
            String queueName,
            Log log,
            CursorLog cursorLog,
            SharedCursor cursor,
            Returns returns,
            long handedOutWritten) {
        this.queueName = queueName;
        this.log = log;
        this.cursorLog = cursorLog;
        this.cursor = cursor;
        this.returns = returns;
        this.handedOutWritten = handedOutWritten;
        this.trimmedAt = log.startOffset();
    }

    /** Reads the cursor of a queue back from its cursor log, if it has one, cut to what its message log holds. */
    static Recovered recover(String queueName, Log log, CursorLog cursorLog) {
        OffsetRanges settled = new OffsetRanges();
        if (cursorLog == null) {
            return new Recovered(settled, 0, Map.of(), -1);
        }
        CursorLog.Recovered recovered = cursorLog.recover();
        long end = log.endOffset();
        // the cursor log is not synced: after a machine crash it may speak of offsets the message log lost
        boolean beyondEnd = recovered.settled().removeFrom(end)
                | recovered.transients().removeFrom(end)
                | recovered.handedOutBelow() > end
                | recovered.returns().keySet().removeIf(offset -> offset >= end);
        recovered.settled().forEachRange(settled::addRange);
        // transient messages of a durable queue do not survive a restart
        recovered.transients().forEachRange(settled::addRange);
        long redeliveredBelow = Math.min(recovered.handedOutBelow(), end);
        if (beyondEnd) {
            LOG.warn(
                    "Queue {}: its cursor log ran ahead of its message log (a machine crash?); cut at {}",
                    queueName,
                    end);
            cursorLog.rewriteAfterRecovery(settled, new OffsetRanges(), redeliveredBelow, recovered.returns());
        }
        return new Recovered(settled, redeliveredBelow, recovered.returns(), recovered.ttlMessagesFrom());
    }

    /** A transient message of a durable queue was appended at {@code offset}: a restart must drop it. */
    void transientAppended(long offset) {
        transientLive.add(offset);
        transientSinceFlush.add(offset);
    }

    /**
     * Writes the transient messages just appended, right behind the append, not at the end of the run: a process
     * killed in between would let transient messages of a durable queue survive the restart (and every later one).
     */
    void writeTransients() {
        if (!transientSinceFlush.isEmpty()) {
            cursorLog.writeDelta(noRanges, transientSinceFlush, handedOutWritten);
            transientSinceFlush.clear();
        }
    }

    /**
     * Writes the delivery counts and waiting times changed since the last write, before the messages can go out again
     * or their publishers hear they are stored (a crash keeps them).
     */
    void persistReturns() {
        if (cursorLog != null) {
            Map<Long, Returns.Entry> changed = returns.drainChanged();
            if (!changed.isEmpty() || cursorLog.hasUnwrittenTtlMark()) {
                cursorLog.writeDelta(noRanges, noRanges, handedOutWritten, changed);
            }
        }
    }

    /**
     * Makes the cursor log say that {@code offset} was handed out before it goes out: after a crash that follows the
     * hand-over, the message must come back flagged redelivered (DESIGN.md), so this cannot wait for the lazy flush at
     * the end of the run. One mark covers the next {@value #HANDOUT_MARK_AHEAD} offsets (within the log), to keep the
     * writes few; after a crash the few of those not handed out yet come back flagged too, which the flag allows (it
     * means "may have been delivered before"). Written like the rest of the cursor log: without fsync.
     */
    void markHandedOut(long offset) {
        if (cursorLog == null || offset < handedOutWritten) {
            return;
        }
        long mark = Math.min(cursor.end(), offset + HANDOUT_MARK_AHEAD);
        cursorLog.writeDelta(noRanges, noRanges, mark);
        handedOutWritten = mark;
    }

    /** Writes what changed since the last flush, as a snapshot when {@code snapshot} or when one is due. */
    void flush(boolean snapshot) {
        if (cursorLog == null) {
            cursor.drainSettledSinceFlush(settledScratch);
            settledScratch.clear();
            return;
        }
        long handedOut = cursor.handedOutBelow();
        cursor.drainSettledSinceFlush(settledScratch);
        // a snapshot writes the settled set, which counts held messages (being dead-lettered) as settled: it waits
        returns.prune(cursor::isSettled);
        Map<Long, Returns.Entry> changed = returns.drainChanged();
        boolean snapshotWritten = false;
        if ((snapshot || cursorLog.snapshotDue()) && cursor.heldCount() == 0) {
            transientLive.removeBelow(cursor.lowWatermark());
            snapshotWritten = cursorLog.writeSnapshot(
                    cursor.settled(), transientLive, Math.max(handedOut, handedOutWritten), returns.all());
        }
        // without a snapshot (none due, or one too large for an entry) the changes go as a delta, or they would be lost
        if (!snapshotWritten
                && (!settledScratch.isEmpty()
                        || !transientSinceFlush.isEmpty()
                        || handedOut > handedOutWritten
                        || !changed.isEmpty())) {
            cursorLog.writeDelta(settledScratch, transientSinceFlush, Math.max(handedOut, handedOutWritten), changed);
        }
        settledScratch.clear();
        transientSinceFlush.clear();
        handedOutWritten = Math.max(handedOut, handedOutWritten); // never below a mark written ahead
    }

    /** Deletes log segments every message of which is settled. */
    void trim() {
        long low = cursor.lowWatermark();
        if (low - trimmedAt < TRIM_EVERY_OFFSETS) {
            return;
        }
        try {
            if (log.deleteSegmentsBelow(low) > 0) {
                cursor.logStartMovedTo(log.startOffset());
                transientLive.removeBelow(log.startOffset());
            }
            trimmedAt = low;
        } catch (StorageException e) {
            LOG.warn("Queue {} could not delete settled segments: {}", queueName, e.getMessage());
        }
    }
}
