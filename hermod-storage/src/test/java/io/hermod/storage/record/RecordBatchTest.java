package io.hermod.storage.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.StorageException;
import io.hermod.storage.StorageException.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RecordBatchTest {

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBuiltBatchReadsBackWithEveryField() {
        ByteBuffer buf = new RecordBatchBuilder()
                .add(5000, "k1".getBytes(), "v1".getBytes(), List.of(new Header("h", utf8("x")), new Header("n", null)))
                .add(4000, null, "v2".getBytes())
                .add(7000, "k3".getBytes(), null)
                .build();

        RecordBatch batch = RecordBatch.at(buf, 0);
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.magic()).isEqualTo((byte) 2);
        assertThat(batch.sizeInBytes()).isEqualTo(buf.remaining());
        assertThat(batch.recordCount()).isEqualTo(3);
        assertThat(batch.lastOffsetDelta()).isEqualTo(2);
        assertThat(batch.baseTimestamp()).isEqualTo(5000);
        assertThat(batch.maxTimestamp()).isEqualTo(7000);
        assertThat(batch.producerId()).isEqualTo(-1);
        assertThat(batch.isCompressed()).isFalse();

        List<Record> records = batch.records();
        assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L);
        assertThat(records).extracting(Record::timestamp).containsExactly(5000L, 4000L, 7000L);
        assertThat(records.get(0).key()).isEqualTo(utf8("k1"));
        assertThat(records.get(0).headers()).containsExactly(new Header("h", utf8("x")), new Header("n", null));
        assertThat(records.get(1).key()).isNull();
        assertThat(records.get(2).value()).isNull();
    }

    @Test
    void aBatchBuiltIntoAScratchBufferIsTheSameBatchAndReusesTheBuffer() {
        ByteBuffer scratch = ByteBuffer.allocate(4096);
        scratch.put(new byte[] {9, 9, 9}); // left over from an earlier batch
        RecordBatchBuilder builder = new RecordBatchBuilder()
                .add(5000, null, "body".getBytes(), List.of(new Header("e", utf8("x")), new Header("r", utf8("key"))));

        ByteBuffer built = builder.build(scratch);

        assertThat(built).isSameAs(scratch);
        assertThat(built.position()).isZero();
        assertThat(built).isEqualTo(builder.build()); // the same bytes as a fresh buffer, CRC included
        assertThat(RecordBatch.at(built, 0).isValid()).isTrue();

        ByteBuffer second =
                new RecordBatchBuilder().add(1, null, "two".getBytes()).build(scratch);
        assertThat(second).isSameAs(scratch);
        assertThat(RecordBatch.at(second, 0).records().get(0).value()).isEqualTo(utf8("two"));
    }

    @Test
    void aScratchBufferTooSmallOrReadOnlyIsLeftAlone() {
        RecordBatchBuilder builder = new RecordBatchBuilder().add(1, null, new byte[100]);
        ByteBuffer small = ByteBuffer.allocate(10);
        ByteBuffer readOnly = ByteBuffer.allocate(4096).asReadOnlyBuffer();

        assertThat(builder.build(small)).isNotSameAs(small).isEqualTo(builder.build());
        assertThat(builder.build(readOnly)).isNotSameAs(readOnly).isEqualTo(builder.build());
        assertThat(small.position()).isZero();
    }

    @Test
    void settingTheBaseOffsetKeepsTheBatchValid() {
        ByteBuffer buf = new RecordBatchBuilder()
                .add(1, null, new byte[10])
                .add(2, null, new byte[10])
                .build();
        RecordBatch batch = RecordBatch.at(buf, 0);

        batch.setBaseOffset(1_000_000_000_000L);

        assertThat(batch.isValid()).isTrue();
        assertThat(batch.lastOffset()).isEqualTo(1_000_000_000_001L);
        assertThat(batch.records()).extracting(Record::offset).containsExactly(1_000_000_000_000L, 1_000_000_000_001L);
    }

    @RepeatedTest(20)
    void anyFlippedByteAfterTheBaseOffsetAndEpochIsDetected() {
        Random random = new Random();
        ByteBuffer buf = new RecordBatchBuilder()
                .add(1, "key".getBytes(), new byte[100])
                .add(2, "key".getBytes(), new byte[50])
                .build();
        int position = RecordBatch.MAGIC_OFFSET + random.nextInt(buf.remaining() - RecordBatch.MAGIC_OFFSET);
        buf.put(position, (byte) (buf.get(position) ^ (1 + random.nextInt(255))));

        assertThat(RecordBatch.problem(buf, 0, Integer.MAX_VALUE))
                .as("flip at %d", position)
                .isNotNull();
    }

    @Test
    void truncatedOrOversizedBatchesAreReportedNotThrown() {
        ByteBuffer buf = new RecordBatchBuilder().add(1, null, new byte[100]).build();

        assertThat(RecordBatch.problem(buf.duplicate().limit(40), 0, Integer.MAX_VALUE))
                .contains("incomplete batch header");
        assertThat(RecordBatch.problem(buf.duplicate().limit(100), 0, Integer.MAX_VALUE))
                .contains("incomplete batch");
        assertThat(RecordBatch.problem(buf, 0, 100)).contains("outside");
        assertThat(RecordBatch.problem(ByteBuffer.allocate(61), 0, Integer.MAX_VALUE))
                .isNotNull();
        assertThatThrownBy(() -> RecordBatch.validate(buf, 0, 100, Kind.INVALID_BATCH))
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_BATCH));
    }

    @Test
    void malformedRecordsInsideAValidBatchFailCleanly() {
        // a batch whose CRC is right but whose record count lies: records() must not run off the end
        ByteBuffer buf = new RecordBatchBuilder().add(1, null, new byte[10]).build();
        buf.putInt(RecordBatch.RECORD_COUNT_OFFSET, 5);
        int crc = (int)
                RecordBatch.crc(buf, RecordBatch.ATTRIBUTES_OFFSET, buf.remaining() - RecordBatch.ATTRIBUTES_OFFSET);
        buf.putInt(RecordBatch.CRC_OFFSET, crc);

        assertThat(RecordBatch.at(buf, 0).isValid()).isTrue();
        assertThatThrownBy(() -> RecordBatch.at(buf, 0).records())
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_BATCH));
    }

    @Test
    void aLittleEndianBufferIsReadAsTheBigEndianFormat() {
        ByteBuffer buf = new RecordBatchBuilder().add(1, null, new byte[10]).build();
        ByteBuffer little = buf.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);

        assertThat(RecordBatch.problem(little, 0, Integer.MAX_VALUE)).isNull();
        assertThat(RecordBatch.sizeAt(little, 0)).isEqualTo(buf.remaining());
        assertThat(RecordBatch.batches(little)).hasSize(1);
    }

    @Test
    void batchesLaidEndToEndAreIterated() {
        ByteBuffer a = new RecordBatchBuilder().add(1, null, new byte[3]).build();
        ByteBuffer b = new RecordBatchBuilder()
                .add(2, null, new byte[5])
                .add(3, null, new byte[5])
                .build();
        ByteBuffer both =
                ByteBuffer.allocate(a.remaining() + b.remaining()).put(a).put(b).flip();

        assertThat(RecordBatch.batches(both))
                .extracting(RecordBatch::recordCount)
                .containsExactly(1, 2);
    }

    @Test
    void varintsRoundTripAtTheirBoundaries() {
        int[] ints = {0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, Integer.MAX_VALUE, Integer.MIN_VALUE};
        long[] longs = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 35, -(1L << 35)};
        ByteBuffer buf = ByteBuffer.allocate(200);
        for (int v : ints) {
            Varints.writeVarint(v, buf);
        }
        for (long v : longs) {
            Varints.writeVarlong(v, buf);
        }
        buf.flip();
        for (int v : ints) {
            int before = buf.position();
            assertThat(Varints.readVarint(buf)).isEqualTo(v);
            assertThat(buf.position() - before).isEqualTo(Varints.sizeOfVarint(v));
        }
        for (long v : longs) {
            int before = buf.position();
            assertThat(Varints.readVarlong(buf)).isEqualTo(v);
            assertThat(buf.position() - before).isEqualTo(Varints.sizeOfVarlong(v));
        }
        ByteBuffer endless = ByteBuffer.wrap(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1});
        assertThatThrownBy(() -> Varints.readVarint(endless.duplicate())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Varints.readVarlong(endless.duplicate())).isInstanceOf(IllegalArgumentException.class);
    }
}
