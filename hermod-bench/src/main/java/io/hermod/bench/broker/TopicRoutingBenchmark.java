package io.hermod.bench.broker;

import io.hermod.broker.exchange.TopicTrie;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one message through a topic exchange's {@link TopicTrie} holding {@code bindings} (100, 10,000) bindings,
 * next to a fanout of the same size. One operation:
 *
 * <ul>
 *   <li>{@link #topic}: {@code TopicTrie.route(key, sink)} for the next of 4,096 pre-generated routing keys
 *       {@code region.service.event} (10 regions, 100 services, 50 events, uniform): ops/s is routes per second. The
 *       sink counts and checksums each destination.
 *   <li>{@link #topicToSet}: the same through {@code route(key)}, which returns a new {@code HashSet}: the cost of the
 *       convenient, allocating variant.
 *   <li>{@link #fanout}: the same sink called for every one of the {@code bindings} destinations, from an array: what a
 *       fanout exchange of that size does per message, the floor of any exchange that delivers to all its queues.
 * </ul>
 *
 * <p>Each binding has its own destination ({@code q-0}, {@code q-1}, ...). Binding keys are drawn from the same
 * vocabulary as the routing keys: 70% exact {@code r.s.e}, 10% {@code r.s.*}, 8% {@code *.s.e}, 5% {@code r.s.#}, 4%
 * {@code #.e}, 2% {@code r.#}, 1% {@code *.*.e}. With 10,000 bindings a route reaches about 30 destinations, with 100
 * well under one; {@code :destinations} (an {@code @AuxCounters} rate) divided by ops/s gives the exact mean. So
 * {@code topic} vs {@code fanout} compares "find the few matching queues among N" with "deliver to all N": with a trie
 * the former should not grow with N, the latter does.
 *
 * <p>Run with {@code -prof gc}: {@code topic} should allocate nothing per operation after warm-up (the trie keeps
 * per-thread scratch), {@code topicToSet} the set.
 *
 * <p>Threading: one benchmark thread routes and owns the key cursor and the counters; the trie is built once per trial
 * and not changed while measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class TopicRoutingBenchmark {

    private static final int REGIONS = 10;
    private static final int SERVICES = 100;
    private static final int EVENTS = 50;
    private static final int KEYS = 4096;

    @Param({"100", "10000"})
    public int bindings;

    private TopicTrie<String> trie;
    private String[] destinations;
    private String[] keys;
    private int nextKey;

    /** The sink: counts deliveries (reported as {@code :destinations} per second) and checksums them. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Deliveries implements Consumer<String> {
        public long destinations;
        private int checksum;

        @Setup(Level.Iteration)
        public void reset() {
            destinations = 0;
        }

        @Override
        public void accept(String destination) {
            destinations++;
            checksum += destination.hashCode();
        }

        int checksum() {
            return checksum;
        }
    }

    @Setup(Level.Trial)
    public void build() {
        SplittableRandom random = new SplittableRandom(20261123L);
        trie = new TopicTrie<>();
        destinations = new String[bindings];
        for (int i = 0; i < bindings; i++) {
            destinations[i] = "q-" + i;
            trie.bind(bindingKey(random), destinations[i]);
        }
        keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = region(random) + "." + service(random) + "." + event(random);
        }
    }

    @Benchmark
    public int topic(Deliveries deliveries) {
        trie.route(nextKey(), deliveries);
        return deliveries.checksum();
    }

    @Benchmark
    public Set<String> topicToSet() {
        return trie.route(nextKey());
    }

    @Benchmark
    public int fanout(Deliveries deliveries) {
        for (String destination : destinations) {
            deliveries.accept(destination);
        }
        return deliveries.checksum();
    }

    private String nextKey() {
        String key = keys[nextKey];
        nextKey = (nextKey + 1) & (KEYS - 1);
        return key;
    }

    private static String bindingKey(SplittableRandom random) {
        int kind = random.nextInt(100);
        if (kind < 70) {
            return region(random) + "." + service(random) + "." + event(random);
        } else if (kind < 80) {
            return region(random) + "." + service(random) + ".*";
        } else if (kind < 88) {
            return "*." + service(random) + "." + event(random);
        } else if (kind < 93) {
            return region(random) + "." + service(random) + ".#";
        } else if (kind < 97) {
            return "#." + event(random);
        } else if (kind < 99) {
            return region(random) + ".#";
        }
        return "*.*." + event(random);
    }

    private static String region(SplittableRandom random) {
        return "region-" + random.nextInt(REGIONS);
    }

    private static String service(SplittableRandom random) {
        return "service-" + random.nextInt(SERVICES);
    }

    private static String event(SplittableRandom random) {
        return "event-" + random.nextInt(EVENTS);
    }
}
