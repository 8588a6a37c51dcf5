package io.hermod.broker.queue;

import java.util.Arrays;
import java.util.function.LongConsumer;
import java.util.function.LongPredicate;

/**
 * Offsets of a queue's messages by the time they fall due: a binary min-heap of (due time, offset) pairs in two
 * primitive arrays, 16 bytes a message. The queue keeps one for messages with a TTL of their own, to drop them when
 * they expire wherever they stand (RabbitMQ only drops at the head), and one for returned messages waiting out their
 * retry back-off. Entries are not removed when their message goes otherwise; the queue ignores those that no longer
 * apply when they fall due, and prunes them when they pile up. A delayed exchange's delay store
 * ({@link io.hermod.broker.delay.DelayStore}) keeps its pending messages in one.
 *
 * <p>Not thread-safe: owned by the queue's executor.
 */
public final class DueIndex {

    private long[] due = new long[16];
    private long[] offsets = new long[16];
    private int size;

    public int size() {
        return size;
    }

    public void add(long dueAt, long offset) {
        if (size == due.length) {
            due = Arrays.copyOf(due, size * 2);
            offsets = Arrays.copyOf(offsets, size * 2);
        }
        int i = size++;
        due[i] = dueAt;
        offsets[i] = offset;
        siftUp(i);
    }

    /** The earliest due time, or {@link Long#MAX_VALUE} when empty. */
    public long nextDue() {
        return size == 0 ? Long.MAX_VALUE : due[0];
    }

    /** Removes every entry due before {@code now} and hands its offset to {@code expired}, earliest first. */
    public void pollDue(long now, LongConsumer expired) {
        while (size > 0 && due[0] < now) {
            long offset = offsets[0];
            size--;
            due[0] = due[size];
            offsets[0] = offsets[size];
            siftDown(0);
            expired.accept(offset);
        }
    }

    /** Like {@link #pollDue(long, LongConsumer)}, but hands out at most {@code max} entries; returns how many. */
    public int pollDue(long now, int max, LongConsumer due) {
        int polled = 0;
        while (polled < max && size > 0 && this.due[0] < now) {
            long offset = offsets[0];
            size--;
            this.due[0] = this.due[size];
            offsets[0] = offsets[size];
            siftDown(0);
            polled++;
            due.accept(offset);
        }
        return polled;
    }

    /** Keeps only the entries whose offset {@code keep} accepts. */
    public void retain(LongPredicate keep) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (keep.test(offsets[i])) {
                due[kept] = due[i];
                offsets[kept] = offsets[i];
                kept++;
            }
        }
        size = kept;
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (due[parent] <= due[i]) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int left = 2 * i + 1;
            if (left >= size) {
                return;
            }
            int smaller = left + 1 < size && due[left + 1] < due[left] ? left + 1 : left;
            if (due[i] <= due[smaller]) {
                return;
            }
            swap(i, smaller);
            i = smaller;
        }
    }

    private void swap(int a, int b) {
        long d = due[a];
        due[a] = due[b];
        due[b] = d;
        long o = offsets[a];
        offsets[a] = offsets[b];
        offsets[b] = o;
    }
}
