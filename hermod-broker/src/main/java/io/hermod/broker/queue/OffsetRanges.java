package io.hermod.broker.queue;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A set of log offsets kept as sorted, disjoint, non-adjacent half-open ranges {@code [from, to)}: what a queue has
 * acknowledged. Acknowledgements mostly arrive in order, so the set stays a handful of ranges however many messages it
 * covers, which is what lets a backlog of millions cost a few bytes of heap.
 *
 * <p>Not thread-safe: owned by one queue's executor.
 */
final class OffsetRanges {

    private final NavigableMap<Long, Long> ranges = new TreeMap<>();
    private long size;

    /** Adds one offset; false if it was already in the set. */
    boolean add(long offset) {
        return addRange(offset, offset + 1) == 1;
    }

    /** Adds {@code [from, to)} and returns how many offsets were not in the set before. */
    long addRange(long from, long to) {
        if (from >= to) {
            return 0;
        }
        if (!ranges.isEmpty()) {
            // the usual case, offsets settled in order: at or past the last range's start, nothing after it to merge,
            // and no tree entry made or removed when it only grows the last range
            Long lastFrom = ranges.lastKey();
            if (from >= lastFrom) {
                long lastTo = ranges.get(lastFrom);
                long added = from > lastTo ? to - from : Math.max(0, to - lastTo);
                if (from > lastTo) {
                    ranges.put(from, to);
                } else if (to > lastTo) {
                    ranges.put(lastFrom, to);
                }
                size += added;
                return added;
            }
        }
        long added = to - from;
        long start = from;
        long end = to;
        Map.Entry<Long, Long> before = ranges.floorEntry(from);
        if (before != null && before.getValue() >= from) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
            added -= Math.min(before.getValue(), to) - from;
            ranges.remove(before.getKey());
        }
        // every range starting inside [from, to] merges in
        Map.Entry<Long, Long> next = ranges.ceilingEntry(from);
        while (next != null && next.getKey() <= to) {
            added -= Math.max(0, Math.min(next.getValue(), to) - next.getKey());
            end = Math.max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(from);
        }
        ranges.put(start, end);
        size += added;
        return added;
    }

    /** Removes one offset; false if it was not in the set. */
    boolean remove(long offset) {
        Map.Entry<Long, Long> e = ranges.floorEntry(offset);
        if (e == null || offset >= e.getValue()) {
            return false;
        }
        long from = e.getKey();
        long to = e.getValue();
        ranges.remove(from);
        if (from < offset) {
            ranges.put(from, offset);
        }
        if (offset + 1 < to) {
            ranges.put(offset + 1, to);
        }
        size--;
        return true;
    }

    boolean contains(long offset) {
        Map.Entry<Long, Long> e = ranges.floorEntry(offset);
        return e != null && offset < e.getValue();
    }

    /** How many offsets of {@code [from, to)} are in the set. */
    long countIn(long from, long to) {
        long count = 0;
        Map.Entry<Long, Long> first = ranges.floorEntry(from);
        Long key = first != null && first.getValue() > from ? first.getKey() : ranges.ceilingKey(from);
        while (key != null && key < to) {
            long end = ranges.get(key);
            count += Math.min(end, to) - Math.max(key, from);
            key = ranges.higherKey(key);
        }
        return count;
    }

    /** The smallest offset at or above {@code from} that is not in the set. */
    long firstAbsentFrom(long from) {
        Map.Entry<Long, Long> e = ranges.floorEntry(from);
        return e != null && from < e.getValue() ? e.getValue() : from;
    }

    /** Drops every offset below {@code offset} (they left the log). */
    void removeBelow(long offset) {
        while (!ranges.isEmpty() && ranges.firstKey() < offset) {
            Map.Entry<Long, Long> first = ranges.pollFirstEntry();
            if (first.getValue() > offset) {
                ranges.put(offset, first.getValue());
                size -= offset - first.getKey();
            } else {
                size -= first.getValue() - first.getKey();
            }
        }
    }

    /** Drops every offset at or above {@code offset}; returns whether any was there. */
    boolean removeFrom(long offset) {
        boolean removed = false;
        Map.Entry<Long, Long> last;
        while ((last = ranges.lastEntry()) != null && last.getValue() > offset) {
            removed = true;
            ranges.remove(last.getKey());
            if (last.getKey() < offset) {
                ranges.put(last.getKey(), offset);
                size -= last.getValue() - offset;
            } else {
                size -= last.getValue() - last.getKey();
            }
        }
        return removed;
    }

    /** The number of offsets in the set. */
    long size() {
        return size;
    }

    int rangeCount() {
        return ranges.size();
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Calls {@code action} with each range's start and end, in order, through {@link RangeConsumer}. */
    void forEachRange(RangeConsumer action) {
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            action.accept(e.getKey(), e.getValue());
        }
    }

    void clear() {
        ranges.clear();
        size = 0;
    }

    /** Receives one range {@code [from, to)}. */
    @FunctionalInterface
    interface RangeConsumer {
        void accept(long from, long to);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        forEachRange((f, t) ->
                sb.append(sb.length() > 1 ? ", " : "").append(f).append("..").append(t));
        return sb.append(']').toString();
    }
}
