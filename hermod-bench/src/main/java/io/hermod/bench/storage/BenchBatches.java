package io.hermod.bench.storage;

import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Builds the record batches the storage benchmarks append: uncompressed v2 batches of records with no key, no headers
 * and a value of incompressible pseudo-random bytes (so that neither the file system nor a thin-provisioned virtual
 * disk can shortcut runs of zeros). A 1 KiB record takes 1,033 bytes in a batch (1,034 from the 65th record of a
 * batch on, when its offset delta needs a second varint byte), and a batch adds a 61-byte header.
 *
 * <p>Threading: stateless; every call returns a new heap buffer owned by the caller.
 */
final class BenchBatches {

    static final int RECORD_VALUE_BYTES = 1024;
    private static final long TIMESTAMP = 1_700_000_000_000L;

    private BenchBatches() {}

    /** One batch of {@code records} records of {@code valueBytes} random bytes each (position 0, limit = size). */
    static ByteBuffer batch(int records, int valueBytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        RecordBatchBuilder builder = new RecordBatchBuilder();
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            random.nextBytes(value);
            builder.add(TIMESTAMP, null, value);
        }
        return builder.build();
    }

    /** {@code count} copies of {@code batch} laid end to end, as one append of several batches (position 0). */
    static ByteBuffer repeat(ByteBuffer batch, int count) {
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(batch.remaining(), count));
        for (int i = 0; i < count; i++) {
            out.put(batch.duplicate());
        }
        return out.flip();
    }

    /** {@code bytes} pseudo-random bytes in a heap buffer (position 0, limit = capacity). */
    static ByteBuffer randomBytes(int bytes, long seed) {
        byte[] data = new byte[bytes];
        new SplittableRandom(seed).nextBytes(data);
        return ByteBuffer.wrap(data);
    }
}
