package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.record.Record;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LogTest {

    static final int MAX_VALUE = 200;

    @TempDir
    Path dir;

    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
    LogStore store;

    @BeforeEach
    void openStore() {
        store = LogStore.open(LogStoreConfig.of(dir).withClock(clock));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    LogConfig small() {
        return LogConfig.builder()
                .segmentBytes(4096)
                .indexIntervalBytes(256)
                .durability(Durability.OS)
                .build();
    }

    long seq;

    AppendResult appendBatch(Log log, int count) {
        AppendResult result = log.append(TestRecords.batch(seq, count, MAX_VALUE, now.get()));
        seq += count;
        return result;
    }

    void reopen() {
        store.close();
        store = LogStore.open(LogStoreConfig.of(dir).withClock(clock));
    }

    @Test
    void appendsGetConsecutiveOffsetsAndReadBackIntact() {
        Log log = store.openLog("q", small());

        AppendResult first = appendBatch(log, 3);
        AppendResult second = appendBatch(log, 2);

        assertThat(first.firstOffset()).isEqualTo(0);
        assertThat(first.lastOffset()).isEqualTo(2);
        assertThat(second.firstOffset()).isEqualTo(3);
        assertThat(second.lastOffset()).isEqualTo(4);
        assertThat(log.endOffset()).isEqualTo(5);
        List<Record> records = TestRecords.readAll(log);
        assertThat(records).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(records).extracting(TestRecords::seqOf).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(records).allMatch(r -> TestRecords.intact(r, MAX_VALUE));
    }

    @Test
    void readsStartAtTheBatchHoldingTheOffsetAndContinueAcrossSegments() {
        Log log = store.openLog("q", small());
        for (int i = 0; i < 200; i++) {
            appendBatch(log, 1 + i % 4);
        }
        assertThat(log.segmentCount()).isGreaterThan(3);

        for (long offset = log.startOffset(); offset < log.endOffset(); offset += 7) {
            List<Record> records = TestRecords.records(log.read(offset, 64 * 1024));
            long from = offset;
            assertThat(records.get(0).offset()).isLessThanOrEqualTo(offset);
            assertThat(records)
                    .filteredOn(r -> r.offset() >= from)
                    .first()
                    .extracting(Record::offset)
                    .isEqualTo(offset);
            // 64 KiB is several segments' worth: the read crosses segment boundaries without gaps
            for (int i = 1; i < records.size(); i++) {
                assertThat(records.get(i).offset()).isEqualTo(records.get(i - 1).offset() + 1);
            }
        }
        assertThat(TestRecords.readAll(log)).hasSize((int) seq);
    }

    @Test
    void forEachRecordVisitsEveryRecordFromAnOffsetInOrderAcrossSegments() {
        Log log = store.openLog("q", small());
        for (int i = 0; i < 200; i++) {
            appendBatch(log, 1 + i % 4);
        }
        assertThat(log.segmentCount()).isGreaterThan(3);

        for (long from : new long[] {0, 1, 37, log.endOffset() - 1, log.endOffset()}) {
            List<Long> seen = new java.util.ArrayList<>();
            log.forEachRecord(from, r -> seen.add(r.offset()));
            assertThat(seen)
                    .as("from %d", from)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(from, log.endOffset())
                            .boxed()
                            .toList());
        }
        log.deleteSegmentsBelow(100);
        List<Long> afterTrim = new java.util.ArrayList<>();
        log.forEachRecord(0, r -> afterTrim.add(r.offset()));
        assertThat(afterTrim.get(0))
                .as("a scan from below the start starts there")
                .isEqualTo(log.startOffset());
        assertThat(afterTrim).hasSize((int) (log.endOffset() - log.startOffset()));
    }

    @Test
    void aReadReturnsWholeBatchesWithinMaxBytesButAlwaysAtLeastOne() {
        Log log = store.openLog("q", small());
        for (int i = 0; i < 20; i++) {
            appendBatch(log, 2);
        }

        List<ByteBuffer> tiny = log.read(0, 1);
        List<ByteBuffer> some = log.read(0, 700);

        assertThat(tiny).hasSize(1);
        assertThat(TestRecords.records(tiny)).extracting(Record::offset).containsExactly(0L, 1L);
        assertThat(some.stream().mapToInt(ByteBuffer::remaining).sum()).isLessThanOrEqualTo(700);
        assertThat(TestRecords.records(some)).hasSizeGreaterThan(2);
    }

    @Test
    void readingAtTheEndGivesNothingAndOutsideTheLogIsAnError() {
        Log log = store.openLog("q", small());
        appendBatch(log, 3);

        assertThat(log.read(3, 1000)).isEmpty();
        assertThatThrownBy(() -> log.read(4, 1000))
                .isInstanceOfSatisfying(
                        StorageException.class,
                        e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.OFFSET_OUT_OF_RANGE));
        assertThatThrownBy(() -> log.read(-1, 1000)).isInstanceOf(StorageException.class);
    }

    @Test
    void fileSlicesCarryTheSameBytesAsBufferReads() throws IOException {
        Log log = store.openLog("q", small());
        for (int i = 0; i < 100; i++) {
            appendBatch(log, 3);
        }

        List<ByteBuffer> buffers = log.read(10, 10_000);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        List<LogSlice> slices = log.readSlices(10, 10_000);
        try (WritableByteChannel sink = Channels.newChannel(sent)) {
            for (LogSlice slice : slices) {
                assertThat(slice.transferTo(sink)).isEqualTo(slice.size());
                slice.close();
            }
        }

        ByteBuffer expected = ByteBuffer.allocate(
                buffers.stream().mapToInt(ByteBuffer::remaining).sum());
        buffers.forEach(b -> expected.put(b.duplicate()));
        assertThat(sent.toByteArray()).isEqualTo(expected.array());
        assertThat(slices).hasSizeGreaterThan(1);
    }

    @Test
    void segmentsRollBySizeAndAreNamedByBaseOffset() throws IOException {
        Log log = store.openLog("q", small());
        for (int i = 0; i < 50; i++) {
            appendBatch(log, 2);
        }

        List<String> files;
        try (Stream<Path> list = Files.list(log.dir())) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".log"))
                    .sorted()
                    .toList();
        }
        assertThat(files).hasSize(log.segmentCount()).first().isEqualTo("00000000000000000000.log");
        for (String file : files) {
            assertThat(Files.size(log.dir().resolve(file))).isLessThanOrEqualTo(4096);
            long base = Long.parseLong(file.substring(0, 20));
            assertThat(TestRecords.records(log.read(base, 1)).get(0).offset()).isEqualTo(base);
        }
    }

    @Test
    void segmentsRollByAge() {
        Log log = store.openLog(
                "q", small().toBuilder().segmentBytes(1 << 20).segmentMs(1000).build());
        appendBatch(log, 1);
        appendBatch(log, 1);
        assertThat(log.segmentCount()).isEqualTo(1);

        now.addAndGet(1000);
        appendBatch(log, 1);

        assertThat(log.segmentCount()).isEqualTo(2);
        assertThat(TestRecords.readAll(log)).hasSize(3);
    }

    @Test
    void timestampLookupFindsTheFirstRecordAtOrAfterIt() {
        Log log = store.openLog("q", small());
        long base = now.get();
        for (int i = 0; i < 300; i++) {
            now.set(base + i * 10L);
            appendBatch(log, 1);
        }
        assertThat(log.segmentCount()).isGreaterThan(2);

        assertThat(log.offsetForTimestamp(base - 5)).hasValue(0);
        assertThat(log.offsetForTimestamp(base)).hasValue(0);
        assertThat(log.offsetForTimestamp(base + 1)).hasValue(1);
        assertThat(log.offsetForTimestamp(base + 1500)).hasValue(150);
        assertThat(log.offsetForTimestamp(base + 1505)).hasValue(151);
        assertThat(log.offsetForTimestamp(base + 2990)).hasValue(299);
        assertThat(log.offsetForTimestamp(base + 2991)).isEmpty();
    }

    @Test
    void timestampLookupWithinABatchFindsTheRecord() {
        Log log = store.openLog("q", small());
        var builder = new io.hermod.storage.record.RecordBatchBuilder();
        for (int i = 0; i < 5; i++) {
            builder.add(1000 + i * 100L, TestRecords.key(i), TestRecords.value(i, MAX_VALUE));
        }
        log.append(builder.build());

        assertThat(log.offsetForTimestamp(1250)).hasValue(3);
    }

    @Test
    void indexLookupsWorkAfterReopen() {
        Log log = store.openLog("q", small());
        long base = now.get();
        for (int i = 0; i < 300; i++) {
            now.set(base + i * 10L);
            appendBatch(log, 1);
        }
        reopen();
        Log reopened = store.openLog("q", small());

        assertThat(reopened.endOffset()).isEqualTo(300);
        assertThat(reopened.offsetForTimestamp(base + 1500)).hasValue(150);
        assertThat(TestRecords.records(reopened.read(123, 1)).get(0).offset()).isEqualTo(123);
        assertThat(TestRecords.readAll(reopened)).hasSize(300).allMatch(r -> TestRecords.intact(r, MAX_VALUE));
        appendBatch(reopened, 2);
        assertThat(reopened.endOffset()).isEqualTo(302);
    }

    @Test
    void deletingBelowAnOffsetRemovesOnlyWholeSegmentsAndKeepsTheActiveOne() {
        Log log = store.openLog("q", small());
        for (int i = 0; i < 100; i++) {
            appendBatch(log, 2);
        }
        int segmentsBefore = log.segmentCount();
        long secondSegmentBase = TestRecords.records(log.read(0, 4096)).size();

        int deleted = log.deleteSegmentsBelow(secondSegmentBase + 1);

        assertThat(deleted).isEqualTo(1);
        assertThat(log.startOffset()).isEqualTo(secondSegmentBase);
        assertThat(log.deleteSegmentsBelow(Long.MAX_VALUE)).isEqualTo(segmentsBefore - 2);
        assertThat(log.segmentCount()).isEqualTo(1);
        assertThatThrownBy(() -> log.read(0, 100)).isInstanceOf(StorageException.class);
        assertThat(TestRecords.readAll(log)).isNotEmpty();
        reopen();
        assertThat(store.openLog("q", small()).segmentCount()).isEqualTo(1);
    }

    @Test
    void trimmedSegmentsLeaveTheLogAtOnceAndTheirFilesSoonAfterAndBeforeTheLogsDirectoryGoes() throws Exception {
        Log log = store.openLog("q", small());
        for (int i = 0; i < 100; i++) {
            appendBatch(log, 2);
        }
        Path logDir = dir.resolve("q");
        long filesBefore = segmentFiles(logDir);

        int deleted = log.deleteSegmentsBelow(Long.MAX_VALUE);

        assertThat(log.segmentCount()).isEqualTo(1);
        org.awaitility.Awaitility.await().until(() -> segmentFiles(logDir) == filesBefore - deleted);
        appendBatch(log, 2);
        log.deleteSegmentsBelow(Long.MAX_VALUE); // nothing but the active segment: nothing to unlink
        for (int i = 0; i < 100; i++) {
            appendBatch(log, 2);
        }
        log.deleteSegmentsBelow(log.endOffset()); // unlinks pending while the whole log goes
        log.delete();
        assertThat(logDir).doesNotExist();
    }

    private static long segmentFiles(Path logDir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(logDir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(Segment.LOG_SUFFIX))
                    .count();
        }
    }

    @Test
    void retentionByAgeDeletesSegmentsWhoseNewestRecordIsTooOld() {
        Log log = store.openLog("s", small().toBuilder().retentionMs(60_000).build());
        for (int i = 0; i < 60; i++) {
            appendBatch(log, 2);
        }
        int oldSegments = log.segmentCount();
        long newer = now.addAndGet(30_000);
        for (int i = 0; i < 60; i++) {
            appendBatch(log, 2);
        }
        now.addAndGet(31_000);

        int deleted = log.applyRetention();

        // every segment holding only old records went; the one holding old and newer records stays whole
        assertThat(deleted).isEqualTo(oldSegments - 1);
        List<Record> kept = TestRecords.readAll(log);
        assertThat(kept).filteredOn(r -> r.timestamp() == newer).hasSize(120);
        assertThat(kept.get(0).offset()).isEqualTo(log.startOffset()).isPositive();
        now.addAndGet(60_000);
        log.applyRetention();
        assertThat(log.startOffset()).isEqualTo(log.endOffset());
        appendBatch(log, 1);
        assertThat(TestRecords.readAll(log)).hasSize(1);
    }

    @Test
    void retentionBySizeKeepsTheLogUnderTheLimit() {
        Log log = store.openLog("s", small().toBuilder().retentionBytes(10_000).build());
        for (int i = 0; i < 200; i++) {
            appendBatch(log, 2);
        }
        long end = log.endOffset();

        log.applyRetention();

        assertThat(log.sizeInBytes()).isLessThanOrEqualTo(10_000 + 4096);
        assertThat(log.endOffset()).isEqualTo(end);
        assertThat(TestRecords.readAll(log).get(0).offset()).isEqualTo(log.startOffset());
    }

    @Test
    void fsyncAlwaysCompletesAppendsOnceDurable() {
        Log log = store.openLog(
                "d", small().toBuilder().durability(Durability.FSYNC_ALWAYS).build());

        AppendResult result = appendBatch(log, 3);

        result.durable().join();
        assertThat(log.durableOffset()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void closeWritesARecoveryPointAtTheEnd() throws IOException {
        Log log = store.openLog("q", small());
        appendBatch(log, 5);
        log.close();

        assertThat(RecoveryCheckpoint.read(dir.resolve("q"))).isEqualTo(5);
        assertThatThrownBy(() -> appendBatch(log, 1))
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.CLOSED));
    }

    @Test
    void deleteRemovesTheDirectory() {
        Log log = store.openLog("q", small());
        appendBatch(log, 5);

        log.delete();

        assertThat(dir.resolve("q")).doesNotExist();
        assertThat(store.openLog("q", small()).endOffset()).isZero();
    }

    @Test
    void invalidInputIsRejectedAndNothingIsAppended() {
        Log log = store.openLog("q", small());
        appendBatch(log, 1);
        ByteBuffer garbled = TestRecords.batch(99, 2, MAX_VALUE, now.get());
        garbled.put(70, (byte) (garbled.get(70) ^ 1));

        assertThatThrownBy(() -> log.append(garbled))
                .isInstanceOfSatisfying(
                        StorageException.class,
                        e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.INVALID_BATCH));
        assertThatThrownBy(() -> log.append(ByteBuffer.allocate(10))).isInstanceOf(StorageException.class);
        assertThat(log.endOffset()).isEqualTo(1);
    }

    @Test
    void aLogCannotBeOpenedTwiceAndNamesAreChecked() {
        store.openLog("q", small());

        assertThatThrownBy(() -> store.openLog("q", small())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.openLog("../escape", small())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.openLog("", small())).isInstanceOf(IllegalArgumentException.class);
    }
}
