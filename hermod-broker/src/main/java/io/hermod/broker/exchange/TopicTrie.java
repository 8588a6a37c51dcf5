package io.hermod.broker.exchange;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The bindings of one topic exchange, matched by a trie of binding-key words rather than by a pattern per binding: a
 * route costs about (words in the routing key) x (trie nodes matching a prefix of it), whatever the number of
 * bindings.
 *
 * <p>Semantics are RabbitMQ's topic exchange ({@code rabbit_db_topic_exchange.erl}): keys are words separated by '.';
 * in a binding key the word {@code *} matches exactly one word and {@code #} zero or more; any other word, and every
 * word of a routing key, is literal (a routing key word {@code *} matches only a binding word {@code *}, {@code #}, or
 * a literal {@code *}). Empty words are words ({@code "a..b"} has three, {@code "a."} two), but the empty key has none,
 * so the routing key {@code ""} matches the binding keys {@code ""}, {@code "#"} and {@code "#.#"}, not {@code "*"}.
 * Other words containing {@code *} or {@code #} ({@code "a*"}) are literal. A binding is the pair (binding key,
 * destination): binding arguments are the caller's business (use a destination type that includes them to keep
 * RabbitMQ's aliasing of equal keys with different arguments). A route delivers each matching destination once, by
 * {@code equals}, however many of its bindings match.
 *
 * <p>Matching walks the trie one routing-key word at a time (a breadth-first NFA simulation): a {@code #} node that
 * matched some prefix stays matched for every longer one, and is activated at most once per route, so patterns like
 * {@code "#.#.#.#.a"} cost polynomial, not exponential, time in the key length.
 *
 * <p>Threading: <b>one writer, many readers.</b> {@link #bind} and {@link #unbind} are not thread-safe; the owning
 * exchange calls them from one thread at a time (the thread applying binding changes). {@link #route} may be called
 * from any number of threads at once, concurrently with a writer, without locks: every node's destinations and literal
 * children are immutable arrays replaced copy-on-write through volatile fields. A route concurrent with one change sees
 * that binding wholly present or wholly absent; concurrent with several, any subset of them (as RabbitMQ's routing,
 * which reads its trie edge by edge). Each routing thread keeps a {@link RouteScratch}, so after warm-up a route
 * allocates nothing but what the caller's consumer does.
 *
 * <p>Public only so that benchmarks outside the package can drive it; the broker's own API is the exchange.
 */
public final class TopicTrie<D> {

    private static final Object[] NO_DESTINATIONS = {};

    private final Node root = new Node(null, "");

    // writer-only: the exact bindings, for O(1) duplicate checks and the count
    private final Set<Binding> bindings = new HashSet<>();
    private int nodeCount = 1;

    /** Adds a binding; false if exactly this binding (key and destination) already exists. */
    public boolean bind(String bindingKey, D destination) {
        Objects.requireNonNull(bindingKey, "bindingKey");
        Objects.requireNonNull(destination, "destination");
        if (!bindings.add(new Binding(bindingKey, destination))) {
            return false;
        }
        Node node = root;
        for (String word : words(bindingKey)) {
            Node child = node.child(word);
            if (child == null) {
                child = new Node(node, word);
                node.attach(child);
                nodeCount++;
            }
            node = child;
        }
        Object[] old = node.destinations;
        Object[] grown = new Object[old.length + 1];
        System.arraycopy(old, 0, grown, 0, old.length);
        grown[old.length] = destination;
        node.destinations = grown;
        return true;
    }

    /** Removes a binding, and the trie nodes nothing uses any more; false if there was no such binding. */
    public boolean unbind(String bindingKey, D destination) {
        Objects.requireNonNull(bindingKey, "bindingKey");
        Objects.requireNonNull(destination, "destination");
        if (!bindings.remove(new Binding(bindingKey, destination))) {
            return false;
        }
        Node node = root;
        for (String word : words(bindingKey)) {
            node = node.child(word);
            if (node == null) {
                throw new IllegalStateException("topic trie lost the path of binding key '" + bindingKey + "'");
            }
        }
        node.destinations = without(node.destinations, destination);
        while (node.parent != null && node.isUnused()) {
            node.parent.detach(node);
            nodeCount--;
            node = node.parent;
        }
        return true;
    }

    /** The number of bindings. */
    public int bindingCount() {
        return bindings.size();
    }

    /** The number of trie nodes, the root included: 1 when there are no bindings. */
    int nodeCount() {
        return nodeCount;
    }

    /** The destinations of the bindings matching {@code routingKey}, each once. */
    public Set<D> route(String routingKey) {
        Set<D> destinations = new HashSet<>();
        route(routingKey, destinations::add);
        return destinations;
    }

    /**
     * Hands {@code sink} each destination whose binding key matches {@code routingKey}, once, on the calling thread, in
     * no particular order. The sink must not bind or unbind on this trie.
     */
    @SuppressWarnings("unchecked")
    public void route(String routingKey, Consumer<? super D> sink) {
        Objects.requireNonNull(routingKey, "routingKey");
        RouteScratch scratch = RouteScratch.acquire();
        try {
            match(routingKey, scratch);
            if (scratch.matchedCount == 1) {
                // one node's destinations are distinct already
                for (Object destination : scratch.matched[0]) {
                    sink.accept((D) destination);
                }
                return;
            }
            for (int m = 0; m < scratch.matchedCount; m++) {
                for (Object destination : scratch.matched[m]) {
                    if (scratch.delivered.add(destination)) {
                        sink.accept((D) destination);
                    }
                }
            }
        } finally {
            scratch.release();
        }
    }

    /** Leaves in {@code scratch.matched} the destination arrays of every node whose binding key matches. */
    private void match(String key, RouteScratch s) {
        s.split(key);
        s.addCurrent(root);
        activateHashes(root, s);
        for (int i = 0; i < s.wordCount; i++) {
            int start = s.wordStart[i];
            int end = s.wordEnd[i];
            int hash = s.wordHash[i];
            for (int k = 0; k < s.currentSize; k++) {
                step(s.current[k], key, start, end, hash, s);
            }
            // '#' nodes activated by this word's closure below step from the next word on
            int active = s.hashCount;
            for (int k = 0; k < active; k++) {
                step(s.hashes[k], key, start, end, hash, s);
            }
            s.advance();
            for (int k = 0; k < s.currentSize; k++) {
                activateHashes(s.current[k], s);
            }
            if (s.currentSize == 0 && s.hashCount == 0) {
                return;
            }
        }
        for (int k = 0; k < s.currentSize; k++) {
            collect(s.current[k], s);
        }
        for (int k = 0; k < s.hashCount; k++) {
            collect(s.hashes[k], s);
        }
    }

    /** Adds the children of {@code node} that match the word {@code key[start, end)}: the literal one and '*'. */
    private static void step(Node node, String key, int start, int end, int hash, RouteScratch s) {
        WordTable<Node> literals = node.literals;
        if (literals != null) {
            Node child = literals.get(key, start, end, hash);
            if (child != null) {
                s.addNext(child);
            }
        }
        Node star = node.star;
        if (star != null) {
            s.addNext(star);
        }
    }

    /** A node matching a prefix makes its '#' child match it too ('#' matching zero words), and that one's, and so on. */
    private static void activateHashes(Node node, RouteScratch s) {
        Node hash = node.hash;
        while (hash != null && s.activateHash(hash)) {
            hash = hash.hash;
        }
    }

    private static void collect(Node node, RouteScratch s) {
        Object[] destinations = node.destinations;
        if (destinations.length > 0) {
            s.addMatched(destinations);
        }
    }

    /** The words of a key: the empty key has none, otherwise '.' separates words, empty ones included. */
    static List<String> words(String key) {
        List<String> words = new ArrayList<>();
        if (key.isEmpty()) {
            return words;
        }
        int start = 0;
        int dot;
        while ((dot = key.indexOf('.', start)) >= 0) {
            words.add(key.substring(start, dot));
            start = dot + 1;
        }
        words.add(key.substring(start));
        return words;
    }

    private static Object[] without(Object[] destinations, Object destination) {
        for (int i = 0; i < destinations.length; i++) {
            if (destinations[i].equals(destination)) {
                if (destinations.length == 1) {
                    return NO_DESTINATIONS;
                }
                Object[] shrunk = new Object[destinations.length - 1];
                System.arraycopy(destinations, 0, shrunk, 0, i);
                System.arraycopy(destinations, i + 1, shrunk, i, shrunk.length - i);
                return shrunk;
            }
        }
        throw new IllegalStateException("topic trie lost a destination of a binding");
    }

    private record Binding(String key, Object destination) {}

    /**
     * A trie node: the binding-key prefix spelled by the path from the root. Written only by the trie's writer;
     * volatile fields publish each change to readers, which never see a half-built node because a node is complete
     * before it is attached.
     */
    static final class Node {
        final Node parent;
        final String word;
        volatile WordTable<Node> literals;
        volatile Node star;
        volatile Node hash;
        volatile Object[] destinations = NO_DESTINATIONS;

        Node(Node parent, String word) {
            this.parent = parent;
            this.word = word;
        }

        Node child(String word) {
            return switch (word) {
                case "*" -> star;
                case "#" -> hash;
                default -> {
                    WordTable<Node> table = literals;
                    yield table == null ? null : table.get(word);
                }
            };
        }

        void attach(Node child) {
            switch (child.word) {
                case "*" -> star = child;
                case "#" -> hash = child;
                default -> {
                    WordTable<Node> table = literals;
                    literals = table == null ? WordTable.of(child.word, child) : table.with(child.word, child);
                }
            }
        }

        void detach(Node child) {
            switch (child.word) {
                case "*" -> star = null;
                case "#" -> hash = null;
                default -> literals = literals.without(child.word);
            }
        }

        boolean isUnused() {
            return destinations.length == 0 && literals == null && star == null && hash == null;
        }
    }
}
