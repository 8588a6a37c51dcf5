package io.hermod.broker.queue;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * How often each message of a queue came back after a delivery (rejected or nacked with requeue, returned by a closed
 * channel or a consumer timeout), and until when it waits before it is ready (retry back-off, or the {@code
 * x-not-before} header it was published with): what {@code x-delivery-limit}, the {@code x-delivery-count} header,
 * {@link RetryBackoff} and {@code x-not-before} need. Only messages that came back or wait have an entry, so a queue
 * whose consumers acknowledge costs nothing here.
 *
 * <p>The cursor log persists the entries (see {@link CursorLog}): those changed since the last flush in a delta, all of
 * them in a snapshot, so counts and due times survive a restart (also a {@code kill -9}: the cursor log is written
 * without fsync, but the page cache survives a killed process).
 *
 * <p>Not thread-safe: owned by the queue's executor.
 */
final class Returns {

    /** One message's returns and the time before which it is not ready again (0: none). */
    record Entry(int count, long notBefore) {}

    private final Map<Long, Entry> entries = new HashMap<>();
    private final Map<Long, Entry> changed = new HashMap<>();
    private int pruneAbove = 1024;

    /** How often the message at {@code offset} came back; 0 when never. */
    int count(long offset) {
        Entry e = entries.isEmpty() ? null : entries.get(offset);
        return e == null ? 0 : e.count();
    }

    /** The message at {@code offset} came back again; it is not ready before {@code notBefore} (0: at once). */
    Entry returned(long offset, long notBefore) {
        Entry e = new Entry(count(offset) + 1, notBefore);
        entries.put(offset, e);
        changed.put(offset, e);
        return e;
    }

    /** The message at {@code offset}, just appended, is not ready before {@code notBefore} ({@code x-not-before}). */
    void waitUntil(long offset, long notBefore) {
        Entry e = new Entry(count(offset), notBefore);
        entries.put(offset, e);
        changed.put(offset, e);
    }

    /** An entry recovered from the cursor log. */
    void recovered(long offset, Entry e) {
        entries.put(offset, e);
    }

    Map<Long, Entry> all() {
        return entries;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Takes the entries changed since the last call (for a cursor log delta). */
    Map<Long, Entry> drainChanged() {
        if (changed.isEmpty()) {
            return Map.of();
        }
        Map<Long, Entry> out = Map.copyOf(changed);
        changed.clear();
        return out;
    }

    /** Forgets the entries of settled messages once they pile up (settling does not look here, to stay cheap). */
    void prune(LongPredicate settled) {
        if (entries.size() <= pruneAbove) {
            return;
        }
        entries.keySet().removeIf(settled::test);
        changed.keySet().removeIf(settled::test);
        pruneAbove = Math.max(1024, 2 * entries.size());
    }
}
