package io.hermod.broker.exchange;

import io.hermod.broker.exchange.TopicTrie.Node;
import java.util.Arrays;

/**
 * The working memory of one {@link TopicTrie} route: where the routing key's words are, the trie nodes matching the
 * words read so far, the {@code #} nodes already active, and the matched destination arrays. Kept per thread and reused,
 * so that a route allocates nothing once the arrays have grown to fit the largest route that thread has seen.
 *
 * <p>Not thread-safe: one thread, one route at a time. {@link #acquire} hands out the calling thread's instance, or a
 * fresh one if that is already in use (a delivery callback that routes again, as an exchange-to-exchange binding will).
 */
final class RouteScratch {

    private static final ThreadLocal<RouteScratch> PER_THREAD = ThreadLocal.withInitial(RouteScratch::new);

    // the routing key's words: [wordStart[i], wordEnd[i]) with String.hashCode() wordHash[i]
    int wordCount;
    int[] wordStart = new int[8];
    int[] wordEnd = new int[8];
    int[] wordHash = new int[8];

    // non-'#' nodes matching the words read so far, and those matching one more word
    Node[] current = new Node[8];
    int currentSize;
    Node[] next = new Node[8];
    int nextSize;

    // '#' nodes that matched some prefix: they stay matched for every longer prefix ('#' absorbs any further word)
    Node[] hashes = new Node[8];
    int hashCount;
    final ScratchSet activeHashes = new ScratchSet();

    Object[][] matched = new Object[8][];
    int matchedCount;
    final ScratchSet delivered = new ScratchSet();

    private boolean inUse;

    static RouteScratch acquire() {
        RouteScratch scratch = PER_THREAD.get();
        if (scratch.inUse) {
            scratch = new RouteScratch();
        }
        scratch.inUse = true;
        return scratch;
    }

    /** Forgets this route, dropping every reference it held, and makes the instance available again. */
    void release() {
        Arrays.fill(current, 0, currentSize, null);
        Arrays.fill(next, 0, nextSize, null);
        Arrays.fill(hashes, 0, hashCount, null);
        Arrays.fill(matched, 0, matchedCount, null);
        currentSize = 0;
        nextSize = 0;
        hashCount = 0;
        matchedCount = 0;
        activeHashes.clear();
        delivered.clear();
        inUse = false;
    }

    /**
     * Finds the words of {@code key}: separated by '.', empty words included ("a..b" has three), but the empty key has
     * none (RabbitMQ's {@code rabbit_db_topic_exchange:split_topic_key_binary/1}). Splitting on the char '.' equals
     * splitting the UTF-8 bytes on 0x2E, which never occurs inside a multi-byte sequence.
     */
    void split(String key) {
        wordCount = 0;
        int length = key.length();
        if (length == 0) {
            return;
        }
        int start = 0;
        int hash = 0;
        for (int i = 0; i < length; i++) {
            char c = key.charAt(i);
            if (c == '.') {
                addWord(start, i, hash);
                start = i + 1;
                hash = 0;
            } else {
                hash = 31 * hash + c;
            }
        }
        addWord(start, length, hash);
    }

    private void addWord(int start, int end, int hash) {
        if (wordCount == wordStart.length) {
            int capacity = wordCount * 2;
            wordStart = Arrays.copyOf(wordStart, capacity);
            wordEnd = Arrays.copyOf(wordEnd, capacity);
            wordHash = Arrays.copyOf(wordHash, capacity);
        }
        wordStart[wordCount] = start;
        wordEnd[wordCount] = end;
        wordHash[wordCount] = hash;
        wordCount++;
    }

    void addCurrent(Node node) {
        if (currentSize == current.length) {
            current = Arrays.copyOf(current, currentSize * 2);
        }
        current[currentSize++] = node;
    }

    void addNext(Node node) {
        if (nextSize == next.length) {
            next = Arrays.copyOf(next, nextSize * 2);
        }
        next[nextSize++] = node;
    }

    /** Makes the nodes matching one more word the current ones. */
    void advance() {
        Node[] previous = current;
        int previousSize = currentSize;
        current = next;
        currentSize = nextSize;
        next = previous;
        Arrays.fill(next, 0, previousSize, null);
        nextSize = 0;
    }

    /** Activates a '#' node; false if it already was. */
    boolean activateHash(Node node) {
        if (!activeHashes.add(node)) {
            return false;
        }
        if (hashCount == hashes.length) {
            hashes = Arrays.copyOf(hashes, hashCount * 2);
        }
        hashes[hashCount++] = node;
        return true;
    }

    void addMatched(Object[] destinations) {
        if (matchedCount == matched.length) {
            matched = Arrays.copyOf(matched, matchedCount * 2);
        }
        matched[matchedCount++] = destinations;
    }
}
