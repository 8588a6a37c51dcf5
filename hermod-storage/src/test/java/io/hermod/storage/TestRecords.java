package io.hermod.storage;

import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic test records: record {@code seq} has key = seq (8 bytes) and a value whose length and bytes follow
 * from seq, so any reader can check a record is intact without remembering what was written.
 */
final class TestRecords {

    private TestRecords() {}

    static byte[] key(long seq) {
        return ByteBuffer.allocate(8).putLong(seq).array();
    }

    static byte[] value(long seq, int maxLength) {
        SplittableRandom random = new SplittableRandom(seq * 0x9E3779B97F4A7C15L);
        byte[] value = new byte[1 + random.nextInt(maxLength)];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) random.nextInt(256);
        }
        return value;
    }

    /** A batch of {@code count} records with sequence numbers from {@code firstSeq}, timestamps {@code ts}. */
    static ByteBuffer batch(long firstSeq, int count, int maxValueLength, long timestamp) {
        RecordBatchBuilder builder = new RecordBatchBuilder();
        for (int i = 0; i < count; i++) {
            builder.add(timestamp, key(firstSeq + i), value(firstSeq + i, maxValueLength));
        }
        return builder.build();
    }

    /** Like {@link #batch} but record {@code seq} has timestamp {@code 1000 + seq}. */
    static ByteBuffer batchTimedBySeq(long firstSeq, int count, int maxValueLength) {
        RecordBatchBuilder builder = new RecordBatchBuilder();
        for (int i = 0; i < count; i++) {
            long seq = firstSeq + i;
            builder.add(1000 + seq, key(seq), value(seq, maxValueLength));
        }
        return builder.build();
    }

    static long seqOf(Record record) {
        return record.key().duplicate().getLong();
    }

    /** Checks that {@code record} holds exactly what {@link #value} gives for its key. */
    static boolean intact(Record record, int maxValueLength) {
        long seq = seqOf(record);
        return record.value() != null && record.value().equals(ByteBuffer.wrap(value(seq, maxValueLength)));
    }

    /** Every record of every batch in {@code buffers}. */
    static List<Record> records(List<ByteBuffer> buffers) {
        List<Record> out = new ArrayList<>();
        for (ByteBuffer buf : buffers) {
            for (RecordBatch batch : RecordBatch.batches(buf)) {
                out.addAll(batch.records());
            }
        }
        return out;
    }

    /** Reads the whole log from its start offset. */
    static List<Record> readAll(Log log) {
        List<Record> out = new ArrayList<>();
        long offset = log.startOffset();
        while (offset < log.endOffset()) {
            List<Record> chunk = records(log.read(offset, 1 << 20));
            if (chunk.isEmpty()) {
                break;
            }
            for (Record r : chunk) {
                if (r.offset() >= offset) {
                    out.add(r);
                }
            }
            offset = chunk.get(chunk.size() - 1).offset() + 1;
        }
        return out;
    }
}
