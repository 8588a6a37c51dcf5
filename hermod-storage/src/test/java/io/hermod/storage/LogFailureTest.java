package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.storage.StorageException.Kind;
import io.hermod.storage.record.Record;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Write and fsync failures through the fault-injecting file seam: the first one sticks, nothing acknowledged is lost. */
@Timeout(60)
class LogFailureTest {

    @TempDir
    Path dir;

    final FaultyFileSystem fs = new FaultyFileSystem();

    LogStore store() {
        return LogStore.open(LogStoreConfig.of(dir).withFileSystem(fs));
    }

    static final LogConfig CONFIG =
            LogConfig.builder().segmentBytes(64 * 1024).indexIntervalBytes(512).build();

    @Test
    void aFullDiskFailsTheAppendAndEveryLaterOneWithTheSameKind() {
        long acknowledged;
        try (LogStore store = store()) {
            Log log = store.openLog("q", CONFIG);
            for (int i = 0; i < 20; i++) {
                log.append(TestRecords.batch(i * 3L, 3, 300, 1000)).durable().join();
            }
            acknowledged = log.endOffset();
            fs.writeBudget.set(10);

            assertThatThrownBy(() -> log.append(TestRecords.batch(1000, 3, 300, 1000)))
                    .isInstanceOfSatisfying(
                            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DISK_FULL));
            fs.writeBudget.set(Long.MAX_VALUE); // space is back, but the log does not carry on after a failed write
            assertThatThrownBy(() -> log.append(TestRecords.batch(2000, 1, 300, 1000)))
                    .isInstanceOfSatisfying(StorageException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.DISK_FULL);
                        assertThat(e).hasMessageContaining("stopped accepting writes");
                    });
            assertThat(log.endOffset()).isEqualTo(acknowledged);
            assertThat(TestRecords.readAll(log)).hasSize((int) acknowledged);
        }
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("q", CONFIG);
            List<Record> records = TestRecords.readAll(log);
            assertThat(log.endOffset()).isEqualTo(acknowledged);
            assertThat(records).hasSize((int) acknowledged).allMatch(r -> TestRecords.intact(r, 300));
        }
    }

    @Test
    void aFailedFsyncFailsWaitingAppendsAndSticksAsAnIoError() {
        try (LogStore store = store()) {
            Log log = store.openLog("q", CONFIG);
            log.append(TestRecords.batch(0, 2, 300, 1000)).durable().join();
            fs.forceError = "Input/output error";

            AppendResult doomed = log.append(TestRecords.batch(2, 2, 300, 1000));

            assertThatThrownBy(() -> doomed.durable().join())
                    .isInstanceOf(CompletionException.class)
                    .cause()
                    .isInstanceOfSatisfying(
                            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.IO_ERROR));
            fs.forceError = null;
            assertThatThrownBy(() -> log.append(TestRecords.batch(4, 1, 300, 1000)))
                    .isInstanceOfSatisfying(
                            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.IO_ERROR));
            assertThat(TestRecords.readAll(log).subList(0, 2)).allMatch(r -> TestRecords.intact(r, 300));
        }
    }

    @Test
    void concurrentAppendsShareFsyncs() throws Exception {
        try (LogStore store = store()) {
            Log log =
                    store.openLog("q", CONFIG.toBuilder().segmentBytes(64 << 20).build());
            int forcesBefore = fs.forces.get();
            List<Thread> writers = new ArrayList<>();
            int perWriter = 50;
            for (int w = 0; w < 16; w++) {
                long base = w * 1000L;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        log.append(TestRecords.batch(base + i, 1, 100, 1000))
                                .durable()
                                .join();
                    }
                }));
            }
            for (Thread t : writers) {
                t.join();
            }

            assertThat(log.endOffset()).isEqualTo(16 * perWriter);
            assertThat(log.durableOffset()).isEqualTo(16 * perWriter);
            // every append waited for an fsync, yet far fewer fsyncs than appends ran
            assertThat(fs.forces.get() - forcesBefore).isLessThan(16 * perWriter);
            assertThat(TestRecords.readAll(log)).extracting(TestRecords::seqOf).doesNotHaveDuplicates();
        }
    }

    @Test
    void tenThousandLogsNeedNeitherTenThousandThreadsNorDescriptors() {
        int threadsBefore = Thread.activeCount();
        try (LogStore store =
                LogStore.open(LogStoreConfig.of(dir).withFileSystem(fs).withMaxOpenFiles(64))) {
            List<Log> logs = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                Log log = store.openLog(
                        "log-" + i,
                        LogConfig.builder().durability(Durability.OS).build());
                log.append(TestRecords.batch(i, 1, 50, 1000));
                logs.add(log);
            }

            assertThat(store.openLogCount()).isEqualTo(10_000);
            assertThat(store.openFileCount()).isLessThanOrEqualTo(64);
            assertThat(fs.openNow.get()).isLessThanOrEqualTo(64);
            assertThat(Thread.activeCount() - threadsBefore).isLessThan(10);
            // every log still reads back, reopening its file on demand
            for (int i = 0; i < logs.size(); i += 97) {
                assertThat(TestRecords.seqOf(TestRecords.readAll(logs.get(i)).get(0)))
                        .isEqualTo(i);
            }
            assertThat(fs.openNow.get()).isLessThanOrEqualTo(64);
        }
    }
}
