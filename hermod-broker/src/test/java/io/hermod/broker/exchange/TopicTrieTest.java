package io.hermod.broker.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TopicTrieTest {

    // ---------------------------------------------------------------------------------------------------------------
    // RabbitMQ's own topic-matching case (rabbitmq-server deps/rabbit/test/routing_SUITE.erl, topic1/1; earlier in
    // unit_inbroker_SUITE.erl): the same bindings and expectations, written out here as a table.
    // ---------------------------------------------------------------------------------------------------------------

    private static final List<String[]> RABBIT_BINDINGS = List.of(
            b("a.b.c", "t1"),
            b("a.*.c", "t2"),
            b("a.#.b", "t3"),
            b("a.b.b.c", "t4"),
            b("#", "t5"),
            b("#.#", "t6"),
            b("#.b", "t7"),
            b("*.*", "t8"),
            b("a.*", "t9"),
            b("*.b.c", "t10"),
            b("a.#", "t11"),
            b("a.#.#", "t12"),
            b("b.b.c", "t13"),
            b("a.b.b", "t14"),
            b("a.b", "t15"),
            b("b.c", "t16"),
            b("", "t17"),
            b("*.*.*", "t18"),
            b("vodka.martini", "t19"),
            b("a.b.c", "t20"),
            b("*.#", "t21"),
            b("#.*.#", "t22"),
            b("*.#.#", "t23"),
            b("#.#.#", "t24"),
            b("*", "t25"),
            b("#.b.#", "t26"),
            // RabbitMQ binds args-test -> t27 twice with different arguments (aliasing); here a binding is only
            // (key, destination), so once.
            b("args-test", "t27"));

    private static String[] b(String key, String destination) {
        return new String[] {key, destination};
    }

    static Stream<Arguments> rabbitMatchesWithAllBindings() {
        return Stream.of(
                Arguments.of("a.b.c", "t1 t2 t5 t6 t10 t11 t12 t18 t20 t21 t22 t23 t24 t26"),
                Arguments.of("a.b", "t3 t5 t6 t7 t8 t9 t11 t12 t15 t21 t22 t23 t24 t26"),
                Arguments.of("a.b.b", "t3 t5 t6 t7 t11 t12 t14 t18 t21 t22 t23 t24 t26"),
                Arguments.of("", "t5 t6 t17 t24"),
                Arguments.of("b.c.c", "t5 t6 t18 t21 t22 t23 t24 t26"),
                Arguments.of("a.a.a.a.a", "t5 t6 t11 t12 t21 t22 t23 t24"),
                Arguments.of("vodka.gin", "t5 t6 t8 t21 t22 t23 t24"),
                Arguments.of("vodka.martini", "t5 t6 t8 t19 t21 t22 t23 t24"),
                Arguments.of("b.b.c", "t5 t6 t10 t13 t18 t21 t22 t23 t24 t26"),
                Arguments.of("nothing.here.at.all", "t5 t6 t21 t22 t23 t24"),
                Arguments.of("oneword", "t5 t6 t21 t22 t23 t24 t25"),
                Arguments.of("args-test", "t5 t6 t21 t22 t23 t24 t25 t27"));
    }

    static Stream<Arguments> rabbitMatchesAfterRemovals() {
        return Stream.of(
                Arguments.of("a.b.c", "t2 t6 t10 t12 t18 t20 t22 t23 t24 t26"),
                Arguments.of("a.b", "t3 t6 t7 t8 t9 t12 t15 t22 t23 t24 t26"),
                Arguments.of("a.b.b", "t3 t6 t7 t12 t14 t18 t22 t23 t24 t26"),
                Arguments.of("", "t6 t17 t24"),
                Arguments.of("b.c.c", "t6 t18 t22 t23 t24 t26"),
                Arguments.of("a.a.a.a.a", "t6 t12 t22 t23 t24"),
                Arguments.of("vodka.gin", "t6 t8 t22 t23 t24"),
                Arguments.of("vodka.martini", "t6 t8 t22 t23 t24"),
                Arguments.of("b.b.c", "t6 t10 t13 t18 t22 t23 t24 t26"),
                Arguments.of("nothing.here.at.all", "t6 t22 t23 t24"),
                Arguments.of("oneword", "t6 t22 t23 t24 t25"),
                Arguments.of("args-test", "t6 t22 t23 t24 t25 t27"));
    }

    private static TopicTrie<String> rabbitTrie() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (String[] binding : RABBIT_BINDINGS) {
            assertThat(trie.bind(binding[0], binding[1])).isTrue();
        }
        return trie;
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @MethodSource("rabbitMatchesWithAllBindings")
    void routesRabbitMqTopicSuiteKeysToTheSameQueues(String routingKey, String expected) {
        TopicTrie<String> trie = rabbitTrie();

        assertThat(trie.route(routingKey)).as("routing key '%s'", routingKey).isEqualTo(set(expected));
    }

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @MethodSource("rabbitMatchesAfterRemovals")
    void routesRabbitMqTopicSuiteKeysAfterRemovingSomeBindings(String routingKey, String expected) {
        TopicTrie<String> trie = rabbitTrie();
        for (int index : new int[] {1, 5, 11, 19, 21}) {
            String[] binding = RABBIT_BINDINGS.get(index - 1);
            assertThat(trie.unbind(binding[0], binding[1])).isTrue();
        }

        assertThat(trie.route(routingKey)).as("routing key '%s'", routingKey).isEqualTo(set(expected));
    }

    @Test
    void removingEveryRabbitMqBindingLeavesNothingToMatchAndOnlyTheRoot() {
        TopicTrie<String> trie = rabbitTrie();
        for (String[] binding : RABBIT_BINDINGS) {
            assertThat(trie.unbind(binding[0], binding[1])).isTrue();
        }

        assertThat(trie.bindingCount()).isZero();
        assertThat(trie.nodeCount()).isEqualTo(1);
        for (String key : List.of("a.b.c", "b.b.c", "")) {
            assertThat(trie.route(key)).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Edge cases of the semantics
    // ---------------------------------------------------------------------------------------------------------------

    static Stream<Arguments> edgeCases() {
        return Stream.of(
                // binding key, routing key, matches?
                // empty key: no words at all
                Arguments.of("", "", true),
                Arguments.of("#", "", true),
                Arguments.of("#.#", "", true),
                Arguments.of("*", "", false),
                Arguments.of("", "a", false),
                Arguments.of(".", "", false),
                // empty words are words
                Arguments.of("a..b", "a..b", true),
                Arguments.of("a.*.b", "a..b", true),
                Arguments.of("a.b", "a..b", false),
                Arguments.of("a.#.b", "a..b", true),
                Arguments.of("*", ".", false),
                Arguments.of("*.*", ".", true),
                Arguments.of(".", ".", true),
                Arguments.of("#", ".", true),
                Arguments.of("a.*", "a.", true),
                Arguments.of("a", "a.", false),
                Arguments.of("a.#", "a.", true),
                Arguments.of("*.a", ".a", true),
                Arguments.of("#.", "a.b.", true),
                Arguments.of("#.", "a.b", false),
                // '#' at the start, middle and end, matching zero or more words
                Arguments.of("#.a", "a", true),
                Arguments.of("#.a", "x.y.a", true),
                Arguments.of("#.a", "a.x", false),
                Arguments.of("a.#.b", "a.b", true),
                Arguments.of("a.#.b", "a.x.y.z.b", true),
                Arguments.of("a.#.b", "a.x.y.z", false),
                Arguments.of("a.#", "a", true),
                Arguments.of("a.#", "a.b.c", true),
                Arguments.of("a.#", "b.a", false),
                Arguments.of("#.#", "a.b.c", true),
                Arguments.of("#.#.#.#.a", "a", true),
                Arguments.of("#.*.#", "", false),
                Arguments.of("#.*.#", "x", true),
                Arguments.of("*.#.*", "x", false),
                Arguments.of("*.#.*", "x.y", true),
                // '*' is exactly one word
                Arguments.of("a.*", "a", false),
                Arguments.of("a.*", "a.b.c", false),
                Arguments.of("*.*.*", "a.b.c", true),
                // wildcards only as whole words; routing-key words are literal
                Arguments.of("a*", "ab", false),
                Arguments.of("a*", "a*", true),
                Arguments.of("a.b", "a.*", false),
                Arguments.of("a.*", "a.*", true),
                Arguments.of("a.#", "a.#", true),
                Arguments.of("a.b", "a.#", false),
                Arguments.of("#", "#", true),
                // not prefixes, not case-insensitive, any characters
                Arguments.of("a.b", "a.bc", false),
                Arguments.of("a.b", "A.b", false),
                Arguments.of("\u00e9t\u00e9.*", "\u00e9t\u00e9.\u65e5\u672c", true));
    }

    @ParameterizedTest(name = "binding \"{0}\" vs routing key \"{1}\": {2}")
    @MethodSource("edgeCases")
    void matchesLikeRabbitMq(String bindingKey, String routingKey, boolean matches) {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.bind(bindingKey, "q");

        assertThat(trie.route(routingKey)).isEqualTo(matches ? Set.of("q") : Set.of());
        assertThat(Oracle.matches(bindingKey, routingKey)).as("oracle").isEqualTo(matches);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bindings
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void aDestinationMatchedByManyBindingsIsDeliveredOnce() {
        TopicTrie<String> trie = new TopicTrie<>();
        for (String key : List.of("#", "#.#", "a.#", "a.b.c", "*.b.*", "a.*.c", "#.c", "a.#.c")) {
            trie.bind(key, "q");
        }
        trie.bind("a.b.c", "other");

        List<String> delivered = new ArrayList<>();
        trie.route("a.b.c", delivered::add);

        assertThat(delivered).containsExactlyInAnyOrder("q", "other");
        assertThat(trie.bindingCount()).isEqualTo(9);
    }

    @Test
    void destinationsAreDistinctByEqualsNotIdentity() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.bind("a.*", new String("q"));
        trie.bind("#", new String("q"));

        List<String> delivered = new ArrayList<>();
        trie.route("a.b", delivered::add);

        assertThat(delivered).containsExactly("q");
    }

    @Test
    void bindingTheSameKeyAndDestinationTwiceIsRefused() {
        TopicTrie<String> trie = new TopicTrie<>();

        assertThat(trie.bind("a.#", "q")).isTrue();
        assertThat(trie.bind("a.#", "q")).isFalse();
        assertThat(trie.bind("a.#", "r")).isTrue();
        assertThat(trie.bind("a.#.#", "q")).isTrue();

        assertThat(trie.bindingCount()).isEqualTo(3);
        assertThat(trie.route("a.b")).containsExactlyInAnyOrder("q", "r");
    }

    @Test
    void unbindingWhatIsNotBoundChangesNothing() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.bind("a.b", "q");

        assertThat(trie.unbind("a.b", "r")).isFalse();
        assertThat(trie.unbind("a.*", "q")).isFalse();
        assertThat(trie.unbind("a", "q")).isFalse();

        assertThat(trie.bindingCount()).isEqualTo(1);
        assertThat(trie.route("a.b")).containsExactly("q");
    }

    @Test
    void unbindingPrunesNodesNoOtherBindingUses() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.bind("a.b.c.d", "q");
        trie.bind("a.b", "q");
        trie.bind("a.*.#", "q");
        assertThat(trie.nodeCount()).isEqualTo(7); // root a b c d * #

        trie.unbind("a.b.c.d", "q");
        assertThat(trie.nodeCount())
                .as("c and d pruned, a.b kept for its binding")
                .isEqualTo(5);
        assertThat(trie.route("a.b.c.d")).containsExactly("q"); // still a.*.#

        trie.unbind("a.*.#", "q");
        assertThat(trie.nodeCount()).isEqualTo(3);
        assertThat(trie.route("a.b.c.d")).isEmpty();
        assertThat(trie.route("a.b")).containsExactly("q");

        trie.unbind("a.b", "q");
        assertThat(trie.nodeCount()).isEqualTo(1);
        assertThat(trie.bindingCount()).isZero();
    }

    @Test
    void aNodeKeepsItsChildrenWhenItsOwnBindingGoes() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.bind("a", "q");
        trie.bind("a.b", "r");

        trie.unbind("a", "q");

        assertThat(trie.nodeCount()).isEqualTo(3);
        assertThat(trie.route("a")).isEmpty();
        assertThat(trie.route("a.b")).containsExactly("r");
    }

    @Test
    void manyDestinationsOnOneBindingKeyAllArriveAndLeave() {
        TopicTrie<Integer> trie = new TopicTrie<>();
        for (int q = 0; q < 10_000; q++) {
            trie.bind("orders.#", q);
        }
        trie.bind("orders.created", 0);

        assertThat(trie.route("orders.created")).hasSize(10_000);

        for (int q = 0; q < 10_000; q += 2) {
            trie.unbind("orders.#", q);
        }
        Set<Integer> routed = trie.route("orders.updated");
        assertThat(routed).hasSize(5_000).allMatch(q -> q % 2 == 1);
        assertThat(trie.route("orders.created")).hasSize(5_001);
    }

    @Test
    void nullsAreRejected() {
        TopicTrie<String> trie = new TopicTrie<>();

        assertThatThrownBy(() -> trie.bind(null, "q")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> trie.bind("a", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> trie.route(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aSinkMayRouteAgainOnTheSameThread() {
        TopicTrie<String> exchanges = new TopicTrie<>();
        exchanges.bind("a.#", "x2");
        exchanges.bind("#.b", "x3");
        TopicTrie<String> queues = new TopicTrie<>();
        queues.bind("a.*", "q1");
        queues.bind("#", "q2");

        Map<String, Set<String>> delivered = new HashMap<>();
        exchanges.route(
                "a.b",
                exchange -> queues.route(
                        "a.b",
                        queue -> delivered
                                .computeIfAbsent(exchange, e -> new HashSet<>())
                                .add(queue)));

        assertThat(delivered).isEqualTo(Map.of("x2", Set.of("q1", "q2"), "x3", Set.of("q1", "q2")));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cost: no exponential blow-up
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void manyHashesAgainstALongKeyTakePolynomialTime() {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.bind("#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.a", "hit");
        trie.bind("#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.z", "miss");
        trie.bind("#.x.#.x.#.x.#.x.#.x.#.x.#.x.#.a", "x");
        String key = String.join(".", Collections.nCopies(500, "x")) + ".a";

        for (int i = 0; i < 20; i++) {
            assertThat(trie.route(key)).containsExactlyInAnyOrder("hit", "x");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Randomised: the trie against an independent recursive matcher
    // ---------------------------------------------------------------------------------------------------------------

    private static final String[] KEY_WORDS = {"a", "b", "c", "", "*", "#", "ab"};
    private static final String[] PATTERN_WORDS = {"a", "b", "c", "", "*", "#", "*", "#", "ab"};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {20261123L, 1L, 42L, 0xC0FFEEL})
    void agreesWithARecursiveMatcherOnRandomBindingsAndKeys(long seed) {
        Random random = new Random(seed);
        TopicTrie<Integer> trie = new TopicTrie<>();
        Map<String, Set<Integer>> bound = new HashMap<>();
        for (int i = 0; i < 1_500; i++) {
            String pattern = randomKey(random, PATTERN_WORDS, 6);
            int destination = random.nextInt(60);
            boolean added = bound.computeIfAbsent(pattern, p -> new HashSet<>()).add(destination);
            assertThat(trie.bind(pattern, destination))
                    .as("seed %d: bind('%s', %d)", seed, pattern, destination)
                    .isEqualTo(added);
        }
        assertAgrees(trie, bound, random, seed, "after binding");

        List<String> patterns = new ArrayList<>(bound.keySet());
        for (int i = 0; i < 1_000; i++) {
            String pattern = patterns.get(random.nextInt(patterns.size()));
            int destination = random.nextInt(60);
            Set<Integer> destinations = bound.get(pattern);
            boolean removed = destinations.remove(destination);
            assertThat(trie.unbind(pattern, destination))
                    .as("seed %d: unbind('%s', %d)", seed, pattern, destination)
                    .isEqualTo(removed);
        }
        assertAgrees(trie, bound, random, seed, "after unbinding");

        for (Map.Entry<String, Set<Integer>> entry : bound.entrySet()) {
            for (Integer destination : entry.getValue()) {
                trie.unbind(entry.getKey(), destination);
            }
        }
        assertThat(trie.bindingCount()).as("seed %d", seed).isZero();
        assertThat(trie.nodeCount()).as("seed %d: everything pruned", seed).isEqualTo(1);
    }

    private static void assertAgrees(
            TopicTrie<Integer> trie, Map<String, Set<Integer>> bound, Random random, long seed, String phase) {
        int count = bound.values().stream().mapToInt(Set::size).sum();
        assertThat(trie.bindingCount()).as("seed %d %s", seed, phase).isEqualTo(count);
        Map<String, List<String>> patternWords = new HashMap<>();
        bound.forEach((pattern, destinations) -> {
            if (!destinations.isEmpty()) {
                patternWords.put(pattern, Oracle.words(pattern));
            }
        });
        for (int i = 0; i < 3_000; i++) {
            String key = randomKey(random, KEY_WORDS, 8);
            List<String> keyWords = Oracle.words(key);
            Set<Integer> expected = new HashSet<>();
            patternWords.forEach((pattern, words) -> {
                if (Oracle.matches(words, 0, keyWords, 0)) {
                    expected.addAll(bound.get(pattern));
                }
            });
            List<Integer> delivered = new ArrayList<>();
            trie.route(key, delivered::add);
            if (delivered.size() != expected.size() || !expected.equals(new HashSet<>(delivered))) {
                // only now the slower, more talkative assertion
                assertThat(delivered)
                        .as("seed %d %s, routing key '%s'", seed, phase, key)
                        .doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }

    private static String randomKey(Random random, String[] vocabulary, int maxWords) {
        int words = random.nextInt(maxWords + 1);
        StringBuilder key = new StringBuilder();
        for (int w = 0; w < words; w++) {
            if (w > 0) {
                key.append('.');
            }
            key.append(vocabulary[random.nextInt(vocabulary.length)]);
        }
        return key.toString();
    }

    /** The textbook definition, written independently of the trie: backtracking over word lists. */
    static final class Oracle {
        static boolean matches(String bindingKey, String routingKey) {
            return matches(words(bindingKey), 0, words(routingKey), 0);
        }

        static List<String> words(String key) {
            return key.isEmpty() ? List.of() : Arrays.asList(key.split("\\.", -1));
        }

        static boolean matches(List<String> pattern, int p, List<String> key, int k) {
            if (p == pattern.size()) {
                return k == key.size();
            }
            String word = pattern.get(p);
            if (word.equals("#")) {
                return matches(pattern, p + 1, key, k) || (k < key.size() && matches(pattern, p, key, k + 1));
            }
            if (k == key.size()) {
                return false;
            }
            return (word.equals("*") || word.equals(key.get(k))) && matches(pattern, p + 1, key, k + 1);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // One writer, concurrent readers
    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void routesRunningWhileBindingsChangeAlwaysSeeTheStableBindings() throws Exception {
        TopicTrie<String> trie = new TopicTrie<>();
        trie.bind("orders.*.created", "stable-1");
        trie.bind("orders.#", "stable-2");
        trie.bind("#.created", "stable-3");
        Set<String> stable = Set.of("stable-1", "stable-2", "stable-3");
        AtomicBoolean writing = new AtomicBoolean(true);

        List<CompletableFuture<Integer>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(CompletableFuture.supplyAsync(() -> {
                int routes = 0;
                while (writing.get() || routes < 1_000) {
                    Set<String> routed = trie.route("orders.eu.created");
                    if (!routed.containsAll(stable)) {
                        throw new AssertionError("lost a stable binding: " + routed);
                    }
                    if (!routed.stream().allMatch(d -> d.startsWith("stable-") || d.startsWith("churn-"))) {
                        throw new AssertionError("unexpected destination: " + routed);
                    }
                    routes++;
                }
                return routes;
            }));
        }

        Random random = new Random(7);
        String[] churnKeys = {"orders.*.created", "orders.eu.#", "#", "orders.eu.created", "#.eu.#", "x.y"};
        for (int i = 0; i < 50_000; i++) {
            String key = churnKeys[random.nextInt(churnKeys.length)];
            String destination = "churn-" + random.nextInt(20);
            if (!trie.bind(key, destination)) {
                trie.unbind(key, destination);
            }
        }
        writing.set(false);

        for (CompletableFuture<Integer> reader : readers) {
            assertThat(reader.get(30, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(trie.route("orders.eu.created")).containsAll(stable);
    }

    private static Set<String> set(String spaceSeparated) {
        return Arrays.stream(spaceSeparated.split(" ")).collect(Collectors.toSet());
    }
}
