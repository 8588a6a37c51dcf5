package io.hermod.broker.definitions;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.storage.AppendResult;
import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Header;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's definitions on disk: an append-only metadata log of {@link DefinitionRecord}s with snapshots (STYLE.md
 * rule 8; models: lavinmq {@code definitions_store.cr}, Kafka's metadata log). The broker's definitions are what
 * replaying {@link #load()} produces; each later change is {@link #append appended} and answered once durable; now and
 * then the broker writes its whole state as a {@link #snapshot snapshot}, after which the records before it are dead
 * and their segments are deleted.
 *
 * <p>Layout: one storage {@link Log} ({@code fsync-always}), one record per definition record, the record's value
 * being its {@link DefinitionCodec} encoding (key absent, timestamp the append time). Every append is one batch, so it
 * is atomic: recovery truncates a torn batch as a whole.
 *
 * <pre>
 *  change batch:    record*                                   1..n records, each: no key, no headers,
 *                                                              value = DefinitionCodec encoding
 *  snapshot batch:  marker | record*                          marker: no key, no value, one header
 *                                                              "hermod.definitions.snapshot" = count i32 big-endian
 *                                                              (the number of state records after it in the batch)
 * </pre>
 *
 * Storage cannot be asked to roll a segment, and it never deletes the active one: a snapshot lands at the end of the
 * active segment (or at the start of a new one when it does not fit), every segment before it is deleted once it is
 * durable, and the older records that share its segment go with that segment at the first snapshot after the log has
 * rolled past it. So the log holds at most about two segments plus the changes since the last snapshot, and
 * {@link #load()} reads, decodes and drops the records before the latest snapshot in its segment.
 *
 * <p>Threading: one writer. The broker serialises definition changes (one thread, or callers taking turns under one
 * lock, which also publishes this object's plain fields from one to the next); {@link #load}, {@link #append},
 * {@link #snapshotDue} and {@link #snapshot} are called only by the writer, never concurrently. Append completions
 * finish on the {@code completions} executor, never on a storage thread: if a writer blocks on a completion while
 * holding its turn, that executor must have a thread that is not waiting for the same turn, or the two deadlock.
 * {@link #close} may be called from any thread once the writer has stopped.
 */
public final class DefinitionsLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DefinitionsLog.class);

    /** Room for a snapshot of 10,000 queues and 100,000 bindings (10-20 MB) several times over. */
    public static final int SEGMENT_BYTES = 64 << 20;
    /** The largest batch, so the largest append or snapshot (its encoding), in bytes. */
    public static final int MAX_BATCH_BYTES = 64 << 20;
    /** A snapshot is due once this many bytes, or the last snapshot's size if larger, were appended after it. */
    public static final long MIN_SNAPSHOT_INTERVAL_BYTES = 1 << 20;

    /** The header that marks the first record of a snapshot batch; its value is the count of state records. */
    static final String SNAPSHOT_HEADER = "hermod.definitions.snapshot";

    private static final int READ_CHUNK_BYTES = 4 << 20;

    private final Log log;
    private final Executor completions;
    private final InstantSource clock;
    private final long minSnapshotIntervalBytes;
    private final int maxBatchBytes;

    // the writer's: read and written only by whoever holds the writer's turn
    private boolean loaded;
    private long snapshotOffset = -1;
    private long snapshotBytes;
    private long bytesSinceSnapshot;

    private DefinitionsLog(Log log, Executor completions, InstantSource clock, long minSnapshotIntervalBytes) {
        this.log = log;
        this.completions = completions;
        this.clock = clock;
        this.minSnapshotIntervalBytes = minSnapshotIntervalBytes;
        this.maxBatchBytes = Math.min(log.config().maxBatchBytes(), log.config().segmentBytes());
    }

    /**
     * Opens (creating or recovering) the definitions log {@code logName} of {@code store}: 64 MiB segments, 64 MiB
     * batches, {@code fsync-always}. Call {@link #load()} next.
     *
     * @param completions where append completions finish (the broker's writer, or any executor that does not run on a
     *     storage thread); it must accept tasks until this log is closed
     * @throws StorageException when the log cannot be opened or recovered
     */
    public static DefinitionsLog open(LogStore store, String logName, Executor completions) {
        LogConfig config = LogConfig.builder()
                .segmentBytes(SEGMENT_BYTES)
                .maxBatchBytes(MAX_BATCH_BYTES)
                .durability(Durability.FSYNC_ALWAYS)
                .build();
        return open(store, logName, completions, config, MIN_SNAPSHOT_INTERVAL_BYTES, InstantSource.system());
    }

    /** {@link #open(LogStore, String, Executor)} with other storage settings and snapshot interval (for tests). */
    static DefinitionsLog open(
            LogStore store,
            String logName,
            Executor completions,
            LogConfig config,
            long minSnapshotIntervalBytes,
            InstantSource clock) {
        Objects.requireNonNull(completions, "completions");
        Objects.requireNonNull(clock, "clock");
        if (config.durability() != Durability.FSYNC_ALWAYS) {
            throw new IllegalArgumentException("the definitions log is fsync-always, not " + config.durability());
        }
        if (minSnapshotIntervalBytes <= 0) {
            throw new IllegalArgumentException("minSnapshotIntervalBytes must be > 0: " + minSnapshotIntervalBytes);
        }
        return new DefinitionsLog(store.openLog(logName, config), completions, clock, minSnapshotIntervalBytes);
    }

    /**
     * The sequence to replay at startup: the records of the latest snapshot followed by every record appended after
     * it, or every record when there is no snapshot. Call once, right after {@link #open}. Segments left below the
     * latest snapshot (by a crash between a snapshot and its trim) are deleted.
     *
     * @throws BrokerException {@code STORAGE_FAILED} when a stored record cannot be decoded (naming its offset)
     * @throws StorageException when the log cannot be read
     * @throws IllegalStateException on a second call
     */
    public List<DefinitionRecord> load() {
        if (loaded) {
            throw new IllegalStateException("definitions log " + log.name() + " was loaded already");
        }
        List<DefinitionRecord> records = new ArrayList<>();
        long offset = log.startOffset();
        long end = log.endOffset();
        while (offset < end) {
            List<ByteBuffer> chunks = log.read(offset, READ_CHUNK_BYTES);
            long before = offset;
            for (ByteBuffer chunk : chunks) {
                for (RecordBatch batch : RecordBatch.batches(chunk)) {
                    offset = batch.lastOffset() + 1;
                    List<Record> batchRecords = batch.records();
                    if (isSnapshot(batch, batchRecords)) {
                        records.clear();
                        snapshotOffset = batch.baseOffset();
                        snapshotBytes = batch.sizeInBytes();
                        bytesSinceSnapshot = 0;
                        decodeInto(batchRecords.subList(1, batchRecords.size()), records);
                    } else {
                        bytesSinceSnapshot += batch.sizeInBytes();
                        decodeInto(batchRecords, records);
                    }
                }
            }
            if (offset <= before) {
                throw corrupt(offset, "a read returned no whole batch before the end offset " + end);
            }
        }
        if (snapshotOffset > log.startOffset()) {
            // what we trim below must be on stable storage first: after a process crash it may be in the page cache
            // only
            log.flush();
            log.deleteSegmentsBelow(snapshotOffset);
        }
        loaded = true;
        LOG.info(
                "Loaded {} definition records from log {} ({}; {} bytes appended after it)",
                records.size(),
                log.name(),
                snapshotOffset < 0 ? "no snapshot" : "snapshot at offset " + snapshotOffset,
                bytesSinceSnapshot);
        return records;
    }

    /** Whether the batch is a snapshot; a malformed marker is corruption. */
    private boolean isSnapshot(RecordBatch batch, List<Record> records) {
        if (records.isEmpty()) {
            throw corrupt(batch.baseOffset(), "batch holds no records");
        }
        Record first = records.get(0);
        if (first.headers().isEmpty()) {
            return false;
        }
        Header marker = first.headers().get(0);
        if (first.headers().size() != 1 || !marker.key().equals(SNAPSHOT_HEADER)) {
            throw corrupt(first.offset(), "unknown record headers " + headerKeys(first));
        }
        ByteBuffer count = marker.value();
        if (count == null || count.remaining() != 4 || first.key() != null || first.value() != null) {
            throw corrupt(first.offset(), "malformed snapshot marker");
        }
        int expected = count.getInt(count.position());
        if (expected != records.size() - 1) {
            throw corrupt(
                    first.offset(),
                    "snapshot marker announces " + expected + " records but the batch holds " + (records.size() - 1)
                            + " after it");
        }
        return true;
    }

    private void decodeInto(List<Record> stored, List<DefinitionRecord> into) {
        for (Record record : stored) {
            if (!record.headers().isEmpty()) {
                throw corrupt(record.offset(), "unexpected record headers " + headerKeys(record));
            }
            if (record.value() == null) {
                throw corrupt(record.offset(), "record has no value");
            }
            try {
                into.add(DefinitionCodec.decode(record.value()));
            } catch (BrokerException e) {
                throw new BrokerException(
                        e.code(),
                        "definitions log " + log.name() + ", offset " + record.offset() + ": " + e.getMessage(),
                        e);
            }
        }
    }

    private static List<String> headerKeys(Record record) {
        return record.headers().stream().map(Header::key).toList();
    }

    private BrokerException corrupt(long offset, String problem) {
        return new BrokerException(
                ErrorCode.STORAGE_FAILED, "definitions log " + log.name() + ", offset " + offset + ": " + problem);
    }

    /**
     * Appends {@code records} as one batch: after a crash either all of them are there or none. The returned future
     * completes, on the {@code completions} executor, once they are on stable storage, or fails with the
     * {@link StorageException} that stopped them (a failed log fails every later append the same way). An empty list
     * completes at once. Writer only.
     *
     * @throws IllegalArgumentException when a record cannot be encoded, or the batch would exceed
     *     {@link #MAX_BATCH_BYTES}; nothing was written then
     * @throws IllegalStateException before {@link #load()}
     */
    public CompletableFuture<Void> append(List<DefinitionRecord> records) {
        requireLoaded();
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        long now = now();
        RecordBatchBuilder builder = new RecordBatchBuilder();
        for (DefinitionRecord record : records) {
            builder.add(now, null, DefinitionCodec.encode(Objects.requireNonNull(record, "record")));
        }
        if (builder.sizeInBytes() > maxBatchBytes) {
            throw new IllegalArgumentException("an append of " + records.size() + " definition records takes "
                    + builder.sizeInBytes() + " bytes, more than the " + maxBatchBytes + " of one batch");
        }
        ByteBuffer batch = builder.build();
        int bytes = batch.remaining();
        AppendResult result;
        try {
            result = log.append(batch);
        } catch (StorageException e) {
            return CompletableFuture.failedFuture(e);
        }
        bytesSinceSnapshot += bytes;
        return completeOffStorage(result.durable());
    }

    /** Hands the storage thread's completion to the completions executor. */
    private CompletableFuture<Void> completeOffStorage(CompletableFuture<Void> durable) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        durable.whenComplete((ignored, failure) -> {
            Runnable complete = () -> {
                if (failure == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(unwrap(failure));
                }
            };
            try {
                completions.execute(complete);
            } catch (RejectedExecutionException e) {
                // the executor is shutting down: a late completion on this thread beats one that never comes
                complete.run();
            }
        });
        return done;
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /**
     * Whether the broker should write a snapshot now: more bytes were appended since the last one than
     * {@link #MIN_SNAPSHOT_INTERVAL_BYTES} and than the last snapshot's own size (so snapshots cost at most about as
     * much as the changes they absorb). Writer only.
     */
    public boolean snapshotDue() {
        return bytesSinceSnapshot > Math.max(minSnapshotIntervalBytes, snapshotBytes);
    }

    /**
     * Writes {@code state}, the {@code *Added} (and {@code PermissionSet}) records that rebuild the broker's current
     * definitions (everything appended so far applied), as one snapshot batch; waits until it is durable; then deletes
     * the segments wholly below it. Writer only (it blocks; never call it on a storage thread).
     *
     * @throws StorageException when the snapshot could not be written or synced (the log is then failed)
     * @throws IllegalStateException when the state does not fit one batch ({@link #MAX_BATCH_BYTES}), or before
     *     {@link #load()}
     * @throws IllegalArgumentException when a record cannot be encoded
     */
    public void snapshot(List<DefinitionRecord> state) {
        requireLoaded();
        long now = now();
        ByteBuffer count = ByteBuffer.allocate(4).putInt(0, state.size());
        RecordBatchBuilder builder =
                new RecordBatchBuilder().add(now, null, null, List.of(new Header(SNAPSHOT_HEADER, count)));
        for (DefinitionRecord record : state) {
            builder.add(now, null, DefinitionCodec.encode(Objects.requireNonNull(record, "record")));
        }
        if (builder.sizeInBytes() > maxBatchBytes) {
            throw new IllegalStateException("a snapshot of " + state.size() + " definition records takes "
                    + builder.sizeInBytes() + " bytes, more than the " + maxBatchBytes + " of one batch");
        }
        ByteBuffer batch = builder.build();
        int bytes = batch.remaining();
        AppendResult result = log.append(batch);
        try {
            result.durable().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof StorageException se ? se : e;
        }
        snapshotOffset = result.firstOffset();
        snapshotBytes = bytes;
        bytesSinceSnapshot = 0;
        int deleted = log.deleteSegmentsBelow(snapshotOffset);
        LOG.debug(
                "Wrote a snapshot of {} definition records ({} bytes) at offset {} of log {}; deleted {} segments",
                state.size(),
                bytes,
                snapshotOffset,
                log.name(),
                deleted);
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException("definitions log " + log.name() + " must be loaded before it is written");
        }
    }

    private long now() {
        return Math.max(0, clock.millis());
    }

    /** The first offset of the latest snapshot, or -1 when there is none (for tests and diagnostics). */
    long snapshotOffset() {
        return snapshotOffset;
    }

    /** Syncs and closes the underlying log (appends still waiting for their fsync complete first); idempotent. */
    @Override
    public void close() {
        log.close();
    }

    @Override
    public String toString() {
        return "DefinitionsLog[" + log.name() + ", snapshot at " + snapshotOffset + ", " + bytesSinceSnapshot
                + " bytes since]";
    }
}
