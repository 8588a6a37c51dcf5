package io.hermod.broker;

import java.lang.management.ManagementFactory;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this machine's CPU is saturated: the share of all its processors (of the container's, where it has a limit)
 * busy, measured every {@value #CHECK_MILLIS} ms. It goes on quickly and off slowly: on once the last {@value
 * #ON_SAMPLES} measurements (200 ms) averaged at or above a threshold, so that a burst of load is paced before it has
 * built a backlog; off only once a second measured since then averaged below the threshold less {@value #HYSTERESIS},
 * so that neither the quiet before a burst nor a load hovering at the threshold flips it. While it is on, queues whose
 * consumers fall behind take publishes at their consumers' pace (publisher pacing, docs/concepts.md).
 *
 * <p>Threading: {@link #check} on one thread (the broker's ticker); the rest from any thread.
 */
public final class CpuPressure {

    private static final Logger LOG = LoggerFactory.getLogger(CpuPressure.class);
    static final double HYSTERESIS = 0.1;
    /** How often the load is measured. */
    static final long CHECK_MILLIS = 100;
    /** Measurements averaged to turn the pressure on (200 ms). */
    static final int ON_SAMPLES = 2;
    /** Measurements averaged to turn it off, and reported as the load (1 s). */
    static final int OFF_SAMPLES = 10;

    private final DoubleSupplier load;
    private final double threshold;
    // the last OFF_SAMPLES measurements, newest at (next - 1) mod length; only check's thread touches them
    private final double[] samples = new double[OFF_SAMPLES];
    private int next;
    private int count;
    private int checksSinceOn; // while saturated: the checks since it went on
    private volatile boolean saturated;
    private volatile double lastLoad = -1;

    /**
     * @param load the CPU load since the last call, in [0, 1]; negative when it cannot be measured (never saturated)
     * @param threshold the load at which the CPU counts as saturated, in [0, 1]; 0 turns pacing off
     */
    CpuPressure(DoubleSupplier load, double threshold) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1]: " + threshold);
        }
        this.load = load;
        this.threshold = threshold;
    }

    /**
     * Measured by the JVM: {@code com.sun.management.OperatingSystemMXBean#getCpuLoad}, container-aware. That reading
     * is the load since its last call by anyone in the process, so nothing else may call it: {@link #load} is this
     * process's reading of the machine's load (the metrics' {@code system_cpu_usage} included).
     */
    static CpuPressure forJvm(double threshold) {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        DoubleSupplier load = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun::getCpuLoad : () -> -1;
        return new CpuPressure(load, threshold);
    }

    /**
     * Measures the load and turns the pressure on or off; every {@link #CHECK_MILLIS} ms. With pacing off (a threshold
     * of 0) it still measures, for {@link #load}.
     */
    void check() {
        double now = load.getAsDouble();
        if (now < 0) { // cannot be measured (any more): never saturated, and start over
            count = 0;
            lastLoad = now;
            set(false, now);
            return;
        }
        samples[next] = now;
        next = (next + 1) % samples.length;
        count = Math.min(count + 1, samples.length);
        double second = mean(count);
        lastLoad = second;
        if (threshold == 0) {
            return;
        }
        if (saturated) {
            // a whole second measured since it went on: the quiet before a burst must not turn it off
            checksSinceOn++;
            set(checksSinceOn < OFF_SAMPLES || second >= threshold - HYSTERESIS, second);
        } else if (count >= ON_SAMPLES && mean(ON_SAMPLES) >= threshold) {
            checksSinceOn = 0;
            set(true, mean(ON_SAMPLES));
        }
    }

    /** The mean of the newest {@code n} measurements ({@code n <= count}). */
    private double mean(int n) {
        double sum = 0;
        for (int i = 1; i <= n; i++) {
            sum += samples[Math.floorMod(next - i, samples.length)];
        }
        return sum / n;
    }

    private void set(boolean on, double measured) {
        if (on != saturated) {
            saturated = on;
            LOG.debug(
                    "CPU load {}: {}",
                    String.format("%.2f", measured),
                    on ? "queues whose consumers fall behind take publishes at their pace" : "publishers unpaced");
        }
    }

    /** Whether the CPU counted as saturated at the last check. */
    public boolean saturated() {
        return saturated;
    }

    /**
     * The load over the last second (the measurements of up to the last second averaged), in [0, 1]; negative before
     * the first check or when it cannot be measured.
     */
    public double load() {
        return lastLoad;
    }
}
