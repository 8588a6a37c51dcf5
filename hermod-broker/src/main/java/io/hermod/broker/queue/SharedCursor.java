package io.hermod.broker.queue;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The shared cursor of a queue (DESIGN.md): which offsets of its log are ready to hand out, which are handed out and
 * unacknowledged, which are settled. Ready messages cost no heap: they are the offsets from {@code next} to the log end
 * that are not settled, plus the few that came back (requeued), which go out first, oldest first, ahead of newer ones.
 *
 * <p>Settled offsets (acknowledged, discarded, purged, or transient messages dropped at a restart) are kept as ranges;
 * the first offset not settled is the low watermark below which the log may be deleted.
 *
 * <p>Not thread-safe: owned by the queue's executor.
 */
final class SharedCursor {

    private long start;
    private long next;
    private long end;
    private final TreeSet<Long> requeued = new TreeSet<>();
    private final Map<Long, Handout> unacked = new HashMap<>();
    /**
     * Ready offsets on the stream held out of the ready set without being settled ({@link #hold}): settled in memory,
     * so that {@link #take()} passes them, but not yet for the cursor log or the low watermark.
     */
    private final TreeSet<Long> held = new TreeSet<>();

    private final OffsetRanges settled = new OffsetRanges();
    /** Settled since the cursor log last took them. */
    private final OffsetRanges settledSinceFlush = new OffsetRanges();
    /** Offsets below this were handed out before the last restart: they go out again flagged redelivered. */
    private long redeliveredBelow;
    /**
     * How many offsets of {@code [next, end)} are settled: kept as a count because after a restart that window holds
     * every range acknowledged out of order before it, which {@link #readyCount()} (asked on every run and every get)
     * would otherwise walk each time.
     */
    private long settledAhead;

    private boolean lastTakenRedelivered;

    /**
     * A priority queue's ready messages, by level ({@link #usePriorities}); null for a plain queue. With lanes, every
     * appended offset goes to its lane at once ({@link #enqueue}), so the stream position stays at the log end and
     * the stream part of this cursor is not used; messages that come back go to their lane too.
     */
    private PriorityLanes lanes;
    /** With lanes: one past the highest offset ever taken (what a restart must flag redelivered). */
    private long takenBelow;

    /** A cursor over {@code [start, end)} of a log, with what a restart recovered. */
    SharedCursor(long start, long end, OffsetRanges recoveredSettled, long redeliveredBelow) {
        this.start = start;
        this.end = end;
        recoveredSettled.forEachRange(settled::addRange);
        settled.removeBelow(start);
        this.next = settled.firstAbsentFrom(start);
        this.redeliveredBelow = redeliveredBelow;
        this.settledAhead = settled.countIn(next, end);
    }

    /**
     * Makes this the cursor of a priority queue with levels 0 to {@code maxPriority}: the ready messages still on the
     * stream (after a restart) must then be given their levels with {@link #enqueue}, in offset order.
     */
    void usePriorities(int maxPriority) {
        lanes = new PriorityLanes(maxPriority);
        takenBelow = redeliveredBelow;
    }

    /** Whether this is a priority queue's cursor. */
    boolean hasPriorities() {
        return lanes != null;
    }

    /**
     * Priority queues: puts a ready stream offset (just appended, or ready after a restart) into the lane of its
     * priority; the stream moves past it.
     */
    void enqueue(long offset, int priority) {
        if (offset < next || offset >= end || settled.contains(offset)) {
            return; // not ready on the stream: taken, settled or held already
        }
        settledAhead -= settled.countIn(next, offset);
        next = offset + 1;
        lanes.add(offset, priority);
    }

    /** The log grew to {@code newEnd}. */
    void appended(long newEnd) {
        // nothing is settled out there unless the cursor log ran ahead of the message log (a machine crash)
        settledAhead += settled.countIn(Math.max(next, end), newEnd);
        end = newEnd;
    }

    boolean hasReady() {
        if (lanes != null) {
            return lanes.count() > 0;
        }
        return !requeued.isEmpty() || settled.firstAbsentFrom(next) < end;
    }

    /** Whether the next {@link #take()} would come from the requeued set (read apart from the stream). */
    boolean nextIsRequeued() {
        return lanes != null || !requeued.isEmpty(); // a priority queue reads each message apart from the stream
    }

    /** The offset {@link #take()} would hand out next, without taking it; -1 when there is none. */
    long peek() {
        if (lanes != null) {
            return lanes.peek();
        }
        if (!requeued.isEmpty()) {
            return requeued.first();
        }
        long offset = settled.firstAbsentFrom(next);
        return offset < end ? offset : -1;
    }

    /** Hands out the next ready offset, or -1. {@link #lastTakenRedelivered()} tells whether it was handed out before. */
    long take() {
        if (lanes != null) {
            long offset = lanes.poll();
            if (offset >= 0) {
                lastTakenRedelivered = lanes.lastTakenReturned() || offset < redeliveredBelow;
                takenBelow = Math.max(takenBelow, offset + 1);
            }
            return offset;
        }
        if (!requeued.isEmpty()) {
            lastTakenRedelivered = true;
            return requeued.pollFirst();
        }
        long offset = settled.firstAbsentFrom(next);
        if (offset >= end) {
            next = end;
            settledAhead = 0;
            return -1;
        }
        settledAhead -= offset - next; // [next, offset) is settled
        next = offset + 1;
        lastTakenRedelivered = offset < redeliveredBelow;
        return offset;
    }

    boolean lastTakenRedelivered() {
        return lastTakenRedelivered;
    }

    /** The next stream offset {@link #take()} would consider (after the requeued ones). */
    long streamPosition() {
        return settled.firstAbsentFrom(next);
    }

    /**
     * An unacknowledged message: who has it (null for a polling get), its size, to refund the credit, and its body's
     * size, for a byte limit when it comes back.
     */
    record Handout(QueueConsumer consumer, int size, int bodySize) {}

    /** Records that {@code offset} was handed to {@code consumer} (null for a polling get) and awaits settlement. */
    void handedOut(long offset, QueueConsumer consumer, int size, int bodySize) {
        unacked.put(offset, new Handout(consumer, size, bodySize));
    }

    boolean isUnacked(long offset) {
        return unacked.containsKey(offset);
    }

    /** Who holds an unacknowledged offset; null when it is not unacknowledged. */
    Handout handout(long offset) {
        return unacked.get(offset);
    }

    /** Settles an offset for good (acknowledged, discarded); returns its handout if it was unacknowledged. */
    Handout settle(long offset) {
        Handout h = unacked.remove(offset);
        if (lanes != null) {
            lanes.forget(offset);
        }
        if (held.remove(offset)) {
            settledSinceFlush.add(offset); // already settled in memory
        } else if (settled.add(offset)) {
            settledSinceFlush.add(offset);
            if (offset >= next && offset < end) {
                settledAhead++;
            }
        }
        return h;
    }

    /**
     * Takes a ready message out wherever it stands (it expired behind live ones) and settles it; false when the offset
     * is not ready (handed out, settled, or beyond the log).
     */
    boolean discardReady(long offset) {
        if (lanes != null) {
            if (!lanes.remove(offset)) {
                return false;
            }
            settle(offset);
            return true;
        }
        if (!isReady(offset)) {
            return false;
        }
        requeued.remove(offset);
        settle(offset);
        return true;
    }

    /**
     * Takes an offset out of the ready set without settling it, until {@link #settle} or {@link #release}: the queue
     * is dead-lettering it and keeps it until the copy is safe (a crash in between brings it back), or it waits out a
     * retry delay. The offset may be ready (wherever it stands), taken, or unacknowledged (its holder already
     * refunded; its body size is kept for {@link #release}).
     */
    void hold(long offset) {
        Handout previous = unacked.get(offset);
        if (lanes != null) {
            lanes.remove(offset); // if ready; it goes back to its level when released
        }
        if (previous != null || requeued.remove(offset) || offset < next || offset >= end) {
            unacked.put(offset, new Handout(null, 0, previous == null ? 0 : previous.bodySize()));
        } else if (settled.add(offset)) {
            settledAhead++;
            held.add(offset);
        }
    }

    /**
     * Makes a held offset ready again, ahead of newer messages (a retry delay is over); returns its body size if known
     * (0 otherwise), or -1 when it was not held (settled meanwhile).
     */
    long release(long offset) {
        if (held.remove(offset)) {
            settled.remove(offset);
            if (offset >= next) {
                settledAhead--;
            } else {
                requeued.add(offset);
            }
            return 0;
        }
        Handout h = unacked.get(offset);
        if (h == null || h.consumer() != null) {
            return -1;
        }
        requeue(offset);
        return h.bodySize();
    }

    /** How many ready offsets on the stream are held (see {@link #hold}); the cursor log's snapshot waits for none. */
    int heldCount() {
        return held.size();
    }

    /** Whether an offset is ready on the stream (or requeued), whatever the lanes say: for a start-up scan. */
    boolean isReadyOnStream(long offset) {
        return requeued.contains(offset) || offset >= next && offset < end && !settled.contains(offset);
    }

    /** Whether an offset is settled for good (not merely held). */
    boolean isSettled(long offset) {
        return settled.contains(offset) && !held.contains(offset);
    }

    /** Whether an offset is ready: requeued, or on the stream ahead of the cursor and not settled. */
    boolean isReady(long offset) {
        if (lanes != null) {
            return lanes.contains(offset);
        }
        return requeued.contains(offset) || offset >= next && offset < end && !settled.contains(offset);
    }

    /** Returns an unacknowledged offset to the ready set, ahead of every newer message; its handout, or null. */
    Handout requeue(long offset) {
        Handout h = unacked.remove(offset);
        if (h != null && lanes != null) {
            lanes.addReturned(offset);
        } else if (h != null) {
            requeued.add(offset);
        }
        return h;
    }

    /** Settles every ready message and returns how many there were. */
    long purge() {
        long purged = readyCount();
        if (lanes != null) {
            lanes.drain(this::settle);
        }
        for (long offset : requeued) {
            settle(offset);
        }
        requeued.clear();
        long from = streamPosition();
        settledSinceFlush.addRange(from, end);
        settled.addRange(from, end);
        next = end;
        settledAhead = 0;
        return purged;
    }

    long readyCount() {
        if (lanes != null) {
            return lanes.count();
        }
        long stream = end - Math.min(end, next) - settledAhead;
        return requeued.size() + stream;
    }

    int unackedCount() {
        return unacked.size();
    }

    Map<Long, Handout> unacked() {
        return unacked;
    }

    /** The first offset not settled: every offset below it may leave the log. */
    long lowWatermark() {
        long low = settled.firstAbsentFrom(start);
        return held.isEmpty() ? low : Math.min(low, held.first());
    }

    /** The log deleted its segments below {@code newStart}. */
    void logStartMovedTo(long newStart) {
        start = newStart;
        settled.removeBelow(newStart);
        next = Math.max(next, newStart); // what is gone cannot be handed out
        settledAhead = settled.countIn(next, end);
    }

    /** The offsets handed out at least once; a restart flags offsets below it as redelivered. */
    long handedOutBelow() {
        if (lanes != null) {
            return Math.max(takenBelow, redeliveredBelow); // taken out of order: below the highest taken, roughly
        }
        return Math.max(next, redeliveredBelow);
    }

    OffsetRanges settled() {
        return settled;
    }

    /** Takes what was settled since the last call (for the cursor log). */
    OffsetRanges drainSettledSinceFlush(OffsetRanges into) {
        settledSinceFlush.forEachRange(into::addRange);
        settledSinceFlush.clear();
        return into;
    }

    long end() {
        return end;
    }
}
