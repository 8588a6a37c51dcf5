package io.hermod.storage.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds one uncompressed record batch (magic 2, create-time timestamps, no producer id) ready for
 * {@code Log.append}. The base offset is left at 0: the log assigns offsets. Not thread-safe; single use.
 *
 * <p>A writer that appends batch after batch can build each into one scratch buffer of its own ({@link
 * #build(ByteBuffer)}): {@code Log.append} has written the bytes when it returns, so the buffer is free again.
 */
public final class RecordBatchBuilder {

    private record Pending(
            long timestamp, byte[] key, byte[] value, List<Header> headers, byte[][] headerKeys, int bodySize) {}

    private final List<Pending> records = new ArrayList<>();
    private long baseTimestamp = RecordBatch.NO_TIMESTAMP;
    private long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private int recordsSize;

    public RecordBatchBuilder add(long timestamp, byte[] key, byte[] value) {
        return add(timestamp, key, value, List.of());
    }

    /** Adds a record; {@code key} and {@code value} may be null. The arrays are not copied until {@link #build}. */
    public RecordBatchBuilder add(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0: " + timestamp);
        }
        if (records.isEmpty()) {
            baseTimestamp = timestamp;
        }
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        int offsetDelta = records.size();
        int body = 1 // attributes
                + Varints.sizeOfVarlong(timestamp - baseTimestamp)
                + Varints.sizeOfVarint(offsetDelta)
                + sizeOfBytes(key)
                + sizeOfBytes(value)
                + Varints.sizeOfVarint(headers.size());
        byte[][] headerKeys = new byte[headers.size()][];
        for (int h = 0; h < headers.size(); h++) {
            Header header = headers.get(h);
            byte[] headerKey = header.key().getBytes(StandardCharsets.UTF_8);
            headerKeys[h] = headerKey;
            body += Varints.sizeOfVarint(headerKey.length) + headerKey.length;
            body += header.value() == null
                    ? Varints.sizeOfVarint(-1)
                    : Varints.sizeOfVarint(header.value().remaining())
                            + header.value().remaining();
        }
        records.add(new Pending(timestamp, key, value, List.copyOf(headers), headerKeys, body));
        recordsSize += Varints.sizeOfVarint(body) + body;
        return this;
    }

    public int recordCount() {
        return records.size();
    }

    /** The size in bytes the built batch will have. */
    public int sizeInBytes() {
        return RecordBatch.HEADER_SIZE + recordsSize;
    }

    /** Writes the batch into a new heap buffer (position 0, limit = size). */
    public ByteBuffer build() {
        return build(null);
    }

    /**
     * Writes the batch into {@code scratch} when it is large enough (cleared first; its old content is lost), else
     * into a new heap buffer; returns the buffer written, from position 0 to the batch's size.
     */
    public ByteBuffer build(ByteBuffer scratch) {
        if (records.isEmpty()) {
            throw new IllegalStateException("a record batch needs at least one record");
        }
        int size = sizeInBytes();
        ByteBuffer out = scratch != null && scratch.capacity() >= size && !scratch.isReadOnly()
                ? scratch.clear().limit(size)
                : ByteBuffer.allocate(size);
        out.putLong(0L)
                .putInt(sizeInBytes() - RecordBatch.LOG_OVERHEAD)
                .putInt(-1) // partition leader epoch
                .put(RecordBatch.MAGIC)
                .putInt(0) // crc, patched below
                .putShort((short) 0) // attributes: no compression, create time, not transactional
                .putInt(records.size() - 1)
                .putLong(baseTimestamp)
                .putLong(maxTimestamp)
                .putLong(-1L) // producer id
                .putShort((short) -1) // producer epoch
                .putInt(-1) // base sequence
                .putInt(records.size());
        for (int i = 0; i < records.size(); i++) {
            Pending r = records.get(i);
            Varints.writeVarint(r.bodySize, out);
            out.put((byte) 0);
            Varints.writeVarlong(r.timestamp - baseTimestamp, out);
            Varints.writeVarint(i, out);
            writeBytes(r.key, out);
            writeBytes(r.value, out);
            Varints.writeVarint(r.headers.size(), out);
            for (int h = 0; h < r.headers.size(); h++) {
                Header header = r.headers.get(h);
                writeBytes(r.headerKeys[h], out);
                if (header.value() == null) {
                    Varints.writeVarint(-1, out);
                } else {
                    Varints.writeVarint(header.value().remaining(), out);
                    out.put(header.value().duplicate());
                }
            }
        }
        int crc = (int) RecordBatch.crc(out, RecordBatch.ATTRIBUTES_OFFSET, size - RecordBatch.ATTRIBUTES_OFFSET);
        out.putInt(RecordBatch.CRC_OFFSET, crc);
        return out.flip();
    }

    private static int sizeOfBytes(byte[] bytes) {
        return bytes == null ? Varints.sizeOfVarint(-1) : Varints.sizeOfVarint(bytes.length) + bytes.length;
    }

    private static void writeBytes(byte[] bytes, ByteBuffer out) {
        if (bytes == null) {
            Varints.writeVarint(-1, out);
        } else {
            Varints.writeVarint(bytes.length, out);
            out.put(bytes);
        }
    }
}
