package io.hermod.broker;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RabbitMQ's resource alarms: when the heap in use after garbage collection rises above the high watermark, or the
 * free space of the data directory's disk falls below its limit, publishing is blocked broker-wide until the resource
 * recovers. Blocking publishers is how a broker under pressure slows down instead of failing: consumers keep draining,
 * nothing already accepted is lost, and nothing is refused.
 *
 * <p>Sessions opened by embedded users wait in {@link Channel#publish} while an alarm is on; protocol modules open
 * sessions that never wait, listen with {@link #onChange}, stop reading from publishing clients and tell them (AMQP
 * {@code connection.blocked}).
 *
 * <p>Threading: {@link #check()} runs on one thread (the broker's alarm timer); everything else is thread-safe.
 */
public final class ResourceAlarms {

    private static final Logger LOG = LoggerFactory.getLogger(ResourceAlarms.class);
    private static final long RECLAIM_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** The resources that can raise an alarm. */
    public enum Alarm {
        MEMORY,
        DISK
    }

    private final LongSupplier memoryUsed;
    private final long memoryLimit;
    private final LongSupplier diskFree;
    private final long diskFreeLimit;
    private final Runnable reclaim;
    private long lastReclaimNanos = System.nanoTime() - RECLAIM_INTERVAL_NANOS;
    private final List<Consumer<Set<Alarm>>> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    // guarded by lock
    private Set<Alarm> active = EnumSet.noneOf(Alarm.class);

    /**
     * @param memoryUsed heap in use after the last collections, in bytes
     * @param memoryLimit the high watermark in bytes (0 disables the memory alarm)
     * @param diskFree usable bytes on the data directory's disk
     * @param diskFreeLimit the alarm goes on below this many free bytes (0 disables the disk alarm)
     */
    public ResourceAlarms(LongSupplier memoryUsed, long memoryLimit, LongSupplier diskFree, long diskFreeLimit) {
        this(memoryUsed, memoryLimit, diskFree, diskFreeLimit, () -> {});
    }

    /**
     * As above, with {@code reclaim} run (at most every few seconds) while the memory alarm is on and the last
     * measurement is still above the limit: with publishers blocked little is allocated, so no collection would run and
     * "heap after the last collection" would never drop by itself.
     */
    ResourceAlarms(
            LongSupplier memoryUsed, long memoryLimit, LongSupplier diskFree, long diskFreeLimit, Runnable reclaim) {
        this.reclaim = reclaim;
        this.memoryUsed = memoryUsed;
        this.memoryLimit = memoryLimit;
        this.diskFree = diskFree;
        this.diskFreeLimit = diskFreeLimit;
    }

    /** Alarms measuring this JVM's heap against {@code watermark} x max heap and the disk holding {@code dataDir}. */
    static ResourceAlarms forJvm(double watermark, long diskFreeLimit, Path dataDir) {
        long max = Runtime.getRuntime().maxMemory();
        return new ResourceAlarms(
                ResourceAlarms::heapUsedAfterCollection,
                (long) (max * watermark),
                () -> usableSpace(dataDir),
                diskFreeLimit,
                System::gc);
    }

    /** Measures both resources and raises or clears alarms; tells the listeners when the set changed. */
    public void check() {
        Set<Alarm> now = EnumSet.noneOf(Alarm.class);
        if (memoryLimit > 0 && memoryOverLimit()) {
            now.add(Alarm.MEMORY);
        }
        if (diskFreeLimit > 0 && diskFree.getAsLong() < diskFreeLimit) {
            now.add(Alarm.DISK);
        }
        synchronized (lock) {
            if (now.equals(active)) {
                return;
            }
            LOG.warn(
                    "Resource alarms changed from {} to {}: publishing is {}",
                    active,
                    now,
                    now.isEmpty() ? "open" : "blocked");
            active = now;
            lock.notifyAll();
        }
        Set<Alarm> snapshot = Set.copyOf(now);
        for (Consumer<Set<Alarm>> listener : listeners) {
            try {
                listener.accept(snapshot);
            } catch (RuntimeException e) {
                LOG.warn("An alarm listener failed", e);
            }
        }
    }

    private boolean memoryOverLimit() {
        if (memoryUsed.getAsLong() <= memoryLimit) {
            return false;
        }
        boolean alarmOn;
        synchronized (lock) {
            alarmOn = active.contains(Alarm.MEMORY);
        }
        long nowNanos = System.nanoTime();
        if (alarmOn && nowNanos - lastReclaimNanos >= RECLAIM_INTERVAL_NANOS) {
            lastReclaimNanos = nowNanos;
            reclaim.run();
            return memoryUsed.getAsLong() > memoryLimit;
        }
        return true;
    }

    /** The alarms on now (empty: publishing is open). */
    public Set<Alarm> active() {
        synchronized (lock) {
            return Set.copyOf(active);
        }
    }

    public boolean publishingBlocked() {
        synchronized (lock) {
            return !active.isEmpty();
        }
    }

    /** Tells {@code listener} (on the alarm thread) every time the set of active alarms changes. */
    public void onChange(Consumer<Set<Alarm>> listener) {
        listeners.add(listener);
    }

    /** Stops telling {@code listener} (a connection that closed). */
    public void removeListener(Consumer<Set<Alarm>> listener) {
        listeners.remove(listener);
    }

    /**
     * Waits while an alarm is on, at most {@code timeoutMillis} (0: no limit). Returns whether publishing is open.
     *
     * @throws BrokerException {@code CLOSED} when interrupted
     */
    boolean awaitOpen(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (lock) {
            while (!active.isEmpty()) {
                long waitMillis = 0;
                if (timeoutMillis > 0) {
                    waitMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (waitMillis <= 0) {
                        return false;
                    }
                }
                try {
                    lock.wait(waitMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BrokerException(
                            ErrorCode.CLOSED, "interrupted while publishing was blocked by " + active);
                }
            }
            return true;
        }
    }

    /** The heap the last collections left in use: what a memory watermark should compare, not momentary garbage. */
    static long heapUsedAfterCollection() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                MemoryUsage afterGc = pool.getCollectionUsage();
                used += afterGc != null ? afterGc.getUsed() : pool.getUsage().getUsed();
            }
        }
        return used;
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (java.io.IOException e) {
            LOG.warn("Cannot read the free space of {}: {}", dir, e.getMessage());
            return Long.MAX_VALUE;
        }
    }
}
