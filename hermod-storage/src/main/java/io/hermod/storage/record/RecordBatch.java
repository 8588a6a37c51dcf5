package io.hermod.storage.record;

import io.hermod.storage.StorageException;
import io.hermod.storage.StorageException.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * A read/write view of one record batch in the Kafka record batch v2 layout (magic 2), the on-disk and Kafka-wire
 * format of every Hermod log. The view covers {@code [start, start + sizeInBytes())} of a buffer and never moves the
 * buffer's position. Not thread-safe; a batch belongs to whoever holds its buffer.
 *
 * <pre>
 *  offset  size  field
 *  0       8     baseOffset            assigned by the log; not covered by the CRC
 *  8       4     batchLength           bytes after this field (total size - 12)
 *  12      4     partitionLeaderEpoch  not covered by the CRC
 *  16      1     magic                 always 2
 *  17      4     crc                   CRC-32C of bytes [21, end)
 *  21      2     attributes            bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 *  23      4     lastOffsetDelta
 *  27      8     baseTimestamp
 *  35      8     maxTimestamp
 *  43      8     producerId
 *  51      2     producerEpoch
 *  53      4     baseSequence
 *  57      4     recordCount
 *  61      ...   records (compressed as a whole when bits 0-2 are non-zero)
 *
 *  record: length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 *          | keyLength varint | key | valueLength varint | value | headerCount varint
 *          | (headerKeyLength varint | headerKey utf8 | headerValueLength varint | headerValue)*
 * </pre>
 */
public final class RecordBatch {

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    public static final int HEADER_SIZE = 61;

    /** Bytes before the length-counted part of a batch: baseOffset and batchLength. */
    public static final int LOG_OVERHEAD = 12;

    /** Enough of the header to know where a batch starts, how long it is and which offsets it holds. */
    public static final int BOUNDS_SIZE = LAST_OFFSET_DELTA_OFFSET + 4;

    public static final byte MAGIC = 2;
    public static final int COMPRESSION_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_MASK = 0x10;
    public static final int CONTROL_MASK = 0x20;
    public static final int NO_TIMESTAMP = -1;

    private final ByteBuffer buf;
    private final int start;

    private RecordBatch(ByteBuffer buf, int start) {
        this.buf = bigEndian(buf);
        this.start = start;
    }

    /** The format is big-endian whatever order the caller's buffer has. */
    private static ByteBuffer bigEndian(ByteBuffer buf) {
        return buf.order() == ByteOrder.BIG_ENDIAN ? buf : buf.duplicate().order(ByteOrder.BIG_ENDIAN);
    }

    /** A view of the batch that starts at {@code start}; its header is not checked (see {@link #validate}). */
    public static RecordBatch at(ByteBuffer buf, int start) {
        return new RecordBatch(buf, start);
    }

    /**
     * Total size of the batch starting at {@code start} according to its length field, or -1 when fewer than
     * {@link #LOG_OVERHEAD} bytes are available. The value is untrusted until the batch is validated.
     */
    public static long sizeAt(ByteBuffer buf, int start) {
        if (buf.limit() - start < LOG_OVERHEAD) {
            return -1;
        }
        return (long) LOG_OVERHEAD + bigEndian(buf).getInt(start + LENGTH_OFFSET);
    }

    /**
     * Checks that a complete, well-formed batch of at most {@code maxSize} bytes starts at {@code start}: length, magic,
     * offset delta and CRC. Returns its size.
     *
     * @throws StorageException of kind {@code kindOnFailure} describing the first problem found
     */
    public static int validate(ByteBuffer buf, int start, int maxSize, Kind kindOnFailure) {
        String problem = problem(buf, start, maxSize);
        if (problem != null) {
            throw new StorageException(kindOnFailure, problem);
        }
        return (int) sizeAt(buf, start);
    }

    /** The first problem with the batch at {@code start}, or null when it is intact. Never throws. */
    public static String problem(ByteBuffer in, int start, int maxSize) {
        ByteBuffer buf = bigEndian(in);
        String problem = headerProblem(buf, start, maxSize);
        if (problem != null) {
            return problem;
        }
        long size = sizeAt(buf, start);
        int available = buf.limit() - start;
        if (size > available) {
            return "incomplete batch: " + available + " of " + size + " bytes";
        }
        long computed = crc(buf, start + ATTRIBUTES_OFFSET, (int) size - ATTRIBUTES_OFFSET);
        return crcProblem(buf, start, computed);
    }

    /**
     * The first problem with the header of the batch at {@code start} (the header must be in {@code buf}; the rest of
     * the batch need not be): length within [61, maxSize], magic, offset delta. Null when the header is sound.
     */
    public static String headerProblem(ByteBuffer in, int start, int maxSize) {
        ByteBuffer buf = bigEndian(in);
        int available = buf.limit() - start;
        if (available < HEADER_SIZE) {
            return "incomplete batch header: " + available + " of " + HEADER_SIZE + " bytes";
        }
        long size = sizeAt(buf, start);
        if (size < HEADER_SIZE || size > maxSize) {
            return "batch length " + size + " outside [" + HEADER_SIZE + ", " + maxSize + "]";
        }
        byte magic = buf.get(start + MAGIC_OFFSET);
        if (magic != MAGIC) {
            return "unsupported magic " + magic;
        }
        if (buf.getInt(start + LAST_OFFSET_DELTA_OFFSET) < 0) {
            return "negative last offset delta";
        }
        return null;
    }

    /** Compares the stored CRC of the batch at {@code start} with {@code computed}; null when they agree. */
    public static String crcProblem(ByteBuffer in, int start, long computed) {
        long stored = Integer.toUnsignedLong(bigEndian(in).getInt(start + CRC_OFFSET));
        if (stored != computed) {
            return "CRC mismatch: stored " + Long.toHexString(stored) + ", computed " + Long.toHexString(computed);
        }
        return null;
    }

    static long crc(ByteBuffer buf, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().limit(from + length).position(from));
        return crc.getValue();
    }

    /** Iterates the batches laid end to end in {@code buf} from its position to its limit (no validation). */
    public static Iterable<RecordBatch> batches(ByteBuffer buf) {
        return () -> new Iterator<>() {
            private int next = buf.position();

            @Override
            public boolean hasNext() {
                long size = sizeAt(buf, next);
                return size >= HEADER_SIZE && next + size <= buf.limit();
            }

            @Override
            public RecordBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RecordBatch batch = new RecordBatch(buf, next);
                next += batch.sizeInBytes();
                return batch;
            }
        };
    }

    public int start() {
        return start;
    }

    public int sizeInBytes() {
        return LOG_OVERHEAD + buf.getInt(start + LENGTH_OFFSET);
    }

    public long baseOffset() {
        return buf.getLong(start + BASE_OFFSET_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    public int lastOffsetDelta() {
        return buf.getInt(start + LAST_OFFSET_DELTA_OFFSET);
    }

    public byte magic() {
        return buf.get(start + MAGIC_OFFSET);
    }

    public long crc() {
        return Integer.toUnsignedLong(buf.getInt(start + CRC_OFFSET));
    }

    public short attributes() {
        return buf.getShort(start + ATTRIBUTES_OFFSET);
    }

    /** Compression codec id as Kafka numbers them (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
    public int compression() {
        return attributes() & COMPRESSION_MASK;
    }

    public boolean isCompressed() {
        return compression() != 0;
    }

    /** True when the broker stamped the batch: every record's timestamp is then the batch's max timestamp. */
    public boolean isLogAppendTime() {
        return (attributes() & TIMESTAMP_TYPE_MASK) != 0;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_MASK) != 0;
    }

    public boolean isControl() {
        return (attributes() & CONTROL_MASK) != 0;
    }

    public long baseTimestamp() {
        return buf.getLong(start + BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buf.getLong(start + MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buf.getLong(start + PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buf.getShort(start + PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buf.getInt(start + BASE_SEQUENCE_OFFSET);
    }

    public int recordCount() {
        return buf.getInt(start + RECORD_COUNT_OFFSET);
    }

    public boolean isValid() {
        return problem(buf, start, Integer.MAX_VALUE) == null;
    }

    /** Sets the base offset in place; the CRC does not cover it, so the batch stays valid. */
    public void setBaseOffset(long baseOffset) {
        buf.putLong(start + BASE_OFFSET_OFFSET, baseOffset);
    }

    /** A read-only view of exactly this batch's bytes. */
    public ByteBuffer bytes() {
        return buf.duplicate()
                .limit(start + sizeInBytes())
                .position(start)
                .slice()
                .asReadOnlyBuffer();
    }

    /**
     * The records of an uncompressed batch. Compressed batches are stored opaque: Hermod keeps and serves them as they
     * came and does not decompress them.
     *
     * @throws StorageException {@code INVALID_BATCH} when the batch is compressed or its records are malformed
     */
    public List<Record> records() {
        if (isCompressed()) {
            throw new StorageException(
                    Kind.INVALID_BATCH,
                    "batch at offset " + baseOffset() + " is compressed (codec " + compression() + ")");
        }
        int count = recordCount();
        int end = start + sizeInBytes();
        if (count < 0 || count > end - start - HEADER_SIZE) {
            throw new StorageException(Kind.INVALID_BATCH, "record count " + count + " does not fit the batch");
        }
        ByteBuffer in = buf.duplicate().limit(end).position(start + HEADER_SIZE);
        List<Record> records = new ArrayList<>(count);
        long baseOffset = baseOffset();
        long baseTimestamp = baseTimestamp();
        long logAppendTime = isLogAppendTime() ? maxTimestamp() : NO_TIMESTAMP;
        try {
            for (int i = 0; i < count; i++) {
                records.add(readRecord(in, baseOffset, baseTimestamp, logAppendTime));
            }
        } catch (RuntimeException e) {
            throw new StorageException(
                    Kind.INVALID_BATCH, "malformed record in batch at offset " + baseOffset + ": " + e.getMessage(), e);
        }
        return records;
    }

    private static Record readRecord(ByteBuffer in, long baseOffset, long baseTimestamp, long logAppendTime) {
        int length = Varints.readVarint(in);
        if (length < 0 || length > in.remaining()) {
            throw new IllegalArgumentException("record length " + length + " exceeds the batch");
        }
        ByteBuffer rec = in.slice(in.position(), length);
        in.position(in.position() + length);
        rec.get(); // attributes: unused in v2
        long timestampDelta = Varints.readVarlong(rec);
        long timestamp = logAppendTime != NO_TIMESTAMP ? logAppendTime : baseTimestamp + timestampDelta;
        long offset = baseOffset + Varints.readVarint(rec);
        ByteBuffer key = readBytes(rec);
        ByteBuffer value = readBytes(rec);
        int headerCount = Varints.readVarint(rec);
        if (headerCount < 0 || headerCount > rec.remaining()) {
            throw new IllegalArgumentException("header count " + headerCount + " exceeds the record");
        }
        List<Header> headers = new ArrayList<>(headerCount);
        for (int h = 0; h < headerCount; h++) {
            ByteBuffer keyBytes = readBytes(rec);
            if (keyBytes == null) {
                throw new IllegalArgumentException("null header key");
            }
            headers.add(new Header(StandardCharsets.UTF_8.decode(keyBytes).toString(), readBytes(rec)));
        }
        if (rec.hasRemaining()) {
            throw new IllegalArgumentException(rec.remaining() + " bytes left over after the record's fields");
        }
        return new Record(offset, timestamp, key, value, List.copyOf(headers));
    }

    private static ByteBuffer readBytes(ByteBuffer rec) {
        int length = Varints.readVarint(rec);
        if (length < 0) {
            return null;
        }
        if (length > rec.remaining()) {
            throw new IllegalArgumentException("field length " + length + " exceeds the record");
        }
        ByteBuffer bytes = rec.slice(rec.position(), length).asReadOnlyBuffer();
        rec.position(rec.position() + length);
        return bytes;
    }

    @Override
    public String toString() {
        return "RecordBatch[baseOffset=" + baseOffset() + ", lastOffsetDelta=" + lastOffsetDelta() + ", size="
                + sizeInBytes() + ", compression=" + compression() + "]";
    }
}
