package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.hermod.storage.record.Record;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Readers, appenders, rolls, retention and a tight file pool all at once. */
@Timeout(120)
class LogConcurrencyTest {

    @TempDir
    Path dir;

    @Test
    void readersSeeOnlyWholeIntactBatchesWhileWritersAppendAndRoll() throws Exception {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir).withMaxOpenFiles(2))) {
            Log log = store.openLog(
                    "q",
                    LogConfig.builder()
                            .segmentBytes(8 * 1024)
                            .indexIntervalBytes(256)
                            .durability(Durability.FSYNC_ALWAYS)
                            .build());
            AtomicBoolean writing = new AtomicBoolean(true);
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                long base = w * 1_000_000L;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 300; i++) {
                            log.append(TestRecords.batch(base + i * 3L, 3, 200, 1000))
                                    .durable()
                                    .join();
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        while (writing.get()) {
                            long end = log.endOffset();
                            long at = end == 0 ? 0 : (long) (Math.random() * end);
                            List<Record> records = TestRecords.records(log.read(at, 4096));
                            for (Record rec : records) {
                                if (!TestRecords.intact(rec, 200)) {
                                    throw new AssertionError("torn record at offset " + rec.offset());
                                }
                            }
                            try (var slices = new SliceCloser(log.readSlices(at, 4096))) {
                                slices.check();
                            }
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }));
            }
            for (Thread t : threads.subList(0, 4)) {
                t.join();
            }
            writing.set(false);
            for (Thread t : threads) {
                t.join();
            }

            assertThat(errors).isEmpty();
            assertThat(log.endOffset()).isEqualTo(4 * 300 * 3);
            List<Record> all = TestRecords.readAll(log);
            assertThat(all).hasSize(3600).allMatch(r -> TestRecords.intact(r, 200));
            assertThat(all).extracting(TestRecords::seqOf).doesNotHaveDuplicates();
        }
    }

    @Test
    void fsyncIntervalSyncsInTheBackground() {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog(
                    "q",
                    LogConfig.builder()
                            .durability(Durability.FSYNC_INTERVAL)
                            .flushIntervalMs(20)
                            .build());

            AppendResult result = log.append(TestRecords.batch(0, 5, 100, 1000));

            assertThat(result.durable()).isDone();
            await().atMost(Duration.ofSeconds(10)).until(() -> log.durableOffset() == 5);
        }
    }

    @Test
    void aGroupCommitDelayStillCompletesEveryAppend() throws Exception {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog(
                    "q", LogConfig.builder().groupCommit(2_000, 64 * 1024).build());
            List<AppendResult> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                results.add(log.append(TestRecords.batch(i, 1, 1000, 1000)));
            }
            for (AppendResult r : results) {
                r.durable().get();
            }
            assertThat(log.durableOffset()).isEqualTo(200);
        }
    }

    /** Closes slices even when a check fails; checks that they cover whole batches. */
    private record SliceCloser(List<LogSlice> slices) implements AutoCloseable {
        void check() {
            for (LogSlice s : slices) {
                assertThat(s.size()).isPositive();
                assertThat(s.channel().isOpen()).isTrue();
            }
        }

        @Override
        public void close() {
            slices.forEach(LogSlice::close);
        }
    }
}
