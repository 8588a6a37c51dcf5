package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hermod.storage.StorageException.Kind;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Recovery from torn tails, corruption and damaged index files, produced by truncating or garbling bytes at random
 * positions. Each repetition draws new positions; the seed is in every assertion message.
 */
@Timeout(60)
class LogRecoveryTest {

    static final int MAX_VALUE = 300;
    static final LogConfig CONFIG = LogConfig.builder()
            .segmentBytes(16 * 1024)
            .indexIntervalBytes(512)
            .durability(Durability.OS)
            .build();

    @TempDir
    Path dir;

    final long seed = new Random().nextLong();
    final Random random = new Random(seed);

    /** Writes about 8 segments of records and closes cleanly (recovery point = end). Returns the record count. */
    long fill() {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("q", CONFIG);
            long seq = 0;
            while (log.segmentCount() < 8) {
                int count = 1 + random.nextInt(4);
                log.append(TestRecords.batchTimedBySeq(seq, count, MAX_VALUE));
                seq += count;
            }
            return log.endOffset();
        }
    }

    List<Path> files(String suffix) throws IOException {
        try (Stream<Path> list = Files.list(dir.resolve("q"))) {
            return list.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** Opens the log, reads it all, checks every record intact and contiguous; returns the end offset. */
    long reopenAndCheck() {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("q", CONFIG);
            List<Record> records = TestRecords.readAll(log);
            assertThat(records).as("seed %d", seed).allMatch(r -> TestRecords.intact(r, MAX_VALUE));
            for (int i = 0; i < records.size(); i++) {
                assertThat(records.get(i).offset()).as("seed %d", seed).isEqualTo(i);
                assertThat(TestRecords.seqOf(records.get(i)))
                        .as("seed %d", seed)
                        .isEqualTo(i);
            }
            assertThat(log.endOffset()).isEqualTo(records.size());
            // the recovered log takes appends again
            log.append(TestRecords.batch(records.size(), 1, MAX_VALUE, 1000))
                    .durable()
                    .join();
            return records.size();
        }
    }

    static void setRecoveryPoint(Path logDir, long point) throws IOException {
        RecoveryCheckpoint.write(logDir, point, false); // these logs run under os: rolls are not synced
    }

    static void garble(Path file, long position, int length, Random random) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(length);
            ch.read(buf, position);
            for (int i = 0; i < length; i++) {
                buf.put(i, (byte) (buf.get(i) ^ (1 + random.nextInt(255))));
            }
            ch.write(buf.flip(), position);
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    @Test
    void aCleanlyClosedLogReopensWithEverything() {
        long records = fill();

        assertThat(reopenAndCheck()).isEqualTo(records);
    }

    @RepeatedTest(5)
    void aTornTailOfTheLastSegmentIsTruncated() throws IOException {
        long records = fill();
        Path last = files(".log").getLast();
        setRecoveryPoint(
                dir.resolve("q"), Long.parseLong(last.getFileName().toString().substring(0, 20)));
        long size = Files.size(last);
        truncate(last, random.nextLong(size));

        long recovered = reopenAndCheck();

        assertThat(recovered).as("seed %d", seed).isLessThan(records);
    }

    @Test
    void truncatingATornTailSaysHowManyBytesWereDropped() throws IOException {
        fill();
        Path last = files(".log").getLast();
        setRecoveryPoint(
                dir.resolve("q"), Long.parseLong(last.getFileName().toString().substring(0, 20)));
        long size = Files.size(last);
        int lastBatchSize = 0;
        for (RecordBatch batch : RecordBatch.batches(ByteBuffer.wrap(Files.readAllBytes(last)))) {
            lastBatchSize = batch.sizeInBytes();
        }
        truncate(last, size - 1); // the last batch loses its last byte: the rest of it is a torn tail
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        Logger loaderLog = (Logger) LoggerFactory.getLogger(LogLoader.class);
        warnings.start();
        loaderLog.addAppender(warnings);
        try {
            reopenAndCheck();
        } finally {
            loaderLog.detachAppender(warnings);
        }

        long dropped = lastBatchSize - 1;
        assertThat(warnings.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("torn tail of " + dropped + " bytes");
        });
    }

    @RepeatedTest(5)
    void garbageAfterTheRecoveryPointIsTruncatedAsATornTail() throws IOException {
        long records = fill();
        List<Path> segments = files(".log");
        Path victim = segments.get(segments.size() - 1 - random.nextInt(3));
        long victimBase = Long.parseLong(victim.getFileName().toString().substring(0, 20));
        setRecoveryPoint(dir.resolve("q"), victimBase);
        garble(victim, random.nextLong(Files.size(victim) - 4), 4, random);

        long recovered = reopenAndCheck();

        assertThat(recovered).as("seed %d", seed).isBetween(victimBase, records - 1);
    }

    @RepeatedTest(5)
    void corruptionBeforeTheRecoveryPointFailsTheOpenNamingFileAndPosition() throws IOException {
        fill();
        List<Path> segments = files(".log");
        Path older = segments.get(random.nextInt(segments.size() - 1));
        // damage near the end of an older segment, past its last index entry: caught at open
        long size = Files.size(older);
        long position = size - 1 - random.nextInt(40);
        garble(older, position, 1, random);

        assertThatThrownBy(() -> {
                    try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
                        store.openLog("q", CONFIG);
                    }
                })
                .as("seed %d", seed)
                .isInstanceOfSatisfying(StorageException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CORRUPT);
                    assertThat(e)
                            .hasMessageContaining(older.getFileName().toString())
                            .hasMessageContaining("position");
                });
        assertThat(Files.size(older)).as("nothing is rewritten").isEqualTo(size);
    }

    @RepeatedTest(5)
    void corruptionInsideAnOlderSegmentIsNeverReadAsData() throws IOException {
        fill();
        List<Path> segments = files(".log");
        Path older = segments.get(random.nextInt(segments.size() - 1));
        garble(older, random.nextLong(Files.size(older)), 1 + random.nextInt(8), random);

        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("q", CONFIG);
            // reading through the damage fails loudly, naming the file; what is read is intact
            try {
                List<Record> records = TestRecords.readAll(log);
                assertThat(records).as("seed %d", seed).allMatch(r -> TestRecords.intact(r, MAX_VALUE));
            } catch (StorageException e) {
                assertThat(e.kind()).as("seed %d", seed).isEqualTo(Kind.CORRUPT);
                assertThat(e).hasMessageContaining(older.getFileName().toString());
            }
        } catch (StorageException e) {
            // or the open itself found it (damage past the segment's last index entry)
            assertThat(e.kind()).as("seed %d", seed).isEqualTo(Kind.CORRUPT);
            assertThat(e).hasMessageContaining(older.getFileName().toString());
        }
    }

    @Test
    void aTruncatedOlderSegmentFailsTheOpen() throws IOException {
        fill();
        Path older = files(".log").get(2);
        truncate(older, Files.size(older) - 10);

        assertThatThrownBy(() -> {
                    try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
                        store.openLog("q", CONFIG);
                    }
                })
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CORRUPT))
                .hasMessageContaining(older.getFileName().toString());
    }

    @Test
    void missingIndexFilesAreRebuilt() throws IOException {
        long records = fill();
        for (Path p : files(".index")) {
            Files.delete(p);
        }
        for (Path p : files(".timeindex")) {
            Files.delete(p);
        }

        assertThat(reopenAndCheck()).isEqualTo(records);
        assertThat(files(".index")).hasSize(files(".log").size());
    }

    @RepeatedTest(10)
    void garbledOrTruncatedIndexFilesAreDetectedAndRebuilt() throws IOException {
        long records = fill();
        String suffix = random.nextBoolean() ? ".index" : ".timeindex";
        List<Path> indexes = files(suffix);
        Path victim = indexes.get(random.nextInt(indexes.size()));
        long size = Files.size(victim);
        if (random.nextBoolean() && size > 0) {
            garble(victim, random.nextLong(size), 1 + random.nextInt((int) Math.min(8, size)), random);
        } else {
            truncate(victim, random.nextLong(size + 1));
        }

        assertThat(reopenAndCheck()).as("seed %d", seed).isEqualTo(records);
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("q", CONFIG);
            for (long offset = 0; offset < records; offset += 1 + random.nextInt(20)) {
                assertThat(TestRecords.records(log.read(offset, 1)).getLast().offset())
                        .as("seed %d", seed)
                        .isGreaterThanOrEqualTo(offset);
                assertThat(log.offsetForTimestamp(1000 + offset))
                        .as("seed %d", seed)
                        .hasValue(offset);
            }
        }
    }

    @Test
    void aMissingCheckpointMeansTheWholeLogIsValidated() throws IOException {
        long records = fill();
        Files.delete(dir.resolve("q").resolve(RecoveryCheckpoint.FILE_NAME));

        assertThat(reopenAndCheck()).isEqualTo(records);
    }

    @Test
    void aRecoveryPointBeyondTheDataFailsTheOpen() throws IOException {
        long records = fill();
        setRecoveryPoint(dir.resolve("q"), records + 100);

        assertThatThrownBy(() -> {
                    try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
                        store.openLog("q", CONFIG);
                    }
                })
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CORRUPT));
    }
}
