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

    private record Pending(long timestamp, byte[] key, byte[] value, List<Header> headers, int bodySize) {}

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
        for (int h = 0; h < headers.size(); h++) {
            Header header = headers.get(h);
            int keyLength = utf8Length(header.key());
            body += Varints.sizeOfVarint(keyLength) + keyLength;
            body += header.value() == null
                    ? Varints.sizeOfVarint(-1)
                    : Varints.sizeOfVarint(header.value().remaining())
                            + header.value().remaining();
        }
        records.add(new Pending(timestamp, key, value, List.copyOf(headers), body));
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
                writeKey(header.key(), out);
                ByteBuffer value = header.value();
                if (value == null) {
                    Varints.writeVarint(-1, out);
                } else {
                    // an absolute put: no duplicate per header, and the value's position stays where it was
                    int length = value.remaining();
                    Varints.writeVarint(length, out);
                    out.put(out.position(), value, value.position(), length);
                    out.position(out.position() + length);
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

    /*
     * Header keys are short ASCII names in practice ("e", "r", ... for queue messages): measured and written straight
     * from the string, without a byte array per header per record; other keys go through the UTF-8 encoder.
     */

    private static int utf8Length(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }

    private static void writeKey(String key, ByteBuffer out) {
        int length = utf8Length(key);
        Varints.writeVarint(length, out);
        if (length != key.length()) {
            out.put(key.getBytes(StandardCharsets.UTF_8));
            return;
        }
        for (int i = 0; i < length; i++) {
            out.put((byte) key.charAt(i));
        }
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
