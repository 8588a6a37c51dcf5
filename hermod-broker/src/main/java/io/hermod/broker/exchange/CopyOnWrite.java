package io.hermod.broker.exchange;

import java.util.Arrays;

/**
 * Edits of the immutable arrays that routers publish to their readers: each returns a new array and leaves its input
 * untouched, so a reader holding the old array keeps a consistent view. O(length) per edit, paid by the writer.
 *
 * <p>Stateless; the arrays it returns are safe to share once published through a volatile field or a concurrent map.
 */
final class CopyOnWrite {

    static final Object[] NO_DESTINATIONS = {};

    private CopyOnWrite() {}

    /** A copy of {@code array} with {@code element} appended. */
    static <T> T[] with(T[] array, T element) {
        T[] grown = Arrays.copyOf(array, array.length + 1);
        grown[array.length] = element;
        return grown;
    }

    /** A copy of {@code array} without its element at {@code index}. */
    static <T> T[] removedAt(T[] array, int index) {
        T[] shrunk = Arrays.copyOf(array, array.length - 1);
        System.arraycopy(array, index + 1, shrunk, index, shrunk.length - index);
        return shrunk;
    }

    /** A copy of {@code array} with {@code element} in place of its element at {@code index}. */
    static <T> T[] replacedAt(T[] array, int index, T element) {
        T[] copy = array.clone();
        copy[index] = element;
        return copy;
    }

    /** The index of the first element equal to {@code element}, or -1. */
    static int indexOf(Object[] array, Object element) {
        for (int i = 0; i < array.length; i++) {
            if (array[i].equals(element)) {
                return i;
            }
        }
        return -1;
    }

    /** A copy of {@code array} without its element equal to {@code element}, which must be there. */
    static Object[] without(Object[] array, Object element) {
        int index = indexOf(array, element);
        if (index < 0) {
            throw new IllegalStateException("router lost the destination " + element);
        }
        return array.length == 1 ? NO_DESTINATIONS : removedAt(array, index);
    }
}
