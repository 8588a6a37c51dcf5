package io.hermod.storage;

import io.hermod.storage.StorageException.Kind;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only log of record batches: a directory of {@link Segment}s named by base offset. The log assigns
 * offsets, rolls segments by size and age, syncs under its {@link Durability} policy (group commit for
 * {@code fsync-always}), serves reads as heap buffers or as file slices for zero-copy sends, and deletes whole
 * segments for queues (below an offset) and streams (retention by age and size). Opened through {@link LogStore}.
 *
 * <p>Threading: appends, rolls, segment deletion and close are serialised by the append lock; reads run on any thread
 * without it and see only whole, published batches. The first failed write or fsync makes the log failed for good:
 * later appends throw a {@link StorageException} of the same kind, and nothing already acknowledged is touched.
 */
public final class Log implements AutoCloseable {

    /** How much {@link #forEachRecord} reads at a time. */
    private static final int SCAN_WINDOW_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(Log.class);

    private final String name;
    private final Path dir;
    private final LogConfig config;
    private final LogStore store;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, Segment> segments;
    private final GroupCommit groupCommit;
    private final List<ScheduledFuture<?>> periodicTasks = new ArrayList<>();

    // guarded by appendLock; volatile for lock-free readers
    private volatile Segment active;
    private volatile long endOffset;
    private volatile StorageException failure;
    private volatile boolean closing;
    private final CompletableFuture<Void> closeDone = new CompletableFuture<>();
    private volatile boolean closed;
    private long checkpointed;
    // the unlinks of trimmed segments, in order (written under appendLock; read by delete once closed)
    private volatile CompletableFuture<Void> unlinked = CompletableFuture.completedFuture(null);
    private final AtomicBoolean directoryUnsynced = new AtomicBoolean();

    Log(String name, Path dir, LogConfig config, LogStore store, LogLoader.Loaded loaded) {
        this.name = name;
        this.dir = dir;
        this.config = config;
        this.store = store;
        this.segments = loaded.segments();
        this.active = segments.lastEntry().getValue();
        this.endOffset = active.nextOffset();
        this.checkpointed = loaded.recoveryPoint();
        this.groupCommit = new GroupCommit(
                new GroupCommit.Target() {
                    @Override
                    public long writtenEnd() {
                        return endOffset;
                    }

                    @Override
                    public void force() throws IOException {
                        long start = System.nanoTime();
                        forceSegments();
                        store.fsyncLatency().record(System.nanoTime() - start);
                    }

                    @Override
                    public StorageException onForceFailed(IOException e) {
                        if (closing && e instanceof ClosedChannelException) {
                            // the log was deleted or closed under a running fsync: nothing failed
                            return new StorageException(Kind.CLOSED, "log " + name + " was closed", e);
                        }
                        return fail(StorageException.fromWriteFailure("fsync of log " + name + " failed", e));
                    }
                },
                store.scheduler(),
                config.groupCommitMaxDelayMicros(),
                config.groupCommitMaxBytes(),
                endOffset);
        if (config.durability() == Durability.FSYNC_INTERVAL) {
            periodicTasks.add(store.scheduler()
                    .scheduleWithFixedDelay(
                            this::flushQuietly,
                            config.flushIntervalMs(),
                            config.flushIntervalMs(),
                            TimeUnit.MILLISECONDS));
        }
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /** The first offset still stored. */
    public long startOffset() {
        return segments.firstKey();
    }

    /** The offset the next appended record will get. */
    public long endOffset() {
        return endOffset;
    }

    /** Everything below this offset is on stable storage. */
    public long durableOffset() {
        return groupCommit.flushedEnd();
    }

    /** The write or fsync failure that stopped this log accepting appends, if any (sticky). */
    public Optional<StorageException> failure() {
        return Optional.ofNullable(failure);
    }

    public int segmentCount() {
        return segments.size();
    }

    /** Bytes of all segments. */
    public long sizeInBytes() {
        return segments.values().stream().mapToLong(Segment::size).sum();
    }

    // ------------------------------------------------------------------ append

    /**
     * Appends one or more whole record batches (v2) laid end to end in {@code batches}, from its position to its limit.
     * The log assigns offsets by writing each batch's base offset in place, so the buffer is the log's until this
     * returns. Every batch is validated (length, magic, CRC-32C) before anything is written.
     *
     * @throws StorageException {@code INVALID_BATCH} for malformed input, {@code CLOSED}, or the sticky
     *     {@code IO_ERROR}/{@code DISK_FULL} of a failed log
     */
    public AppendResult append(ByteBuffer batches) {
        return PooledFile.withInterruptSetAside(() -> doAppend(batches));
    }

    private AppendResult doAppend(ByteBuffer batches) {
        int bytes = batches.remaining();
        int lastDeltaSum = validate(batches);
        if (bytes > config.segmentBytes()) {
            throw new StorageException(
                    Kind.INVALID_BATCH,
                    "append of " + bytes + " bytes exceeds the segment size " + config.segmentBytes());
        }
        long first;
        long last;
        CompletableFuture<Void> durable;
        appendLock.lock();
        try {
            ensureWritable();
            first = endOffset;
            last = first + lastDeltaSum - 1;
            maybeRoll(bytes, last);
            long next = first;
            for (RecordBatch batch : RecordBatch.batches(batches)) {
                batch.setBaseOffset(next);
                next = batch.lastOffset() + 1;
            }
            try {
                active.write(batches, last);
            } catch (IOException e) {
                throw fail(StorageException.fromWriteFailure("write to " + active.path() + " failed", e));
            }
            endOffset = last + 1;
            durable = config.durability() == Durability.FSYNC_ALWAYS
                    ? groupCommit.await(endOffset, bytes)
                    : CompletableFuture.completedFuture(null);
        } finally {
            appendLock.unlock();
        }
        return new AppendResult(first, last, durable);
    }

    /** Validates every batch and returns how many offsets they take together. */
    private int validate(ByteBuffer batches) {
        if (!batches.hasRemaining()) {
            throw new StorageException(Kind.INVALID_BATCH, "nothing to append");
        }
        int position = batches.position();
        long offsets = 0;
        while (position < batches.limit()) {
            int size = RecordBatch.validate(batches, position, config.maxBatchBytes(), Kind.INVALID_BATCH);
            offsets += RecordBatch.at(batches, position).lastOffsetDelta() + 1L;
            position += size;
        }
        if (offsets > Integer.MAX_VALUE) {
            throw new StorageException(Kind.INVALID_BATCH, "one append may hold at most 2^31-1 offsets");
        }
        return (int) offsets;
    }

    private void ensureWritable() {
        if (closing) {
            throw new StorageException(Kind.CLOSED, "log " + name + " is closed");
        }
        StorageException failed = failure;
        if (failed != null) {
            throw new StorageException(
                    failed.kind(), "log " + name + " stopped accepting writes after: " + failed.getMessage(), failed);
        }
    }

    /** Makes the log failed; the first failure sticks. Returns the failure to throw. */
    private StorageException fail(StorageException e) {
        synchronized (this) {
            if (failure == null) {
                failure = e;
                LOG.error("Log {} failed and accepts no more writes: {}", name, e.getMessage());
            }
        }
        groupCommit.failAll(failure);
        return e;
    }

    private void maybeRoll(int bytes, long lastOffset) {
        Segment seg = active;
        long now = store.clock().millis();
        boolean full = seg.size() + (long) bytes > config.segmentBytes();
        boolean old = now - seg.createdMs() >= config.segmentMs();
        boolean offsetsOverflow = lastOffset - seg.baseOffset() > Integer.MAX_VALUE;
        if (!seg.isEmpty() && (full || old || offsetsOverflow)) {
            roll(now);
        }
    }

    /** Seals the active segment (synced unless the policy is {@code os}) and starts a new one at the end offset. */
    private void roll(long now) {
        Segment old = active;
        boolean sync = config.durability() != Durability.OS;
        try {
            if (sync) {
                old.force();
                // every earlier segment was synced at its own roll: all below the old segment's end is durable
                groupCommit.advanceTo(old.nextOffset());
            }
            old.persistIndexes();
            if (!sync) {
                directoryUnsynced.set(true); // before the segment exists: a flush must sync the directory entry
            }
            Segment next = LogLoader.createSegment(dir, endOffset, store, config, now, sync);
            segments.put(next.baseOffset(), next);
            active = next;
            if (sync) {
                writeCheckpoint(old.nextOffset());
            }
        } catch (IOException e) {
            throw fail(StorageException.fromWriteFailure("roll of log " + name + " failed", e));
        }
    }

    // ------------------------------------------------------------------ durability

    /**
     * Forces everything appended so far to stable storage, whatever the policy, sharing the fsync with any other
     * waiting append or flush. Returns when done.
     *
     * @throws StorageException the sticky failure when the fsync failed
     */
    public void flush() {
        ensureOpen();
        awaitDurable(endOffset);
    }

    private void awaitDurable(long end) {
        if (LogStore.isStorageThread()) {
            throw new IllegalStateException("a storage thread (running an append completion) must not wait for a sync;"
                    + " hand the work to your own executor");
        }
        try {
            groupCommit.await(end, 0).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof StorageException se ? se : e;
        }
    }

    private void flushQuietly() {
        if (!closed && failure == null) {
            groupCommit.await(endOffset, 0);
        }
    }

    /** Forces every segment with unsynced bytes, oldest first (only the active one, but for a roll in between). */
    private void forceSegments() throws IOException {
        if (directoryUnsynced.getAndSet(false)) {
            try {
                RecoveryCheckpoint.fsyncDirectory(dir); // segments rolled under `os` become findable after a crash
            } catch (IOException e) {
                directoryUnsynced.set(true);
                throw e;
            }
        }
        Map.Entry<Long, Segment> from = segments.floorEntry(groupCommit.flushedEnd());
        Iterable<Segment> candidates = from == null
                ? segments.values()
                : segments.tailMap(from.getKey()).values();
        for (Segment seg : candidates) {
            try {
                seg.force();
            } catch (ClosedChannelException e) {
                if (!seg.isDeleted()) {
                    throw e;
                }
                // deleted by retention meanwhile: nothing of it is left to sync
            }
        }
    }

    /** Persists the recovery point (what is synced) so the next open validates only what came after it. */
    public void checkpoint() {
        appendLock.lock();
        try {
            PooledFile.withInterruptSetAside(() -> {
                checkpointLocked();
                return null;
            });
        } finally {
            appendLock.unlock();
        }
    }

    /** Background checkpoint: skipped when the log is busy (a close waiting for its sync must not be blocked). */
    void checkpointIfIdle() {
        if (appendLock.tryLock()) {
            try {
                checkpointLocked();
            } finally {
                appendLock.unlock();
            }
        }
    }

    private void checkpointLocked() {
        if (closed || failure != null) {
            return;
        }
        long point = groupCommit.flushedEnd();
        if (point > checkpointed) {
            try {
                active.persistIndexes();
                writeCheckpoint(point);
            } catch (IOException e) {
                LOG.warn("Could not checkpoint log {}: {}", name, e.getMessage());
            }
        }
    }

    private void writeCheckpoint(long point) throws IOException {
        if (point > checkpointed) {
            RecoveryCheckpoint.write(dir, point, config.durability() != Durability.OS);
            checkpointed = point;
        }
    }

    // ------------------------------------------------------------------ read

    /**
     * Calls {@code action} with every record from {@code from} to the end of the log, in offset order, reading a
     * window of batches at a time: the scan a recovery makes of a log it keeps state in. Records below the log start
     * are gone; a scan from below it starts there.
     *
     * @throws StorageException as {@link #read}
     */
    public void forEachRecord(long from, java.util.function.Consumer<Record> action) {
        long offset = Math.max(from, startOffset());
        while (offset < endOffset()) {
            long next = offset;
            for (ByteBuffer buf : read(offset, SCAN_WINDOW_BYTES)) {
                for (RecordBatch batch : RecordBatch.batches(buf)) {
                    for (Record r : batch.records()) {
                        if (r.offset() >= offset) {
                            action.accept(r);
                        }
                        next = Math.max(next, r.offset() + 1);
                    }
                }
            }
            if (next == offset) {
                return; // nothing more to read (a batch without records)
            }
            offset = next;
        }
    }

    /**
     * Reads whole batches starting with the one that holds {@code offset}, up to {@code maxBytes} (at least one batch
     * however large), continuing into later segments. One heap buffer per segment read; every batch in them has passed
     * its CRC check. An offset equal to the end offset gives an empty list.
     *
     * @throws StorageException {@code OFFSET_OUT_OF_RANGE} outside [start, end]; {@code CORRUPT} naming the file and
     *     position of a batch that fails its check
     */
    public List<ByteBuffer> read(long offset, int maxBytes) {
        List<ByteBuffer> buffers = new ArrayList<>();
        collect(offset, maxBytes, (seg, from, to) -> {
            ByteBuffer buf = seg.readBytes(from, to - from);
            int position = 0;
            while (position < buf.limit()) {
                String problem = RecordBatch.problem(buf, position, Integer.MAX_VALUE);
                if (problem != null) {
                    throw seg.corrupt(from + position, problem);
                }
                position += (int) RecordBatch.sizeAt(buf, position);
            }
            buffers.add(buf);
        });
        return buffers;
    }

    /**
     * Like {@link #read} but returns file regions for zero-copy sends instead of copying; each holds its file open until
     * closed. The bytes are not CRC-checked here: Kafka and AMQP consumers of batches check them themselves.
     */
    public List<LogSlice> readSlices(long offset, int maxBytes) {
        List<LogSlice> slices = new ArrayList<>();
        try {
            collect(offset, maxBytes, (seg, from, to) -> {
                FileChannel ch = seg.file().acquire();
                slices.add(new LogSlice(seg.file(), ch, from, to - from));
            });
        } catch (RuntimeException e) {
            slices.forEach(LogSlice::close);
            throw e;
        }
        return slices;
    }

    @FunctionalInterface
    private interface RangeConsumer {
        void accept(Segment segment, int from, int to) throws IOException;
    }

    private void collect(long offset, int maxBytes, RangeConsumer consumer) {
        ensureOpen();
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0: " + maxBytes);
        }
        long start = startOffset();
        long end = endOffset;
        if (offset < start || offset > end) {
            throw new StorageException(
                    Kind.OFFSET_OUT_OF_RANGE,
                    "offset " + offset + " is outside log " + name + " [" + start + ", " + end + "]");
        }
        int remaining = maxBytes;
        long at = offset;
        boolean first = true;
        try {
            while (remaining > 0) {
                Map.Entry<Long, Segment> entry = segments.floorEntry(at);
                if (entry == null) {
                    throw new StorageException(
                            Kind.OFFSET_OUT_OF_RANGE, "offset " + at + " was deleted from log " + name);
                }
                Segment seg = entry.getValue();
                int from = seg.positionOf(at);
                int to = seg.readEnd(from, remaining);
                if (to <= from || (!first && to - from > remaining)) {
                    break;
                }
                consumer.accept(seg, from, to);
                remaining -= to - from;
                first = false;
                Map.Entry<Long, Segment> next = segments.higherEntry(seg.baseOffset());
                if (to < seg.size() || next == null) {
                    break;
                }
                at = next.getKey();
            }
        } catch (ClosedChannelException e) {
            if (closed) {
                throw new StorageException(Kind.CLOSED, "log " + name + " was closed during the read", e);
            }
            throw new StorageException(
                    Kind.OFFSET_OUT_OF_RANGE, "offset " + at + " was deleted from log " + name + " during the read", e);
        } catch (IOException e) {
            throw new StorageException(Kind.IO_ERROR, "read of log " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The first offset whose record timestamp is at least {@code timestamp}, or empty when every record is older. For a
     * compressed batch (stored opaque) it is the batch's first offset.
     */
    public OptionalLong offsetForTimestamp(long timestamp) {
        ensureOpen();
        try {
            for (Segment seg : segments.values()) {
                if (seg.maxTimestamp() < timestamp) {
                    continue;
                }
                int position = seg.positionOfTimestamp(timestamp);
                if (position < 0) {
                    continue;
                }
                ByteBuffer header = seg.readBytes(position, RecordBatch.HEADER_SIZE);
                long batchSize = RecordBatch.sizeAt(header, 0);
                if (batchSize < RecordBatch.HEADER_SIZE || position + batchSize > seg.size()) {
                    throw seg.corrupt(position, "batch length " + batchSize + " runs past the segment");
                }
                ByteBuffer batchBytes = seg.readBytes(position, (int) batchSize);
                String problem = RecordBatch.problem(batchBytes, 0, Integer.MAX_VALUE);
                if (problem != null) {
                    throw seg.corrupt(position, problem);
                }
                RecordBatch batch = RecordBatch.at(batchBytes, 0);
                if (batch.isCompressed()) {
                    return OptionalLong.of(batch.baseOffset());
                }
                return batch.records().stream()
                        .filter(r -> r.timestamp() >= timestamp)
                        .mapToLong(Record::offset)
                        .findFirst();
            }
            return OptionalLong.empty();
        } catch (ClosedChannelException e) {
            throw new StorageException(
                    closed ? Kind.CLOSED : Kind.OFFSET_OUT_OF_RANGE, "segment closed or deleted during the lookup", e);
        } catch (IOException e) {
            throw new StorageException(Kind.IO_ERROR, "time lookup in log " + name + " failed: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ deletion and retention

    /**
     * Deletes every segment all of whose offsets are below {@code offset} (a queue whose messages below it are all
     * acknowledged). The active segment is kept. Returns the number of segments deleted.
     */
    public int deleteSegmentsBelow(long offset) {
        appendLock.lock();
        try {
            ensureOpen();
            List<Segment> doomed = new ArrayList<>();
            for (Segment seg : segments.values()) {
                if (seg == active || seg.nextOffset() > offset) {
                    break;
                }
                doomed.add(seg);
            }
            return delete(doomed, "below offset " + offset);
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Applies retention: deletes the oldest segments whose newest record is older than {@code retentionMs}, then the
     * oldest while the log exceeds {@code retentionBytes}. An expired active segment is rolled first so that an idle
     * stream still ages out. Returns the number of segments deleted.
     */
    public int applyRetention() {
        if (!config.hasRetention()) {
            return 0;
        }
        appendLock.lock();
        try {
            return PooledFile.withInterruptSetAside(this::applyRetentionLocked);
        } finally {
            appendLock.unlock();
        }
    }

    /** Background retention: skipped when the log is busy (a close waiting for its sync must not be blocked). */
    void applyRetentionIfIdle() {
        if (config.hasRetention() && appendLock.tryLock()) {
            try {
                applyRetentionLocked();
            } finally {
                appendLock.unlock();
            }
        }
    }

    private int applyRetentionLocked() {
        ensureOpen();
        if (closing) {
            return 0;
        }
        long now = store.clock().millis();
        List<Segment> doomed = new ArrayList<>();
        long size = sizeInBytes();
        for (Segment seg : segments.values()) {
            boolean expired = config.retentionMs() > 0
                    && seg.maxTimestamp() != RecordBatch.NO_TIMESTAMP
                    && now - seg.maxTimestamp() > config.retentionMs();
            boolean oversize = config.retentionBytes() > 0 && size - seg.size() >= config.retentionBytes();
            if (seg.isEmpty() || !(expired || oversize)) {
                break;
            }
            if (seg == active) {
                if (failure != null) {
                    break;
                }
                roll(now);
            }
            doomed.add(seg);
            size -= seg.size();
        }
        return delete(doomed, "by retention");
    }

    /**
     * Takes {@code doomed} out of the log at once and has the store's unlinker delete their files: the file system takes
     * tens of milliseconds to free a full segment, which must not hold up appends (under the append lock) or the caller
     * (a queue's executor trimming what its consumers acknowledged). A crash before the unlink leaves the files, as a
     * crash before a synchronous unlink's directory update reached the disk always could. Under the append lock.
     */
    private int delete(List<Segment> doomed, String why) {
        if (doomed.isEmpty()) {
            return 0;
        }
        for (Segment seg : doomed) {
            segments.remove(seg.baseOffset());
            seg.retire();
        }
        unlinked = unlinked.thenRunAsync(
                () -> {
                    for (Segment seg : doomed) {
                        try {
                            seg.unlinkFiles();
                        } catch (IOException | RuntimeException e) { // never fail the chain: later unlinks follow
                            LOG.warn("Could not delete {} of log {}: {}", seg.path(), name, e.getMessage());
                        }
                    }
                    LOG.debug("Deleted {} segments of log {} {}", doomed.size(), name, why);
                },
                store::unlinkLater);
        return doomed.size();
    }

    // ------------------------------------------------------------------ lifecycle

    private void ensureOpen() {
        if (closed) {
            throw new StorageException(Kind.CLOSED, "log " + name + " is closed");
        }
    }

    /**
     * Syncs everything, persists the indexes and the recovery point (so the next open needs no recovery scan) and
     * releases the log's files. Appends still waiting for an fsync complete first. Idempotent.
     */
    @Override
    public void close() {
        close(true);
    }

    /** With {@code sync}, a clean shutdown; without, the files are about to be deleted and nothing is worth syncing. */
    private void close(boolean sync) {
        boolean alreadyClosing;
        appendLock.lock();
        try {
            alreadyClosing = closing;
            closing = true; // no appends from here on
            periodicTasks.forEach(t -> t.cancel(false));
        } finally {
            appendLock.unlock();
        }
        if (alreadyClosing) {
            // someone else is closing: return once the log is closed (a storage thread must not wait)
            if (!LogStore.isStorageThread()) {
                closeDone.join();
            }
            return;
        }
        PooledFile.withInterruptSetAside(() -> {
            try {
                finishClose(sync);
            } finally {
                store.onClosed(this);
                closeDone.complete(null);
            }
            return null;
        });
    }

    private void finishClose(boolean sync) {
        // The final sync runs without the append lock: background work that takes it must not stall the sync.
        boolean synced = false;
        if (sync && failure == null) {
            try {
                syncForClose();
                synced = true;
            } catch (StorageException | IOException e) {
                LOG.warn("Final sync of log {} failed: {}", name, e.getMessage());
            }
        }
        appendLock.lock();
        try {
            closed = true;
            groupCommit.failAll(new StorageException(Kind.CLOSED, "log " + name + " was closed"));
            if (synced && failure == null) {
                try {
                    active.persistIndexes();
                    writeCheckpoint(endOffset);
                } catch (IOException e) {
                    LOG.warn("Could not write the recovery point of log {}: {}", name, e.getMessage());
                }
            }
            segments.values().forEach(Segment::close);
        } finally {
            appendLock.unlock();
        }
    }

    /** Syncs everything; on a storage thread (a completion closing the log) inline, as the pool cannot be awaited. */
    private void syncForClose() throws IOException {
        long end = endOffset;
        if (LogStore.isStorageThread()) {
            forceSegments();
            groupCommit.advanceTo(end);
        } else {
            awaitDurable(end);
        }
    }

    /** Closes the log, without syncing what is about to go, and deletes its directory. */
    public void delete() {
        close(false);
        unlinked.join(); // segments trimmed before: their files go first, so the walk below does not race them
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new StorageException(Kind.IO_ERROR, "could not delete log " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Log[" + name + ", start=" + startOffset() + ", end=" + endOffset + ", segments=" + segments.size()
                + "]";
    }
}
