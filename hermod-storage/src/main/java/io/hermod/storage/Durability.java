package io.hermod.storage;

import java.util.Arrays;

/** When an append counts as durable, i.e. when its completion finishes. */
public enum Durability {
    /**
     * The completion finishes once the bytes are on stable storage. Appends waiting at the same time share one fsync
     * (group commit), so durability costs latency, not throughput.
     */
    FSYNC_ALWAYS("fsync-always"),
    /**
     * The completion finishes once the bytes are written to the operating system; the log is fsynced every flush
     * interval (Kafka's {@code flush.ms}). A machine crash may lose up to one interval; a process crash loses nothing.
     */
    FSYNC_INTERVAL("fsync-interval"),
    /** The completion finishes once the bytes are written to the page cache; only close and {@code Log.flush()} fsync. */
    OS("os");

    private final String configName;

    Durability(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Durability fromConfigName(String name) {
        return Arrays.stream(values())
                .filter(d -> d.configName.equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown durability policy '" + name + "', expected one of fsync-always, fsync-interval, os"));
    }
}
