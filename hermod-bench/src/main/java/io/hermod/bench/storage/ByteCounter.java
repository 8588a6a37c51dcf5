package io.hermod.bench.storage;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Counts the bytes a benchmark thread moved, reported by JMH beside the primary result as {@code <benchmark>:bytes} in
 * "ops/s" that are bytes per second: divide by 1,000,000 for MB/s. Counting the bytes actually moved keeps the figure
 * honest where the size of an operation varies (a read that returns a little less than asked for).
 *
 * <p>Threading: one instance per benchmark thread (JMH sums them), reset before each iteration.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class ByteCounter {

    /** Bytes moved in this iteration; JMH reports it as a rate. */
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
        bytes = 0;
    }
}
