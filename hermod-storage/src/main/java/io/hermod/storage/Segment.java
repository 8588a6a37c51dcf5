package io.hermod.storage;

import io.hermod.storage.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a log: a file of record batches laid end to end, named by the offset of its first record, with a
 * sparse offset index and a time index beside it.
 *
 * <pre>
 *  00000000000000000000.log        batches, each a Kafka record batch v2 (see RecordBatch)
 *  00000000000000000000.index      relative offset -> file position, one entry per indexIntervalBytes
 *  00000000000000000000.timeindex  max timestamp so far -> relative offset, same interval
 * </pre>
 *
 * <p>Threading: the owning {@link Log}'s append lock serialises every mutation (append, truncate, index writes,
 * close). Readers on any thread see a consistent prefix: {@code size} and {@code nextOffset} are volatile and
 * published after the bytes are written, and nothing before {@code size} ever changes.
 */
final class Segment {

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";

    private final long baseOffset;
    private final PooledFile file;
    private final SparseIndex offsetIndex;
    private final SparseIndex timeIndex;
    private final int indexIntervalBytes;
    private final long createdMs;

    private static final Logger LOG = LoggerFactory.getLogger(Segment.class);
    private static final int IO_CHUNK = 1 << 20;

    private volatile int size;
    private volatile boolean indexSuspect;
    private volatile boolean deleted;
    private volatile long nextOffset;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private long offsetOfMaxTimestamp;
    private int bytesSinceOffsetEntry;
    private int bytesSinceTimeEntry;

    Segment(Path dir, long baseOffset, FileHandlePool pool, boolean pinWhileDirty, int indexIntervalBytes, long nowMs) {
        this.baseOffset = baseOffset;
        this.file = new PooledFile(pool, dir.resolve(fileName(baseOffset, LOG_SUFFIX)), pinWhileDirty);
        this.offsetIndex = new SparseIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)), SparseIndex.Layout.OFFSET);
        this.timeIndex = new SparseIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)), SparseIndex.Layout.TIME);
        this.indexIntervalBytes = indexIntervalBytes;
        this.createdMs = nowMs;
        this.nextOffset = baseOffset;
    }

    static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    long baseOffset() {
        return baseOffset;
    }

    /** One past the last offset stored here (the base offset when empty). */
    long nextOffset() {
        return nextOffset;
    }

    int size() {
        return size;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    long createdMs() {
        return createdMs;
    }

    Path path() {
        return file.path();
    }

    PooledFile file() {
        return file;
    }

    SparseIndex offsetIndex() {
        return offsetIndex;
    }

    SparseIndex timeIndex() {
        return timeIndex;
    }

    /** True once retention or deletion removed the segment's files. */
    boolean isDeleted() {
        return deleted;
    }

    boolean isEmpty() {
        return size == 0;
    }

    // ------------------------------------------------------------------ writing (append lock held)

    /** Writes {@code batches} (whole, validated, offsets assigned) at the end of the file. */
    void write(ByteBuffer batches, long lastOffset) throws IOException {
        int position = size;
        file.use(ch -> {
            ByteBuffer src = batches.duplicate();
            long at = position;
            while (src.hasRemaining()) {
                // at most IO_CHUNK per call: the JDK copies heap buffers through a per-thread direct buffer that
                // stays as large as the largest call ever made on that thread
                ByteBuffer chunk = src.slice(src.position(), Math.min(src.remaining(), IO_CHUNK));
                int n = ch.write(chunk, at);
                at += n;
                src.position(src.position() + n);
            }
            file.markWritten(at); // while leased, so the pool never closes the file with these bytes unsynced
            return null;
        });
        for (RecordBatch batch : RecordBatch.batches(batches)) {
            onBatch(position + batch.start() - batches.position(), batch);
        }
        int newSize = position + batches.remaining();
        nextOffset = lastOffset + 1;
        size = newSize;
    }

    /** Updates indexes and timestamps for a batch now stored at {@code position}. */
    private void onBatch(int position, RecordBatch batch) {
        int batchSize = batch.sizeInBytes();
        int relative = (int) (batch.baseOffset() - baseOffset);
        if (offsetIndex.count() == 0 || bytesSinceOffsetEntry >= indexIntervalBytes) {
            offsetIndex.append(relative, position);
            bytesSinceOffsetEntry = 0;
        }
        bytesSinceOffsetEntry += batchSize;
        long ts = batch.maxTimestamp();
        if (ts > maxTimestamp) {
            maxTimestamp = ts;
            offsetOfMaxTimestamp = batch.baseOffset();
            if (bytesSinceTimeEntry >= indexIntervalBytes || timeIndex.count() == 0) {
                timeIndex.append(ts, relative);
                bytesSinceTimeEntry = 0;
            }
        }
        bytesSinceTimeEntry += batchSize;
    }

    /** Forces written bytes to stable storage. */
    void force() throws IOException {
        if (!file.isDirty()) {
            return;
        }
        long mark = file.writeMark();
        file.use(ch -> {
            ch.force(false);
            return null;
        });
        file.markForced(mark);
    }

    /**
     * Appends the index entries not yet in their files (at roll, checkpoint and close). The time index first gets an
     * entry for the segment's max timestamp so far, so that recovery, retention and time lookups never miss it. Index
     * files are not synced: a crash that garbles them costs a rebuild from the data, never data.
     */
    void persistIndexes() throws IOException {
        if (indexSuspect) {
            // never write on top of entries that disagree with the data: the next open rebuilds from the segment
            offsetIndex.delete();
            timeIndex.delete();
            return;
        }
        if (maxTimestamp != RecordBatch.NO_TIMESTAMP && maxTimestamp > timeIndex.lastKey()) {
            timeIndex.append(maxTimestamp, (int) (offsetOfMaxTimestamp - baseOffset));
        }
        offsetIndex.persist();
        timeIndex.persist();
    }

    // ------------------------------------------------------------------ reading (any thread)

    /** Reads {@code length} bytes at {@code position} into a new heap buffer (position 0, limit = bytes read). */
    ByteBuffer readBytes(long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        return file.use(ch -> {
            buf.clear();
            long at = position;
            while (buf.hasRemaining()) {
                ByteBuffer chunk = buf.slice(buf.position(), Math.min(buf.remaining(), IO_CHUNK));
                int n = ch.read(chunk, at);
                if (n < 0) {
                    break;
                }
                at += n;
                buf.position(buf.position() + n);
            }
            return buf.flip();
        });
    }

    /**
     * File position of the batch holding {@code offset}: from the offset index's floor entry, walk batch headers. The
     * offset must be in [baseOffset, nextOffset); returns {@code size()} when no batch holds it.
     */
    int positionOf(long offset) throws IOException {
        int entry = indexSuspect ? -1 : offsetIndex.floor(offset - baseOffset);
        if (entry >= 0) {
            long entryOffset = baseOffset + offsetIndex.key(entry);
            int position = findBatch(
                    offsetIndex.value(entry), b -> b.baseOffset() == entryOffset, b -> b.lastOffset() >= offset);
            if (position != INDEX_MISMATCH) {
                return position < 0 ? size : position;
            }
        }
        int position = findBatch(0, null, b -> b.lastOffset() >= offset);
        return position < 0 ? size : position;
    }

    /** Position of the first batch whose max timestamp is at least {@code timestamp}, or -1. */
    int positionOfTimestamp(long timestamp) throws IOException {
        int entry = indexSuspect ? -1 : timeIndex.floor(timestamp - 1);
        if (entry >= 0) {
            long entryOffset = baseOffset + timeIndex.value(entry);
            long entryTimestamp = timeIndex.key(entry);
            int position = findBatch(
                    positionOf(entryOffset),
                    b -> b.baseOffset() == entryOffset && b.maxTimestamp() == entryTimestamp,
                    b -> b.maxTimestamp() >= timestamp);
            if (position != INDEX_MISMATCH) {
                return position;
            }
        }
        return findBatch(0, null, b -> b.maxTimestamp() >= timestamp);
    }

    private static final int INDEX_MISMATCH = -2;

    /**
     * Walks batch headers from {@code position}, which an index entry gave, to the first batch that {@code wanted}
     * accepts; -1 when none does. When the first batch does not agree with the entry ({@code entryAgrees}), the index
     * is marked suspect (lookups then walk from the start, and the index is rebuilt at the next open) and
     * {@link #INDEX_MISMATCH} is returned. With {@code entryAgrees} null the walk starts at the segment's start, and an
     * unreadable header is corruption.
     */
    private int findBatch(int position, Predicate<RecordBatch> entryAgrees, Predicate<RecordBatch> wanted)
            throws IOException {
        int limit = size;
        boolean first = true;
        while (position < limit) {
            ByteBuffer header = readBytes(position, RecordBatch.HEADER_SIZE);
            RecordBatch batch = RecordBatch.at(header, 0);
            boolean readable = header.remaining() == RecordBatch.HEADER_SIZE
                    && batch.sizeInBytes() >= RecordBatch.HEADER_SIZE
                    && batch.magic() == RecordBatch.MAGIC;
            if (first && entryAgrees != null && (!readable || !entryAgrees.test(batch))) {
                return markIndexSuspect(position);
            }
            if (!readable) {
                throw corrupt(position, "unreadable batch header");
            }
            first = false;
            if (wanted.test(batch)) {
                return position;
            }
            position += batch.sizeInBytes();
        }
        return -1;
    }

    private int markIndexSuspect(int position) {
        if (!indexSuspect) {
            indexSuspect = true;
            LOG.warn(
                    "Index of {} does not agree with the data at position {}; lookups scan the segment until it is"
                            + " rebuilt at the next open",
                    file.path(),
                    position);
        }
        return INDEX_MISMATCH;
    }

    /**
     * End of the last whole batch in {@code [from, from + maxBytes)}, or the end of the batch at {@code from} when that
     * one alone is larger (a read always returns at least one batch). {@code from} must be a batch start. Walks at most
     * one index interval of headers.
     */
    int readEnd(int from, int maxBytes) throws IOException {
        int end = size;
        long limit = (long) from + maxBytes;
        if (limit >= end) {
            return end;
        }
        int entry = indexSuspect ? -1 : offsetIndex.floorByValue(limit);
        int position = from;
        if (entry >= 0 && offsetIndex.value(entry) > from) {
            // every batch before an index entry that starts within the limit ends within it too
            int entryPosition = offsetIndex.value(entry);
            ByteBuffer header = readBytes(entryPosition, RecordBatch.BOUNDS_SIZE);
            if (header.remaining() == RecordBatch.BOUNDS_SIZE
                    && RecordBatch.at(header, 0).baseOffset() == baseOffset + offsetIndex.key(entry)) {
                position = entryPosition;
            } else {
                markIndexSuspect(entryPosition);
            }
        }
        while (position < end) {
            long batchEnd = position + batchSizeAt(position);
            if (batchEnd > limit) {
                break;
            }
            position = (int) batchEnd;
        }
        return position > from ? position : (int) Math.min(end, from + batchSizeAt(from));
    }

    private long batchSizeAt(int position) throws IOException {
        long batchSize = RecordBatch.sizeAt(readBytes(position, RecordBatch.LOG_OVERHEAD), 0);
        if (batchSize < RecordBatch.HEADER_SIZE) {
            throw corrupt(position, "unreadable batch header");
        }
        return batchSize;
    }

    StorageException corrupt(long position, String problem) {
        return new StorageException(
                StorageException.Kind.CORRUPT,
                "corrupt segment " + file.path() + " at position " + position + ": " + problem);
    }

    // ------------------------------------------------------------------ recovery (single-threaded, before use)

    /** Where and why a recovery scan stopped short of the end of the file. */
    record Damage(int position, long expectedOffset, String problem) {}

    private static final int SCAN_CHUNK = 1 << 20;

    /**
     * Validates every batch from {@code from} (a batch start holding {@code expectedOffset}) to the end of the file by
     * length, magic, contiguous offsets and CRC-32C, re-adding index entries on the way, and makes the segment end at
     * the last intact batch. Returns null when the whole file is intact, else the first damage found; the file itself
     * is not changed (the caller decides between truncating a torn tail and failing the open).
     */
    Damage recover(int from, long expectedOffset) throws IOException {
        long fileSize = fileSize();
        // what the (already trimmed) time index knows of the part before {@code from}
        maxTimestamp = timeIndex.count() == 0 ? RecordBatch.NO_TIMESTAMP : timeIndex.lastKey();
        offsetOfMaxTimestamp = baseOffset + Math.max(0, timeIndex.lastValue());
        bytesSinceOffsetEntry = indexIntervalBytes;
        bytesSinceTimeEntry = indexIntervalBytes;
        int position = from;
        long next = expectedOffset;
        ByteBuffer chunk = ByteBuffer.allocate(0);
        long chunkStart = from;
        Damage damage = null;
        while (position < fileSize) {
            int rel = (int) (position - chunkStart);
            long wanted = RecordBatch.sizeAt(chunk, rel);
            if (wanted < RecordBatch.HEADER_SIZE || rel + wanted > chunk.limit()) {
                chunk = readBytes(position, (int) Math.min(SCAN_CHUNK, fileSize - position));
                chunkStart = position;
                rel = 0;
                wanted = RecordBatch.sizeAt(chunk, 0);
            }
            // Stored batches are bounded by the file, not by today's maxBatchBytes: a lowered limit must not turn
            // acknowledged data into "damage". A batch larger than a chunk is checked streaming, never held whole.
            String problem = wanted > chunk.limit() && chunk.limit() >= RecordBatch.HEADER_SIZE
                    ? largeBatchProblem(chunk, position, wanted, fileSize)
                    : RecordBatch.problem(chunk, rel, Integer.MAX_VALUE);
            RecordBatch batch = RecordBatch.at(chunk, rel);
            if (problem == null && batch.baseOffset() != next) {
                problem = "batch has base offset " + batch.baseOffset() + " where " + next + " was expected";
            }
            if (problem == null && batch.lastOffset() - baseOffset > Integer.MAX_VALUE) {
                problem = "offset " + batch.lastOffset() + " too far from the segment's base";
            }
            if (problem != null) {
                damage = new Damage(position, next, problem);
                break;
            }
            onBatch(position, batch);
            position += batch.sizeInBytes();
            next = batch.lastOffset() + 1;
        }
        size = position;
        nextOffset = next;
        file.markWritten(position); // not known to be synced: the loader decides
        return damage;
    }

    /** Checks a batch that starts at {@code position} (its header at the start of {@code head}) chunk by chunk. */
    private String largeBatchProblem(ByteBuffer head, long position, long batchSize, long fileSize) throws IOException {
        String problem = RecordBatch.headerProblem(head, 0, Integer.MAX_VALUE);
        if (problem != null) {
            return problem;
        }
        if (position + batchSize > fileSize) {
            return "incomplete batch: " + (fileSize - position) + " of " + batchSize + " bytes";
        }
        CRC32C crc = new CRC32C();
        long at = position + RecordBatch.ATTRIBUTES_OFFSET;
        long end = position + batchSize;
        while (at < end) {
            ByteBuffer piece = readBytes(at, (int) Math.min(SCAN_CHUNK, end - at));
            if (!piece.hasRemaining()) {
                return "batch cut short at position " + at;
            }
            at += piece.remaining();
            crc.update(piece);
        }
        return RecordBatch.crcProblem(head, 0, crc.getValue());
    }

    /** Cuts the file at {@code position} (a torn tail) and drops index entries that point past it. */
    void truncate(int position) throws IOException {
        file.use(ch -> {
            ch.truncate(position);
            ch.force(true);
            return null;
        });
        offsetIndex.truncateTo(offsetIndex.floorByValue(position - 1) + 1);
    }

    long fileSize() throws IOException {
        return file.use(FileChannel::size);
    }

    void close() {
        file.close();
    }

    /** Retires the segment and deletes its files now (recovery, which syncs the directory next). */
    void deleteFiles() throws IOException {
        retire();
        unlinkFiles();
    }

    /** Takes the segment out of use: no read or sync touches its file again ({@link #unlinkFiles} removes it). */
    void retire() {
        deleted = true;
        file.close();
    }

    /** Deletes the files of a retired segment. */
    void unlinkFiles() throws IOException {
        Files.deleteIfExists(file.path());
        offsetIndex.delete();
        timeIndex.delete();
    }

    @Override
    public String toString() {
        return "Segment[" + file.path().getFileName() + ", size=" + size + ", next=" + nextOffset + "]";
    }
}
