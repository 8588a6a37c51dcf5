package io.hermod.broker.exchange;

/**
 * An immutable open-addressing map from a word to a value, looked up by a range of a larger string so that routing
 * never cuts a routing key into substrings. Hashes are {@link String#hashCode()}'s, so a caller can compute a word's
 * hash while it scans the key.
 *
 * <p>Changes return a new table ({@link #with}, {@link #without}); a table is safe to read from any thread once it has
 * been published (through a volatile field, in {@link TopicTrie}). Copying costs O(size) per change, paid by the single
 * writer only when a node gains or loses a literal child.
 */
final class WordTable<V> {

    private final String[] words;
    private final int[] hashes;
    private final Object[] values;
    private final int size;

    private WordTable(int size) {
        int capacity = 2;
        while (capacity < size * 2) {
            capacity <<= 1;
        }
        this.words = new String[capacity];
        this.hashes = new int[capacity];
        this.values = new Object[capacity];
        this.size = size;
    }

    static <V> WordTable<V> of(String word, V value) {
        WordTable<V> table = new WordTable<>(1);
        table.put(word, value);
        return table;
    }

    int size() {
        return size;
    }

    V get(String word) {
        return get(word, 0, word.length(), word.hashCode());
    }

    /** The value of the word {@code source[start, end)}, whose {@link String#hashCode()} is {@code hash}. */
    @SuppressWarnings("unchecked")
    V get(String source, int start, int end, int hash) {
        int mask = words.length - 1;
        int length = end - start;
        for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
            String word = words[i];
            if (word == null) {
                return null;
            }
            if (hashes[i] == hash && word.length() == length && source.regionMatches(start, word, 0, length)) {
                return (V) values[i];
            }
        }
    }

    /** A table with {@code word} mapped to {@code value}, replacing any earlier value. */
    WordTable<V> with(String word, V value) {
        boolean present = get(word) != null;
        WordTable<V> table = new WordTable<>(present ? size : size + 1);
        for (int i = 0; i < words.length; i++) {
            if (words[i] != null && !words[i].equals(word)) {
                table.put(words[i], values[i]);
            }
        }
        table.put(word, value);
        return table;
    }

    /** A table without {@code word}, or null when that leaves it empty. */
    WordTable<V> without(String word) {
        if (get(word) == null) {
            return this;
        }
        if (size == 1) {
            return null;
        }
        WordTable<V> table = new WordTable<>(size - 1);
        for (int i = 0; i < words.length; i++) {
            if (words[i] != null && !words[i].equals(word)) {
                table.put(words[i], values[i]);
            }
        }
        return table;
    }

    // only while building a new table, before it is published
    private void put(String word, Object value) {
        int hash = word.hashCode();
        int mask = words.length - 1;
        int i = spread(hash) & mask;
        while (words[i] != null) {
            i = (i + 1) & mask;
        }
        words[i] = word;
        hashes[i] = hash;
        values[i] = value;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
