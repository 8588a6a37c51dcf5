package io.hermod.broker.exchange;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A router's own record of its bindings: which bindings exist ({@link BindingIdentity}: key, arguments, destination)
 * and how many of them lead to each entry of the router's matching structure. A router that stores a destination once
 * per key (or once in all) must keep it while any binding leads there: bindings that differ only in arguments, or in a
 * key the exchange type ignores, are separate bindings, and removing one must not remove the others' routes.
 *
 * <p>Threading: {@link #add} and {@link #remove} belong to the router's single writer; {@link #size} may be read by
 * anyone.
 *
 * @param <E> the entry type of the router's matching structure
 */
final class BindingBook<E> {

    /** What a change did. */
    enum Change {
        /** Nothing: the binding was already there (add) or was not there (remove). */
        NONE,
        /** The binding was added or removed; its entry still has other bindings (or already had some). */
        BINDING,
        /** The binding was its entry's first (add) or last (remove): the matching structure must change. */
        ENTRY
    }

    private final Set<BindingIdentity> bindings = new HashSet<>();
    private final Map<E, Integer> perEntry = new HashMap<>();
    private volatile int size;

    /** Records {@code binding}, which leads to {@code entry}. */
    Change add(BindingIdentity binding, E entry) {
        if (!bindings.add(binding)) {
            return Change.NONE;
        }
        size = bindings.size();
        return perEntry.merge(entry, 1, Integer::sum) == 1 ? Change.ENTRY : Change.BINDING;
    }

    /** Forgets {@code binding}, which leads to {@code entry}. */
    Change remove(BindingIdentity binding, E entry) {
        if (!bindings.remove(binding)) {
            return Change.NONE;
        }
        size = bindings.size();
        Integer count = perEntry.get(entry);
        if (count == null) {
            throw new IllegalStateException("no binding was counted for " + entry);
        }
        if (count == 1) {
            perEntry.remove(entry);
            return Change.ENTRY;
        }
        perEntry.put(entry, count - 1);
        return Change.BINDING;
    }

    /** The number of bindings. */
    int size() {
        return size;
    }
}
