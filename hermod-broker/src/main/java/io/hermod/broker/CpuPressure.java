package io.hermod.broker;

import java.lang.management.ManagementFactory;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this machine's CPU is saturated: the share of all its processors (of the container's, where it has a limit)
 * busy since the last {@link #check}, at or above a threshold. It goes off again only below the threshold less
 * {@value #HYSTERESIS}, so that a load hovering at the threshold does not flip it every second. While it is on, queues
 * whose consumers fall behind take publishes at their consumers' pace (publisher pacing, docs/concepts.md).
 *
 * <p>Threading: {@link #check} on one thread (the broker's tick); the rest from any thread.
 */
public final class CpuPressure {

    private static final Logger LOG = LoggerFactory.getLogger(CpuPressure.class);
    static final double HYSTERESIS = 0.1;

    private final DoubleSupplier load;
    private final double threshold;
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

    /** Measured by the JVM: {@code com.sun.management.OperatingSystemMXBean#getCpuLoad}, container-aware. */
    static CpuPressure forJvm(double threshold) {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        DoubleSupplier load = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun::getCpuLoad : () -> -1;
        return new CpuPressure(load, threshold);
    }

    /** Measures the load and turns the pressure on or off. */
    void check() {
        if (threshold == 0) {
            return;
        }
        double now = load.getAsDouble();
        lastLoad = now;
        boolean on = saturated ? now >= threshold - HYSTERESIS : now >= threshold;
        if (on != saturated) {
            saturated = on;
            LOG.debug(
                    "CPU load {}: {}",
                    String.format("%.2f", now),
                    on ? "queues whose consumers fall behind take publishes at their pace" : "publishers unpaced");
        }
    }

    /** Whether the CPU counted as saturated at the last check. */
    public boolean saturated() {
        return saturated;
    }

    /** The load the last check measured, in [0, 1]; negative before the first or when it cannot be measured. */
    public double load() {
        return lastLoad;
    }
}
