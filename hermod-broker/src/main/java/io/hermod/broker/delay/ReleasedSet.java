package io.hermod.broker.delay;

import java.util.Arrays;

/**
 * The offsets of a delay store's log whose messages were released (routed when due, or dropped): a bitset from a base
 * offset (a multiple of 64) to the highest offset added, one bit an offset. Messages fall due in any order, so released
 * offsets are scattered; a bitset keeps 1,000,000 of them in 125 KB where a set of ranges would need an entry each.
 * The base moves up as the log drops segments every message of which is released.
 *
 * <p>Not thread-safe: owned by the store's executor.
 */
final class ReleasedSet {

    private long base;
    private long[] words = new long[0];
    private long count;

    /** An empty set. */
    ReleasedSet() {}

    /** A set with these words from {@code base} (a multiple of 64), as a snapshot holds them. */
    ReleasedSet(long base, long[] words) {
        if ((base & 63) != 0) {
            throw new IllegalArgumentException("base must be a multiple of 64: " + base);
        }
        this.base = base;
        this.words = words;
        for (long w : words) {
            count += Long.bitCount(w);
        }
    }

    boolean contains(long offset) {
        if (offset < base) {
            return true; // below the base everything was released (the base only moves past released offsets)
        }
        long index = (offset - base) >>> 6;
        return index < words.length && (words[(int) index] & (1L << (offset & 63))) != 0;
    }

    /** Adds an offset; false if it was already there. */
    boolean add(long offset) {
        if (offset < base) {
            return false;
        }
        long index = (offset - base) >>> 6;
        if (index >= words.length) {
            if (index >= Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("released set cannot span offsets " + base + " to " + offset);
            }
            words = Arrays.copyOf(words, (int) Math.max(index + 1, Math.min(Integer.MAX_VALUE - 8, 2L * words.length)));
        }
        long bit = 1L << (offset & 63);
        int i = (int) index;
        if ((words[i] & bit) != 0) {
            return false;
        }
        words[i] |= bit;
        count++;
        return true;
    }

    /** The smallest offset at or above {@code from} not in the set. */
    long firstAbsentFrom(long from) {
        long at = Math.max(from, base);
        int i = (int) ((at - base) >>> 6);
        if (i >= words.length) {
            return at;
        }
        long w = ~words[i] & (-1L << (at & 63));
        while (w == 0) {
            if (++i >= words.length) {
                return base + ((long) i << 6);
            }
            w = ~words[i];
        }
        return base + ((long) i << 6) + Long.numberOfTrailingZeros(w);
    }

    /** How many offsets of {@code [from, to)} are in the set ({@code from} at or above the base). */
    long countIn(long from, long to) {
        long count = 0;
        for (long o = Math.max(from, base); o < to; ) {
            int i = (int) ((o - base) >>> 6);
            if (i >= words.length) {
                break;
            }
            long end = Math.min(to, base + ((long) (i + 1) << 6));
            long mask = (-1L << (o & 63)) & (end - base == (long) (i + 1) << 6 ? -1L : ~(-1L << (end & 63)));
            count += Long.bitCount(words[i] & mask);
            o = end;
        }
        return count;
    }

    /** Forgets the offsets below {@code offset} (their segments left the log); the base moves to its word. */
    void removeBelow(long offset) {
        long newBase = offset & ~63L;
        if (newBase <= base) {
            return;
        }
        int drop = (int) Math.min(words.length, (newBase - base) >>> 6);
        for (int i = 0; i < drop; i++) {
            count -= Long.bitCount(words[i]);
        }
        words = Arrays.copyOfRange(words, drop, Math.max(drop, words.length));
        base = newBase;
    }

    /** Removes every offset at or above {@code offset}; returns whether any was there. */
    boolean removeFrom(long offset) {
        boolean removed = false;
        long from = Math.max(offset, base);
        for (long o = from; o < base + ((long) words.length << 6); o++) {
            int i = (int) ((o - base) >>> 6);
            if ((o & 63) == 0 && words[i] == 0) {
                o += 63;
                continue;
            }
            long bit = 1L << (o & 63);
            if ((words[i] & bit) != 0) {
                words[i] &= ~bit;
                count--;
                removed = true;
            }
        }
        return removed;
    }

    long base() {
        return base;
    }

    /** The words from the base up to the last one with a bit set (a copy), for a snapshot. */
    long[] words() {
        int n = words.length;
        while (n > 0 && words[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(words, n);
    }

    /** The number of released offsets at or above the base. */
    long count() {
        return count;
    }

    /** Heap bytes of the bitset. */
    long heapBytes() {
        return 8L * words.length;
    }
}
