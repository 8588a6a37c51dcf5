package io.hermod.broker.exchange;

import java.util.Arrays;

/**
 * A reusable set of objects (by {@code equals}/{@code hashCode}) that clears in time proportional to what was added,
 * not to its capacity, so one route that saw 10,000 destinations does not make every later route pay to clear them.
 * Open addressing with linear probing; it remembers the slots it filled.
 *
 * <p>Not thread-safe: each instance belongs to one {@link RouteScratch}, used by one thread at a time.
 */
final class ScratchSet {

    private Object[] table = new Object[16];
    private int[] filled = new int[8];
    private int size;

    /** Adds {@code element}; false if an equal element is already present. */
    boolean add(Object element) {
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        int mask = table.length - 1;
        int i = spread(element.hashCode()) & mask;
        Object present;
        while ((present = table[i]) != null) {
            if (present == element || present.equals(element)) {
                return false;
            }
            i = (i + 1) & mask;
        }
        table[i] = element;
        if (size == filled.length) {
            filled = Arrays.copyOf(filled, size * 2);
        }
        filled[size++] = i;
        return true;
    }

    void clear() {
        for (int k = 0; k < size; k++) {
            table[filled[k]] = null;
        }
        size = 0;
    }

    private void grow() {
        Object[] old = table;
        int oldSize = size;
        int[] oldFilled = Arrays.copyOf(filled, oldSize);
        table = new Object[old.length * 2];
        size = 0;
        for (int k = 0; k < oldSize; k++) {
            add(old[oldFilled[k]]);
        }
    }

    private static int spread(int hash) {
        int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
