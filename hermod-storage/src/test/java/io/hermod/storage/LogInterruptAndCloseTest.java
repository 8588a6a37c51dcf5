package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupts and concurrent close/delete. Each test pins down a bug found in review and failed before its fix; its
 * comment names the failure it guards against.
 */
@Timeout(60)
class LogInterruptAndCloseTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ probes

    /**
     * Regression, the failure it guards against: Log.close() called on a storage thread (e.g. from an append's durable completion) hits the awaitDurable guard
     * after closing=true: the IllegalStateException escapes, closed is never set, segments stay open, the store keeps
     * the log registered, and every later close() returns at once (closing is already true).
     */
    @Test
    void closeOnAStorageThreadStillClosesTheLog() throws Exception {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("p", LogConfig.builder().build());
            log.append(TestRecords.batch(0, 3, 100, 1000)).durable().join();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            store.scheduler()
                    .submit(() -> {
                        try {
                            log.close();
                        } catch (Throwable t) {
                            thrown.set(t);
                        }
                    })
                    .get(10, TimeUnit.SECONDS);
            log.close(); // a retry from the caller's own thread
            assertThat(thrown.get()).as("close on a storage thread threw").isNull();
            assertThat(store.openLogCount()).as("log still registered").isZero();
            assertThat(store.openFileCount()).as("segment files left open").isZero();
        }
    }

    /** Regression, the failure it guards against: A second close() returns while the first is still syncing: the log is not closed when close() returns. */
    @Test
    void aConcurrentCloseReturnsOnlyOnceTheLogIsClosed() throws Exception {
        LogStore store = LogStore.open(
                new LogStoreConfig(dir, 1024, 1, 300_000, 300_000, StorageFileSystem.DEFAULT, InstantSource.system()));
        CountDownLatch release = new CountDownLatch(1);
        try {
            Log log = store.openLog(
                    "p", LogConfig.builder().durability(Durability.OS).build());
            log.append(TestRecords.batch(0, 1, 100, 1000));
            store.scheduler().execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Thread first = Thread.ofPlatform().daemon().start(log::close);
            await().atMost(Duration.ofSeconds(10)).until(() -> first.getState() == Thread.State.WAITING);
            AtomicInteger openWhenSecondCloseReturned = new AtomicInteger(-1);
            Thread second = Thread.ofPlatform().daemon().start(() -> {
                log.close();
                openWhenSecondCloseReturned.set(store.openLogCount());
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> second.getState() == Thread.State.WAITING);

            release.countDown(); // the storage thread is free: the first close can sync and finish
            first.join(10_000);
            second.join(10_000);

            assertThat(second.isAlive()).isFalse();
            assertThat(openWhenSecondCloseReturned.get())
                    .as("second close() returned while the log was still open")
                    .isZero();
        } finally {
            release.countDown();
            store.close();
        }
    }

    /**
     * Regression, the failure it guards against: PooledFile.use sets a caller's interrupt aside and restores it; the roll's other file work (index persist,
     * segment creation + directory fsync, checkpoint) then runs on an interrupted thread, gets ClosedByInterrupt, and
     * the roll failure makes the log failed for good.
     */
    @Test
    void anInterruptedAppenderThatRollsDoesNotFailTheLog() throws Exception {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog(
                    "p",
                    LogConfig.builder()
                            .segmentBytes(1024)
                            .indexIntervalBytes(64)
                            .durability(Durability.FSYNC_INTERVAL)
                            .build());
            long seq = 0;
            while (log.sizeInBytes() < 800) {
                log.append(TestRecords.batch(seq++, 1, 100, 1000));
            }
            assertThat(log.segmentCount()).isEqualTo(1);
            ByteBuffer second = TestRecords.batch(seq, 4, 100, 1000);
            assertThat(log.sizeInBytes() + second.remaining())
                    .as("second append must roll")
                    .isGreaterThan(1024);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = Thread.ofPlatform().start(() -> {
                Thread.currentThread().interrupt();
                try {
                    log.append(second); // rolls
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            t.join();
            assertThat(thrown.get()).as("append on an interrupted thread").isNull();
            assertThat(log.segmentCount()).as("the interrupted append rolled").isEqualTo(2);
            log.append(TestRecords.batch(seq + 4, 1, 100, 1000)); // the log must still take writes
        }
    }

    /** Regression, the failure it guards against: A zero-copy slice dies when another thread's interrupt closes the shared channel (the slice never reopens). */
    @Test
    void aSliceSurvivesAnotherThreadsInterrupt() throws Exception {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog(
                    "p", LogConfig.builder().durability(Durability.OS).build());
            log.append(TestRecords.batch(0, 3, 100, 1000));
            List<LogSlice> slices = log.readSlices(0, 1 << 20);
            try {
                TestFiles.interruptedRead(log);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                long sent = slices.get(0).transferTo(Channels.newChannel(out));
                assertThat(sent).isEqualTo(slices.get(0).size());
            } finally {
                slices.forEach(LogSlice::close);
            }
        }
    }

    /**
     * Regression, the failure it guards against: Log.delete() does not wait for an fsync in flight; the flush then finds the segments closed (not deleted) and
     * marks the closed log failed with an ERROR.
     */
    @Test
    void deleteWithAnFsyncInFlightDoesNotFailTheLog() throws Exception {
        LogStore store = LogStore.open(
                new LogStoreConfig(dir, 1024, 1, 300_000, 300_000, StorageFileSystem.DEFAULT, InstantSource.system()));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        try {
            Log log = store.openLog("p", LogConfig.builder().build());
            store.scheduler().execute(() -> {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            started.await();
            CompletableFuture<Void> durable =
                    log.append(TestRecords.batch(0, 1, 100, 1000)).durable();
            log.delete();
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(durable::isDone);
            assertThat(log.failure())
                    .as("closed log marked failed by a late fsync")
                    .isEmpty();
        } finally {
            release.countDown();
            store.close();
        }
    }

    /**
     * Regression, the failure it guards against: PooledFile.use gave up after 3 attempts: three closes by other threads' interrupts during one append (a burst
     * of interrupted readers of the active segment, say an executor's shutdownNow) make the append fail and the log
     * failed for good, though this writer was never interrupted.
     */
    @Test
    void otherThreadsInterruptsNeverFailTheLog() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir).withFileSystem(fs))) {
            Log log = store.openLog(
                    "p", LogConfig.builder().durability(Durability.OS).build());
            log.append(TestRecords.batch(0, 1, 100, 1000));
            fs.closeUnderWrites.set(3);
            try {
                log.append(TestRecords.batch(1, 1, 100, 1000));
            } catch (StorageException e) {
                // tolerable for this one append; the log must not be failed for good
            }
            fs.closeUnderWrites.set(0);
            log.append(TestRecords.batch(2, 1, 100, 1000));
        }
    }

    static long openSegmentFds(Path under) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            Path target = Files.readSymbolicLink(fd);
                            return target.startsWith(under) && target.toString().endsWith(".log");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .count();
        }
    }

    /** Sanity: after interrupts closed channels and they were reopened, the pool's count matches the real fds. */
    @Test
    void theOpenFileCountStaysRightAcrossInterruptReopens() throws Exception {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir).withMaxOpenFiles(2))) {
            Log log = store.openLog(
                    "p",
                    LogConfig.builder()
                            .segmentBytes(1024)
                            .durability(Durability.OS)
                            .build());
            long seq = 0;
            while (log.segmentCount() < 4) {
                log.append(TestRecords.batch(seq, 3, 100, 1000));
                seq += 3;
            }
            for (int i = 0; i < 5; i++) {
                TestFiles.interruptedRead(log);
                assertThat(TestRecords.readAll(log)).hasSize((int) seq);
            }
            assertThat(store.openFileCount()).isEqualTo(openSegmentFds(dir));
            log.close();
            assertThat(store.openFileCount()).isZero();
            assertThat(openSegmentFds(dir)).isZero();
        }
    }

    /** Sanity: a batch larger than a scan chunk, with a lowered maxBatchBytes, survives a crash; a torn one is cut. */
    @Test
    void largeBatchesRecoverAndTornOnesAreCut() throws Exception {
        LogConfig config =
                LogConfig.builder().durability(Durability.FSYNC_ALWAYS).build();
        Path crashed = dir.resolve("crashed");
        Path torn = dir.resolve("torn");
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir.resolve("live")))) {
            Log log = store.openLog("p", config);
            log.append(TestRecords.batch(0, 1, 10, 1000)).durable().join();
            ByteBuffer big = TestRecords.batch(1, 80, 100_000, 1000);
            assertThat(big.remaining()).isGreaterThan(3 << 20);
            log.append(big).durable().join();
            log.append(TestRecords.batch(81, 1, 10, 1000)).durable().join();
            TestFiles.copyTree(dir.resolve("live"), crashed);
            TestFiles.copyTree(dir.resolve("live"), torn);
        }
        TestFiles.truncateBy(TestFiles.segmentFiles(crashed.resolve("p")).get(0), 5); // tears only the last small batch
        LogConfig small = config.toBuilder().maxBatchBytes(1024).build();
        try (LogStore store = LogStore.open(LogStoreConfig.of(crashed))) {
            Log log = store.openLog("p", small);
            assertThat(log.endOffset()).isEqualTo(81);
            assertThat(TestRecords.readAll(log))
                    .hasSize(81)
                    .filteredOn(r -> TestRecords.seqOf(r) >= 1 && TestRecords.seqOf(r) <= 80)
                    .hasSize(80)
                    .allMatch(r -> TestRecords.intact(r, 100_000));
        }
        Path seg = TestFiles.segmentFiles(torn.resolve("p")).get(0);
        TestFiles.truncateBy(seg, 1_000_000); // into the big batch
        try (LogStore store = LogStore.open(LogStoreConfig.of(torn))) {
            Log log = store.openLog("p", small);
            assertThat(log.endOffset()).isEqualTo(1);
        }
    }
}
