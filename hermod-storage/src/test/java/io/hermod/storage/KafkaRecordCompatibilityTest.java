package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.StorageException.Kind;
import io.hermod.storage.record.Header;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves that Hermod's record batches and Kafka's are the same bytes, both ways: what Hermod builds and stores parses
 * with Kafka's own {@code MemoryRecords} (valid CRC, same records), and what Kafka's {@code MemoryRecordsBuilder} builds
 * (uncompressed, compressed with every codec, idempotent) goes through a Hermod log unchanged but for the base offset
 * the log assigns. kafka-clients is a test dependency only; in 4.4.0 its record classes live in
 * {@code org.apache.kafka.common.record.internal}.
 */
@Timeout(60)
class KafkaRecordCompatibilityTest {

    private static final long T = 1_700_000_000_000L;
    private static final int ALL = Integer.MAX_VALUE;

    @TempDir
    Path dir;

    LogStore store;
    Log log;

    @BeforeEach
    void openLog() {
        store = LogStore.open(LogStoreConfig.of(dir));
        log = store.openLog(
                "compat", LogConfig.builder().durability(Durability.OS).build());
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // ------------------------------------------------------------------ test model

    /** A header as both sides see it; the value is the bytes read as ISO-8859-1 (one char per byte), null if absent. */
    record Hdr(String key, String value) {}

    /** A record as both sides see it; key and value as in {@link Hdr}. */
    record Rec(long offset, long timestamp, String key, String value, List<Hdr> headers) {
        Rec shiftedBy(long baseOffset) {
            return new Rec(baseOffset + offset, timestamp, key, value, headers);
        }
    }

    static List<Rec> shifted(List<Rec> records, long baseOffset) {
        return records.stream().map(r -> r.shiftedBy(baseOffset)).toList();
    }

    /**
     * Null and empty keys and values, a null header value, a non-ASCII header key, binary bytes, a value long enough for
     * a two-byte length varint, and timestamps before the first record's (negative deltas) and far from it.
     */
    static List<Rec> mixedRecords() {
        return List.of(
                new Rec(
                        0,
                        T,
                        "key-0",
                        "value-0",
                        List.of(new Hdr("trace-id", "abc-123"), new Hdr("null-valued", null))),
                new Rec(1, T + 1_500, null, "value without a key", List.of()),
                new Rec(2, T - 60_000, "key-2", null, List.of(new Hdr("tombstone", "yes"))),
                new Rec(3, T + 3_600_000, "", "\u0000\u00ff\u0080\u007f binary", List.of(new Hdr("clé-ü", ""))),
                new Rec(4, 0L, "epoch", "x".repeat(300), List.of()),
                new Rec(5, T + 7, null, null, List.of(new Hdr("only", null), new Hdr("only", "twice"))));
    }

    static List<Rec> manyRecords(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> new Rec(
                        i,
                        T + (i % 7) * 1_000L - i,
                        i % 3 == 0 ? null : "key-" + i,
                        "value-" + i + "-" + "v".repeat(i % 50),
                        i % 5 == 0 ? List.of(new Hdr("n", Integer.toString(i)), new Hdr("none", null)) : List.of()))
                .toList();
    }

    static long maxTimestamp(List<Rec> records) {
        return records.stream().mapToLong(Rec::timestamp).max().orElseThrow();
    }

    static byte[] bytes(String latin1) {
        return latin1 == null ? null : latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String latin1(ByteBuffer buf) {
        return buf == null
                ? null
                : StandardCharsets.ISO_8859_1.decode(buf.duplicate()).toString();
    }

    static String latin1(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ building and reading

    static ByteBuffer hermodBatch(List<Rec> records) {
        RecordBatchBuilder builder = new RecordBatchBuilder();
        for (Rec r : records) {
            List<Header> headers = r.headers().stream()
                    .map(h -> new Header(h.key(), h.value() == null ? null : ByteBuffer.wrap(bytes(h.value()))))
                    .toList();
            builder.add(r.timestamp(), bytes(r.key()), bytes(r.value()), headers);
        }
        return builder.build();
    }

    /** Kafka's headers for a record; a fresh array each time because Kafka's builder keeps no reference anyway. */
    static org.apache.kafka.common.header.Header[] kafkaHeaders(Rec r) {
        return r.headers().stream()
                .map(h -> new RecordHeader(h.key(), bytes(h.value())))
                .toArray(org.apache.kafka.common.header.Header[]::new);
    }

    /** Appends the records to Kafka's builder and returns the batch in a fresh heap buffer (position 0). */
    static ByteBuffer kafkaBatch(MemoryRecordsBuilder builder, List<Rec> records) {
        for (Rec r : records) {
            builder.append(r.timestamp(), bytes(r.key()), bytes(r.value()), kafkaHeaders(r));
        }
        return copy(builder.build().buffer());
    }

    static ByteBuffer kafkaBatch(Compression compression, long baseOffset, List<Rec> records) {
        return kafkaBatch(
                MemoryRecords.builder(ByteBuffer.allocate(256), compression, TimestampType.CREATE_TIME, baseOffset),
                records);
    }

    static ByteBuffer copy(ByteBuffer buf) {
        ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
        copy.put(buf.duplicate());
        return copy.flip();
    }

    static ByteBuffer concat(List<ByteBuffer> buffers) {
        ByteBuffer all = ByteBuffer.allocate(
                buffers.stream().mapToInt(ByteBuffer::remaining).sum());
        buffers.forEach(b -> all.put(b.duplicate()));
        return all.flip();
    }

    static byte[] array(ByteBuffer buf) {
        byte[] bytes = new byte[buf.remaining()];
        buf.duplicate().get(bytes);
        return bytes;
    }

    /** Kafka's view of the batches in {@code buf}; the buffer is not touched. */
    static List<MutableRecordBatch> kafkaBatches(ByteBuffer buf) {
        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(buf.duplicate()).batches().forEach(batches::add);
        return batches;
    }

    static List<Rec> kafkaRecords(MutableRecordBatch batch) {
        List<Rec> records = new ArrayList<>();
        for (org.apache.kafka.common.record.internal.Record r : batch) {
            records.add(new Rec(
                    r.offset(),
                    r.timestamp(),
                    latin1(r.key()),
                    latin1(r.value()),
                    Arrays.stream(r.headers())
                            .map(h -> new Hdr(h.key(), latin1(h.value())))
                            .toList()));
        }
        return records;
    }

    static List<Rec> hermodRecords(RecordBatch batch) {
        return batch.records().stream().map(KafkaRecordCompatibilityTest::toRec).toList();
    }

    static Rec toRec(Record r) {
        return new Rec(
                r.offset(),
                r.timestamp(),
                latin1(r.key()),
                latin1(r.value()),
                r.headers().stream()
                        .map(h -> new Hdr(h.key(), latin1(h.value())))
                        .toList());
    }

    /** The log's whole content from {@code offset} as one buffer. */
    ByteBuffer readFrom(long offset) {
        return concat(log.read(offset, ALL));
    }

    /**
     * Asserts that {@code actual} holds exactly the batches of {@code original}, byte for byte, except that their base
     * offsets are {@code baseOffsets} (the only field the log may change).
     */
    static void assertSameBatchesExceptBaseOffsets(ByteBuffer actual, ByteBuffer original, long... baseOffsets) {
        ByteBuffer expected = copy(original);
        int position = 0;
        for (long baseOffset : baseOffsets) {
            expected.putLong(position, baseOffset);
            position += RecordBatch.LOG_OVERHEAD + expected.getInt(position + RecordBatch.LENGTH_OFFSET);
        }
        assertThat(position).as("batches in the original").isEqualTo(expected.limit());
        assertThat(array(actual)).isEqualTo(array(expected));
    }

    /** Everything Kafka checks and reports of a batch Hermod built: valid, magic 2, create time, no producer. */
    static void assertKafkaSeesHermodBatch(MutableRecordBatch batch, long baseOffset, List<Rec> built) {
        assertThatCode(batch::ensureValid).doesNotThrowAnyException();
        assertThat(batch.isValid()).isTrue();
        assertThat(batch.magic()).isEqualTo(MutableRecordBatch.MAGIC_VALUE_V2);
        assertThat(batch.compressionType()).isEqualTo(CompressionType.NONE);
        assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(batch.isTransactional()).isFalse();
        assertThat(batch.isControlBatch()).isFalse();
        assertThat(batch.hasProducerId()).isFalse();
        assertThat(batch.producerId()).isEqualTo(MutableRecordBatch.NO_PRODUCER_ID);
        assertThat(batch.producerEpoch()).isEqualTo(MutableRecordBatch.NO_PRODUCER_EPOCH);
        assertThat(batch.baseSequence()).isEqualTo(MutableRecordBatch.NO_SEQUENCE);
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(MutableRecordBatch.NO_PARTITION_LEADER_EPOCH);
        assertThat(batch.countOrNull()).isEqualTo(built.size());
        assertThat(batch.baseOffset()).isEqualTo(baseOffset);
        assertThat(batch.lastOffset()).isEqualTo(baseOffset + built.size() - 1);
        assertThat(batch.maxTimestamp()).isEqualTo(maxTimestamp(built));
        assertThat(kafkaRecords(batch)).containsExactlyElementsOf(shifted(built, baseOffset));
    }

    // ------------------------------------------------------------------ Hermod -> Kafka

    @Test
    void hermodBuiltBatchParsesWithKafkaWithValidCrcAndTheSameRecords() {
        List<Rec> built = mixedRecords();

        ByteBuffer batch = hermodBatch(built);

        List<MutableRecordBatch> batches = kafkaBatches(batch);
        assertThat(batches).hasSize(1);
        assertKafkaSeesHermodBatch(batches.getFirst(), 0, built);
        assertThat(batches.getFirst().sizeInBytes()).isEqualTo(batch.remaining());
        assertThat(MemoryRecords.readableRecords(batch.duplicate()).validBytes())
                .isEqualTo(batch.remaining());
    }

    @Test
    void hermodBuiltBatchOfManyRecordsWithMultiByteVarintsParsesWithKafka() {
        List<Rec> built = manyRecords(1_000);

        ByteBuffer batch = hermodBatch(built);

        List<MutableRecordBatch> batches = kafkaBatches(batch);
        assertThat(batches).hasSize(1);
        assertKafkaSeesHermodBatch(batches.getFirst(), 0, built);
    }

    @Test
    void hermodBatchesReadBackFromTheLogParseWithKafkaAtTheOffsetsTheLogAssigned() {
        List<Rec> first = mixedRecords();
        List<Rec> second = manyRecords(40);

        AppendResult a = log.append(hermodBatch(first));
        AppendResult b = log.append(hermodBatch(second));

        assertThat(a.firstOffset()).isZero();
        assertThat(b.firstOffset()).isEqualTo(first.size());
        assertThat(b.lastOffset()).isEqualTo(first.size() + second.size() - 1);
        List<MutableRecordBatch> batches = kafkaBatches(readFrom(0));
        assertThat(batches).hasSize(2);
        assertKafkaSeesHermodBatch(batches.get(0), 0, first);
        assertKafkaSeesHermodBatch(batches.get(1), first.size(), second);

        // a read starting inside the second batch returns that batch, still at its assigned offsets
        List<MutableRecordBatch> fromSecond = kafkaBatches(readFrom(first.size() + 5));
        assertThat(fromSecond).hasSize(1);
        assertKafkaSeesHermodBatch(fromSecond.getFirst(), first.size(), second);
    }

    @Test
    void hermodBatchReadBackFromTheLogIsTheBuiltBytesButForTheBaseOffset() {
        log.append(hermodBatch(manyRecords(3)));
        ByteBuffer built = hermodBatch(mixedRecords());
        ByteBuffer original = copy(built);

        log.append(built);

        assertSameBatchesExceptBaseOffsets(readFrom(3), original, 3);
    }

    // ------------------------------------------------------------------ Kafka -> Hermod

    /** A Kafka-built batch to append: a codec and, when idempotent, a producer id, epoch and base sequence. */
    record KafkaCase(String name, Compression compression, boolean idempotent) {
        static final long PRODUCER_ID = 4_242L;
        static final short PRODUCER_EPOCH = 3;
        static final int BASE_SEQUENCE = 17;
        static final int LEADER_EPOCH = 9;

        ByteBuffer build(long baseOffset, List<Rec> records) {
            if (!idempotent) {
                return kafkaBatch(compression, baseOffset, records);
            }
            return kafkaBatch(
                    MemoryRecords.builder(
                            ByteBuffer.allocate(256),
                            MutableRecordBatch.MAGIC_VALUE_V2,
                            compression,
                            TimestampType.CREATE_TIME,
                            baseOffset,
                            MutableRecordBatch.NO_TIMESTAMP,
                            PRODUCER_ID,
                            PRODUCER_EPOCH,
                            BASE_SEQUENCE,
                            false,
                            LEADER_EPOCH),
                    records);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<KafkaCase> kafkaCases() {
        return Stream.of(
                new KafkaCase("uncompressed", Compression.NONE, false),
                new KafkaCase("gzip", Compression.gzip().build(), false),
                new KafkaCase("snappy", Compression.snappy().build(), false),
                new KafkaCase("lz4", Compression.lz4().build(), false),
                new KafkaCase("zstd", Compression.zstd().build(), false),
                new KafkaCase("idempotent uncompressed", Compression.NONE, true),
                new KafkaCase("idempotent zstd", Compression.zstd().build(), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kafkaCases")
    void kafkaBuiltBatchGoesThroughTheLogIntactButForTheBaseOffset(KafkaCase c) {
        List<Rec> records = mixedRecords();
        log.append(hermodBatch(manyRecords(2)));
        // Kafka's builder is given base offset 1000; the log overwrites it with its own (2)
        ByteBuffer batch = c.build(1_000, records);
        ByteBuffer original = copy(batch);
        MutableRecordBatch built = kafkaBatches(original).getFirst();
        assertThat(built.compressionType()).isEqualTo(c.compression().type());

        AppendResult result = log.append(batch);

        assertThat(result.firstOffset()).isEqualTo(2);
        assertThat(result.lastOffset()).isEqualTo(2 + records.size() - 1);
        assertThat(log.endOffset()).isEqualTo(2 + records.size());
        ByteBuffer readBack = readFrom(2);
        assertSameBatchesExceptBaseOffsets(readBack, original, 2);

        List<MutableRecordBatch> kafka = kafkaBatches(readBack);
        assertThat(kafka).hasSize(1);
        MutableRecordBatch read = kafka.getFirst();
        assertThatCode(read::ensureValid).doesNotThrowAnyException();
        assertThat(read.magic()).isEqualTo(MutableRecordBatch.MAGIC_VALUE_V2);
        assertThat(read.compressionType()).isEqualTo(c.compression().type());
        assertThat(read.baseOffset()).isEqualTo(2);
        assertThat(read.lastOffset()).isEqualTo(2 + records.size() - 1);
        assertThat(read.countOrNull()).isEqualTo(records.size());
        assertThat(read.maxTimestamp()).isEqualTo(maxTimestamp(records));
        assertThat(read.partitionLeaderEpoch()).isEqualTo(built.partitionLeaderEpoch());
        assertThat(read.hasProducerId()).isEqualTo(c.idempotent());
        if (c.idempotent()) {
            assertThat(read.producerId()).isEqualTo(KafkaCase.PRODUCER_ID);
            assertThat(read.producerEpoch()).isEqualTo(KafkaCase.PRODUCER_EPOCH);
            assertThat(read.baseSequence()).isEqualTo(KafkaCase.BASE_SEQUENCE);
            assertThat(read.lastSequence()).isEqualTo(KafkaCase.BASE_SEQUENCE + records.size() - 1);
            assertThat(read.partitionLeaderEpoch()).isEqualTo(KafkaCase.LEADER_EPOCH);
        }
        assertThat(kafkaRecords(read)).containsExactlyElementsOf(shifted(records, 2));

        RecordBatch hermod = RecordBatch.at(readBack, 0);
        assertThat(hermod.isValid()).isTrue();
        assertThat(hermod.magic()).isEqualTo(RecordBatch.MAGIC);
        assertThat(hermod.baseOffset()).isEqualTo(2);
        assertThat(hermod.lastOffset()).isEqualTo(read.lastOffset());
        assertThat(hermod.recordCount()).isEqualTo(records.size());
        assertThat(hermod.maxTimestamp()).isEqualTo(read.maxTimestamp());
        assertThat(hermod.crc()).isEqualTo(read.checksum());
        assertThat(hermod.producerId()).isEqualTo(read.producerId());
        assertThat(hermod.producerEpoch()).isEqualTo(read.producerEpoch());
        assertThat(hermod.baseSequence()).isEqualTo(read.baseSequence());
        assertThat(hermod.compression()).isEqualTo(c.compression().type().id);
        assertThat(hermod.isCompressed()).isEqualTo(c.compression().type() != CompressionType.NONE);
        if (hermod.isCompressed()) {
            // stored opaque: Hermod does not decompress
            assertThatThrownBy(hermod::records)
                    .isInstanceOfSatisfying(
                            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_BATCH))
                    .hasMessageContaining("compressed");
        } else {
            assertThat(hermodRecords(hermod)).containsExactlyElementsOf(shifted(records, 2));
        }
    }

    @Test
    void severalKafkaBatchesConcatenatedInOneBufferAreAppendedInOneCall() {
        log.append(hermodBatch(manyRecords(4)));
        List<Rec> plain = mixedRecords();
        List<Rec> many = manyRecords(120);
        List<Rec> idempotent = manyRecords(3);
        KafkaCase idempotentLz4 =
                new KafkaCase("idempotent lz4", Compression.lz4().build(), true);
        ByteBuffer batches = concat(List.of(
                kafkaBatch(Compression.NONE, 0, plain),
                kafkaBatch(Compression.gzip().build(), 0, many),
                idempotentLz4.build(0, idempotent),
                kafkaBatch(Compression.NONE, 0, plain)));
        ByteBuffer original = copy(batches);
        long second = 4 + plain.size();
        long third = second + many.size();
        long fourth = third + idempotent.size();

        AppendResult result = log.append(batches);

        assertThat(result.firstOffset()).isEqualTo(4);
        assertThat(result.lastOffset()).isEqualTo(fourth + plain.size() - 1);
        assertThat(log.endOffset()).isEqualTo(fourth + plain.size());
        ByteBuffer readBack = readFrom(4);
        assertSameBatchesExceptBaseOffsets(readBack, original, 4, second, third, fourth);
        List<MutableRecordBatch> kafka = kafkaBatches(readBack);
        assertThat(kafka).extracting(MutableRecordBatch::baseOffset).containsExactly(4L, second, third, fourth);
        assertThat(kafka)
                .extracting(MutableRecordBatch::compressionType)
                .containsExactly(CompressionType.NONE, CompressionType.GZIP, CompressionType.LZ4, CompressionType.NONE);
        kafka.forEach(b -> assertThatCode(b::ensureValid).doesNotThrowAnyException());
        assertThat(kafkaRecords(kafka.get(0))).containsExactlyElementsOf(shifted(plain, 4));
        assertThat(kafkaRecords(kafka.get(1))).containsExactlyElementsOf(shifted(many, second));
        assertThat(kafkaRecords(kafka.get(2))).containsExactlyElementsOf(shifted(idempotent, third));
        assertThat(kafka.get(2).producerId()).isEqualTo(KafkaCase.PRODUCER_ID);
        assertThat(kafkaRecords(kafka.get(3))).containsExactlyElementsOf(shifted(plain, fourth));
        List<RecordBatch> hermod = new ArrayList<>();
        RecordBatch.batches(readBack).forEach(hermod::add);
        assertThat(hermod).extracting(RecordBatch::baseOffset).containsExactly(4L, second, third, fourth);
        assertThat(hermodRecords(hermod.get(3))).containsExactlyElementsOf(shifted(plain, fourth));
        // a read from an offset inside the compressed third batch starts at that batch
        assertThat(kafkaBatches(readFrom(third + 1)))
                .extracting(MutableRecordBatch::baseOffset)
                .containsExactly(third, fourth);
    }

    // ------------------------------------------------------------------ corruption

    @Test
    void kafkaBatchWithAFlippedByteInItsRecordsIsRejectedAndNothingIsAppended() {
        log.append(hermodBatch(manyRecords(3)));
        long endBefore = log.endOffset();
        long sizeBefore = log.sizeInBytes();
        ByteBuffer batch = kafkaBatch(Compression.NONE, 0, mixedRecords());
        int inRecords = RecordBatch.HEADER_SIZE + (batch.remaining() - RecordBatch.HEADER_SIZE) / 2;
        batch.put(inRecords, (byte) (batch.get(inRecords) ^ 0x10));
        assertThat(kafkaBatches(batch).getFirst().isValid())
                .as("Kafka's own CRC check of the damaged batch")
                .isFalse();

        assertThatThrownBy(() -> log.append(batch))
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_BATCH))
                .hasMessageContaining("CRC");

        assertThat(log.endOffset()).isEqualTo(endBefore);
        assertThat(log.sizeInBytes()).isEqualTo(sizeBefore);
        assertThat(kafkaBatches(readFrom(0))).hasSize(1);
    }

    @Test
    void aFlippedByteInTheLastOfSeveralBatchesRejectsTheWholeAppend() {
        log.append(hermodBatch(manyRecords(3)));
        long endBefore = log.endOffset();
        long sizeBefore = log.sizeInBytes();
        ByteBuffer damaged = kafkaBatch(Compression.gzip().build(), 0, mixedRecords());
        int last = damaged.limit() - 1;
        damaged.put(last, (byte) (damaged.get(last) ^ 0x01));
        ByteBuffer batches =
                concat(List.of(kafkaBatch(Compression.NONE, 0, mixedRecords()), hermodBatch(manyRecords(2)), damaged));

        assertThatThrownBy(() -> log.append(batches))
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_BATCH));

        assertThat(log.endOffset()).isEqualTo(endBefore);
        assertThat(log.sizeInBytes()).isEqualTo(sizeBefore);
    }

    // ------------------------------------------------------------------ timestamp types

    @Test
    void logAppendTimeBatchRecordsCarryTheBatchMaxTimestampAsInKafka() {
        long appendTime = T + 99_000;
        ByteBuffer batch = kafkaBatch(
                MemoryRecords.builder(
                        ByteBuffer.allocate(256),
                        MutableRecordBatch.MAGIC_VALUE_V2,
                        Compression.NONE,
                        TimestampType.LOG_APPEND_TIME,
                        0,
                        appendTime),
                mixedRecords());

        log.append(batch);

        ByteBuffer readBack = readFrom(0);
        MutableRecordBatch kafka = kafkaBatches(readBack).getFirst();
        assertThat(kafka.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(kafkaRecords(kafka))
                .allSatisfy(r -> assertThat(r.timestamp()).isEqualTo(appendTime));
        assertThat(hermodRecords(RecordBatch.at(readBack, 0))).isEqualTo(kafkaRecords(kafka));
    }
}
