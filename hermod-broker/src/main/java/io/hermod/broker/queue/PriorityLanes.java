package io.hermod.broker.queue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The ready messages of a priority queue ({@code x-max-priority}): one lane of offsets per priority level, taken from
 * the highest level that has any, oldest first within a level (FIFO per priority, as RabbitMQ's priority queues). A
 * lane is a ring of primitive offsets and a chunked bit set of which of them are ready, so a million ready messages
 * cost about 8 bytes of heap each; bodies stay in the log.
 *
 * <p>Offsets leave a lane lazily: one taken out of the middle (it expired, or was held) only has its bit cleared, and
 * is skipped when it reaches the front. A message that comes back goes to the front of its level's lane.
 *
 * <p>Not thread-safe: owned by the queue's executor, through its {@link SharedCursor}.
 */
final class PriorityLanes {

    private final Lane[] lanes;
    private long count;
    private boolean lastTakenReturned;
    /** The level of each offset taken and not yet settled or returned: where it goes back to. */
    private final Map<Long, Integer> takenLevel = new HashMap<>();

    /** Lanes for priorities 0 to {@code maxPriority}. */
    PriorityLanes(int maxPriority) {
        lanes = new Lane[maxPriority + 1];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane();
        }
    }

    /** The level of a message's priority: above the queue's maximum counts as the maximum, as RabbitMQ does. */
    int level(int priority) {
        return Math.max(0, Math.min(priority, lanes.length - 1));
    }

    /** A new message, at the back of its level. */
    void add(long offset, int priority) {
        Lane lane = lanes[level(priority)];
        if (lane.bits.set(offset)) {
            lane.addLast(offset);
            count++;
        }
    }

    /** A message that came back (it had been taken): at the front of its level, flagged as returned. */
    void addReturned(long offset) {
        Integer level = takenLevel.remove(offset);
        Lane lane = lanes[level == null ? 0 : level];
        if (lane.bits.set(offset)) {
            lane.addFirst(offset);
            lane.returned.set(offset);
            count++;
        }
    }

    /** Takes the oldest ready offset of the highest level; -1 when none. */
    long poll() {
        for (int level = lanes.length - 1; level >= 0; level--) {
            Lane lane = lanes[level];
            long offset = lane.pollReady();
            if (offset >= 0) {
                count--;
                lastTakenReturned = lane.returned.clear(offset);
                takenLevel.put(offset, level);
                return offset;
            }
        }
        return -1;
    }

    /** The offset {@link #poll()} would take; -1 when none. */
    long peek() {
        for (int level = lanes.length - 1; level >= 0; level--) {
            long offset = lanes[level].peekReady();
            if (offset >= 0) {
                return offset;
            }
        }
        return -1;
    }

    /** Whether the last {@link #poll()} took a message that had come back. */
    boolean lastTakenReturned() {
        return lastTakenReturned;
    }

    boolean contains(long offset) {
        for (Lane lane : lanes) {
            if (lane.bits.get(offset)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes a ready offset out wherever it stands (it expired, or is held); false when it was not ready. It is
     * remembered as taken, so that it goes back to its level if it comes back.
     */
    boolean remove(long offset) {
        for (int level = 0; level < lanes.length; level++) {
            Lane lane = lanes[level];
            if (lane.bits.clear(offset)) {
                lane.returned.clear(offset);
                count--;
                takenLevel.put(offset, level);
                return true;
            }
        }
        return false;
    }

    /** A taken offset was settled for good. */
    void forget(long offset) {
        if (!takenLevel.isEmpty()) {
            takenLevel.remove(offset);
        }
    }

    long count() {
        return count;
    }

    /** Every ready offset, in no particular order; the lanes are emptied. */
    void drain(java.util.function.LongConsumer into) {
        for (Lane lane : lanes) {
            long offset;
            while ((offset = lane.pollReady()) >= 0) {
                lane.returned.clear(offset);
                into.accept(offset);
            }
        }
        count = 0;
    }

    /** One level: a ring of offsets (with stale ones skipped) and the bits of those ready. */
    private static final class Lane {
        private long[] ring = new long[16];
        private int head;
        private int size;
        final OffsetBits bits = new OffsetBits();
        final OffsetBits returned = new OffsetBits();

        void addLast(long offset) {
            grow();
            ring[(head + size) & (ring.length - 1)] = offset;
            size++;
        }

        void addFirst(long offset) {
            grow();
            head = (head - 1) & (ring.length - 1);
            ring[head] = offset;
            size++;
        }

        long pollReady() {
            while (size > 0) {
                long offset = ring[head];
                head = (head + 1) & (ring.length - 1);
                size--;
                if (bits.clear(offset)) {
                    return offset;
                }
            }
            return -1;
        }

        long peekReady() {
            while (size > 0) {
                long offset = ring[head];
                if (bits.get(offset)) {
                    return offset;
                }
                head = (head + 1) & (ring.length - 1); // stale: drop it now
                size--;
            }
            return -1;
        }

        private void grow() {
            if (size < ring.length) {
                return;
            }
            long[] bigger = new long[ring.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = ring[(head + i) & (ring.length - 1)];
            }
            ring = bigger;
            head = 0;
        }
    }

    /** A set of offsets as bits in chunks of 65,536, chunks dropped when empty: compact for runs of offsets. */
    static final class OffsetBits {
        private static final int CHUNK_BITS = 16;
        private static final int WORDS = (1 << CHUNK_BITS) / 64;
        private final Map<Long, long[]> chunks = new HashMap<>();
        private final Map<Long, Integer> counts = new HashMap<>();

        /** Adds an offset; false if it was there. */
        boolean set(long offset) {
            long key = offset >>> CHUNK_BITS;
            long[] words = chunks.computeIfAbsent(key, k -> new long[WORDS]);
            int bit = (int) (offset & ((1 << CHUNK_BITS) - 1));
            long mask = 1L << (bit & 63);
            if ((words[bit >>> 6] & mask) != 0) {
                return false;
            }
            words[bit >>> 6] |= mask;
            counts.merge(key, 1, Integer::sum);
            return true;
        }

        /** Removes an offset; false if it was not there. */
        boolean clear(long offset) {
            long key = offset >>> CHUNK_BITS;
            long[] words = chunks.get(key);
            if (words == null) {
                return false;
            }
            int bit = (int) (offset & ((1 << CHUNK_BITS) - 1));
            long mask = 1L << (bit & 63);
            if ((words[bit >>> 6] & mask) == 0) {
                return false;
            }
            words[bit >>> 6] &= ~mask;
            if (counts.merge(key, -1, Integer::sum) == 0) {
                chunks.remove(key);
                counts.remove(key);
            }
            return true;
        }

        boolean get(long offset) {
            long[] words = chunks.get(offset >>> CHUNK_BITS);
            if (words == null) {
                return false;
            }
            int bit = (int) (offset & ((1 << CHUNK_BITS) - 1));
            return (words[bit >>> 6] & (1L << (bit & 63))) != 0;
        }

        @Override
        public String toString() {
            return "OffsetBits" + Arrays.toString(chunks.keySet().toArray());
        }
    }
}
