package io.hermod.storage;

import java.util.Objects;

/**
 * How one log stores, rolls, syncs and retains its data. Validated on construction; {@link #defaults()} gives
 * Kafka-like values with {@code fsync-always} durability, and {@link #builder()} / {@link #toBuilder()} derive others.
 *
 * @param segmentBytes roll to a new segment before one grows past this many bytes (max 2 GiB - 1)
 * @param segmentMs roll to a new segment once the active one is this old (on the next append)
 * @param indexIntervalBytes bytes of batches between two sparse index entries
 * @param maxBatchBytes the largest batch an append accepts (stored batches are not held to a later, lower value)
 * @param durability when an append's completion finishes
 * @param flushIntervalMs under {@code fsync-interval}, how often the log is fsynced
 * @param groupCommitMaxDelayMicros under {@code fsync-always}, how long the first waiting append may wait for company
 *     before the fsync starts (0: start at once; appends arriving during an fsync share the next one anyway)
 * @param groupCommitMaxBytes under {@code fsync-always}, start the fsync early once this many bytes wait
 * @param retentionMs delete segments whose newest record is older than this (-1: keep forever)
 * @param retentionBytes delete the oldest segments while the log is larger than this (-1: no limit)
 */
public record LogConfig(
        int segmentBytes,
        long segmentMs,
        int indexIntervalBytes,
        int maxBatchBytes,
        Durability durability,
        long flushIntervalMs,
        long groupCommitMaxDelayMicros,
        int groupCommitMaxBytes,
        long retentionMs,
        long retentionBytes) {

    public static final int DEFAULT_SEGMENT_BYTES = 1 << 30;
    /** Room for a 128 MiB message (the AMQP default limit) plus its headers. */
    public static final int DEFAULT_MAX_BATCH_BYTES = (128 << 20) + (64 << 10);

    public LogConfig {
        Objects.requireNonNull(durability, "durability");
        require(segmentBytes >= 1024, "segmentBytes must be >= 1024: " + segmentBytes);
        require(segmentMs > 0, "segmentMs must be > 0: " + segmentMs);
        require(indexIntervalBytes > 0, "indexIntervalBytes must be > 0: " + indexIntervalBytes);
        require(maxBatchBytes >= 61, "maxBatchBytes must be >= 61 (a batch header): " + maxBatchBytes);
        require(flushIntervalMs > 0, "flushIntervalMs must be > 0: " + flushIntervalMs);
        require(groupCommitMaxDelayMicros >= 0, "groupCommitMaxDelayMicros must be >= 0: " + groupCommitMaxDelayMicros);
        require(groupCommitMaxBytes > 0, "groupCommitMaxBytes must be > 0: " + groupCommitMaxBytes);
        require(retentionMs == -1 || retentionMs > 0, "retentionMs must be > 0 or -1: " + retentionMs);
        require(retentionBytes == -1 || retentionBytes > 0, "retentionBytes must be > 0 or -1: " + retentionBytes);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static LogConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.segmentBytes = segmentBytes;
        b.segmentMs = segmentMs;
        b.indexIntervalBytes = indexIntervalBytes;
        b.maxBatchBytes = maxBatchBytes;
        b.durability = durability;
        b.flushIntervalMs = flushIntervalMs;
        b.groupCommitMaxDelayMicros = groupCommitMaxDelayMicros;
        b.groupCommitMaxBytes = groupCommitMaxBytes;
        b.retentionMs = retentionMs;
        b.retentionBytes = retentionBytes;
        return b;
    }

    /** Starts from the defaults; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private int segmentBytes = DEFAULT_SEGMENT_BYTES;
        private long segmentMs = 7L * 24 * 3600 * 1000;
        private int indexIntervalBytes = 4096;
        private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private Durability durability = Durability.FSYNC_ALWAYS;
        private long flushIntervalMs = 1000;
        private long groupCommitMaxDelayMicros = 0;
        private int groupCommitMaxBytes = 4 << 20;
        private long retentionMs = -1;
        private long retentionBytes = -1;

        private Builder() {}

        public Builder segmentBytes(int bytes) {
            this.segmentBytes = bytes;
            return this;
        }

        public Builder segmentMs(long ms) {
            this.segmentMs = ms;
            return this;
        }

        public Builder indexIntervalBytes(int bytes) {
            this.indexIntervalBytes = bytes;
            return this;
        }

        public Builder maxBatchBytes(int bytes) {
            this.maxBatchBytes = bytes;
            return this;
        }

        public Builder durability(Durability policy) {
            this.durability = policy;
            return this;
        }

        public Builder flushIntervalMs(long ms) {
            this.flushIntervalMs = ms;
            return this;
        }

        public Builder groupCommit(long maxDelayMicros, int maxBytes) {
            this.groupCommitMaxDelayMicros = maxDelayMicros;
            this.groupCommitMaxBytes = maxBytes;
            return this;
        }

        public Builder retentionMs(long ms) {
            this.retentionMs = ms;
            return this;
        }

        public Builder retentionBytes(long bytes) {
            this.retentionBytes = bytes;
            return this;
        }

        public LogConfig build() {
            return new LogConfig(
                    segmentBytes,
                    segmentMs,
                    indexIntervalBytes,
                    maxBatchBytes,
                    durability,
                    flushIntervalMs,
                    groupCommitMaxDelayMicros,
                    groupCommitMaxBytes,
                    retentionMs,
                    retentionBytes);
        }
    }

    public boolean hasRetention() {
        return retentionMs > 0 || retentionBytes > 0;
    }
}
