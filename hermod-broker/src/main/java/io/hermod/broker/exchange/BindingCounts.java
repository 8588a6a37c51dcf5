package io.hermod.broker.exchange;

import java.util.HashMap;
import java.util.Map;

/**
 * How many bindings lead to each entry of a router's matching structure. A router that stores a destination once per
 * key (or once in all) still has to keep it while any binding leads there: bindings that differ only in arguments, or
 * in a key the exchange type ignores, are separate bindings, and removing one must not remove the others' routes.
 *
 * <p>Not thread-safe: it belongs to the router's single writer; readers never see it.
 */
final class BindingCounts<K> {

    private final Map<K, Integer> counts = new HashMap<>();

    /** Counts one more binding leading to {@code entry}; true if it is the first. */
    boolean increment(K entry) {
        return counts.merge(entry, 1, Integer::sum) == 1;
    }

    /** Counts one binding fewer leading to {@code entry}; true if that was the last. */
    boolean decrement(K entry) {
        Integer count = counts.get(entry);
        if (count == null) {
            throw new IllegalStateException("no binding was counted for " + entry);
        }
        if (count == 1) {
            counts.remove(entry);
            return true;
        }
        counts.put(entry, count - 1);
        return false;
    }
}
