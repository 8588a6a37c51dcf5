package io.hermod.storage;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations counted into fixed buckets (Prometheus' classic histogram: a count per upper bound and a sum), recorded on
 * hot paths — an fsync, a delivery — and read by a metrics scrape. Recording is one bucket search and two atomic adds;
 * nothing is allocated and nothing is ever reset, so the counts only grow.
 *
 * <p>Threading: {@link #record} from any thread; the readers see each bucket's count as of some moment (a scrape may
 * see a bucket and the sum from slightly different moments, which Prometheus tolerates).
 */
public final class LatencyHistogram {

    /**
     * Upper bounds for fsyncs, in nanoseconds: 100 µs to 10 s (an SSD syncs in tens of microseconds to a few
     * milliseconds, a disk in tens of milliseconds).
     */
    public static final long[] FSYNC_BOUNDS_NANOS = {
        100_000L,
        250_000L,
        500_000L,
        1_000_000L,
        2_500_000L,
        5_000_000L,
        10_000_000L,
        25_000_000L,
        50_000_000L,
        100_000_000L,
        250_000_000L,
        500_000_000L,
        1_000_000_000L,
        10_000_000_000L
    };

    private final long[] bounds;
    private final AtomicLongArray counts; // one per bound, then one for above the last (+Inf)
    private final LongAdder sum = new LongAdder();

    /** A histogram with these ascending upper bounds, in the unit it will be given. */
    public LatencyHistogram(long[] bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (bounds[i] <= bounds[i - 1]) {
                throw new IllegalArgumentException("bounds must ascend: " + Arrays.toString(bounds));
            }
        }
        this.bounds = bounds.clone();
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    /** Counts one duration (negative ones, from a clock stepping back, count as 0). */
    public void record(long value) {
        long v = Math.max(0, value);
        int i = Arrays.binarySearch(bounds, v);
        counts.incrementAndGet(i >= 0 ? i : -i - 1); // a bound is inclusive ("le")
        sum.add(v);
    }

    /** The upper bounds, ascending (a copy). */
    public long[] bounds() {
        return bounds.clone();
    }

    /** The count of each bucket alone (not cumulative): one per bound, then the count above the last bound. */
    public long[] counts() {
        long[] c = new long[counts.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
        }
        return c;
    }

    /** The sum of every value recorded. */
    public long sum() {
        return sum.sum();
    }

    /** Adds every count and the sum of {@code other} (same bounds) to this one, for totals over many histograms. */
    public void add(LatencyHistogram other) {
        for (int i = 0; i < counts.length() && i < other.counts.length(); i++) {
            counts.addAndGet(i, other.counts.get(i));
        }
        sum.add(other.sum());
    }

    /** Adds every count of {@code other} (same bounds) into {@code into}, for totals over many histograms. */
    public void addCountsTo(long[] into) {
        for (int i = 0; i < into.length && i < counts.length(); i++) {
            into[i] += counts.get(i);
        }
    }
}
