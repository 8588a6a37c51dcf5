package io.hermod.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A sparse, append-only index of a segment: strictly increasing keys mapped to strictly increasing values, kept in
 * memory and appended to its file lazily (at roll, close and checkpoint). Two layouts use it:
 *
 * <pre>
 *  offset index (.index):     | relativeOffset int32 | position int32 |        8 bytes per entry
 *  time index (.timeindex):   | maxTimestamp int64   | relativeOffset int32 | 12 bytes per entry
 * </pre>
 *
 * An index is a hint, never the truth: recovery rebuilds it from the segment whenever its file is missing or does not
 * agree with the data, and nothing is lost by deleting one. Entries are relative to the segment's base offset so that
 * both fit in 32 bits.
 *
 * <p>Not thread-safe: its segment's owner (the log's append lock) writes; readers see a consistent prefix because
 * {@code count} is volatile and published after the arrays are filled.
 */
final class SparseIndex {

    enum Layout {
        OFFSET(4),
        TIME(8);

        private final int keyBytes;

        Layout(int keyBytes) {
            this.keyBytes = keyBytes;
        }

        int entrySize() {
            return keyBytes + 4;
        }
    }

    private final Path path;
    private final Layout layout;
    // volatile so that a reader that sees a grown array also sees its contents
    private volatile long[] keys = new long[16];
    private volatile int[] values = new int[16];
    private volatile int count;
    private int persisted;

    SparseIndex(Path path, Layout layout) {
        this.path = path;
        this.layout = layout;
    }

    int count() {
        return count;
    }

    long key(int i) {
        return keys[i];
    }

    int value(int i) {
        return values[i];
    }

    long lastKey() {
        int n = count;
        return n == 0 ? Long.MIN_VALUE : keys[n - 1];
    }

    int lastValue() {
        int n = count;
        return n == 0 ? -1 : values[n - 1];
    }

    /** Appends an entry; keys and values must be strictly larger than the last ones (else it is ignored). */
    void append(long key, int value) {
        int n = count;
        if (n > 0 && (key <= keys[n - 1] || value <= values[n - 1])) {
            return;
        }
        if (n == keys.length) {
            long[] grownKeys = Arrays.copyOf(keys, n * 2);
            int[] grownValues = Arrays.copyOf(values, n * 2);
            grownKeys[n] = key;
            grownValues[n] = value;
            keys = grownKeys;
            values = grownValues;
        } else {
            keys[n] = key;
            values[n] = value;
        }
        count = n + 1;
    }

    /** Index of the last entry whose key is at most {@code key}, or -1. */
    int floor(long key) {
        return search(key, true);
    }

    /** Index of the last entry whose value is at most {@code value}, or -1. */
    int floorByValue(long value) {
        return search(value, false);
    }

    private int search(long target, boolean byKey) {
        int lo = 0;
        int hi = count - 1;
        long[] k = keys;
        int[] v = values;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long probe = byKey ? k[mid] : v[mid];
            if (probe <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Drops every entry from index {@code from} on, in memory and in the file. */
    void truncateTo(int from) throws IOException {
        if (from >= count) {
            return;
        }
        count = Math.max(from, 0);
        if (persisted > count) {
            persisted = count;
            if (Files.exists(path)) {
                try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    ch.truncate((long) persisted * layout.entrySize());
                }
            }
        }
    }

    void clear() throws IOException {
        truncateTo(0);
        persisted = 0;
        Files.deleteIfExists(path);
    }

    /** Appends the entries not yet in the file (not synced: an index is rebuilt from its segment when damaged). */
    void persist() throws IOException {
        int n = count;
        if (n == persisted) {
            return;
        }
        try (FileChannel ch =
                FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            int entrySize = layout.entrySize();
            if (ch.size() != (long) persisted * entrySize) {
                ch.truncate((long) persisted * entrySize);
            }
            ByteBuffer buf = ByteBuffer.allocate((n - persisted) * entrySize);
            for (int i = persisted; i < n; i++) {
                if (layout == Layout.OFFSET) {
                    buf.putInt((int) keys[i]);
                } else {
                    buf.putLong(keys[i]);
                }
                buf.putInt(values[i]);
            }
            buf.flip();
            long position = (long) persisted * entrySize;
            while (buf.hasRemaining()) {
                position += ch.write(buf, position);
            }
            persisted = n;
        }
    }

    /**
     * Loads the file, replacing what is in memory. Returns false, leaving the index empty, when the file is missing or
     * not a well-formed index (wrong size, keys or values not strictly increasing, negative values); the caller then
     * rebuilds it from the segment.
     */
    boolean load() throws IOException {
        count = 0;
        persisted = 0;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return false;
        }
        int entrySize = layout.entrySize();
        if (bytes.length % entrySize != 0) {
            return false;
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int n = bytes.length / entrySize;
        long[] k = new long[Math.max(16, n)];
        int[] v = new int[Math.max(16, n)];
        for (int i = 0; i < n; i++) {
            long key = layout == Layout.OFFSET ? buf.getInt() : buf.getLong();
            int value = buf.getInt();
            if (value < 0 || (layout == Layout.OFFSET && key < 0)) {
                return false;
            }
            if (i > 0 && (key <= k[i - 1] || value <= v[i - 1])) {
                return false;
            }
            k[i] = key;
            v[i] = value;
        }
        keys = k;
        values = v;
        count = n;
        persisted = n;
        return true;
    }

    void delete() throws IOException {
        Files.deleteIfExists(path);
    }
}
