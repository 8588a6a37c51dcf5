package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hermod.storage.StorageException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recovery, checkpoint, close and group-commit edge cases. Each test pins down a bug found in review and failed before
 * its fix; its comment names the failure it guards against.
 */
@Timeout(60)
class LogHardeningTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ probes

    /**
     * Regression, the failure it guards against: An interrupted reader closes the shared segment FileChannel (FileChannel is interruptible). Log.forceSegments then
     * swallows the ClosedChannelException as "deleted by retention" and group commit completes the append as durable
     * although no fsync succeeded.
     */
    @Test
    void anInterruptedReaderNeverLetsAnAppendCountAsDurableWithoutAnFsync() throws Exception {
        FaultyFileSystem fs = new FaultyFileSystem();
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir).withFileSystem(fs))) {
            Log log = store.openLog(
                    "p",
                    LogConfig.builder()
                            .durability(Durability.FSYNC_ALWAYS)
                            .groupCommit(500_000, 1 << 30)
                            .build());
            log.append(TestRecords.batch(0, 1, 100, 1000)).durable().join();
            int okBefore = fs.okForces.get();

            AppendResult pending = log.append(TestRecords.batch(1, 1, 100, 1000));
            assertThat(pending.durable()).isNotDone();
            TestFiles.interruptedRead(log);

            CompletableFuture<Void> durable = pending.durable();
            try {
                durable.get(10, TimeUnit.SECONDS);
            } catch (Exception failedAsItShould) {
                return; // correct: not reported durable
            }
            assertThat(fs.okForces.get())
                    .as("append reported durable: some fsync must have succeeded after it was written")
                    .isGreaterThan(okBefore);
        }
    }

    /**
     * Regression, the failure it guards against: after one interrupted reader, the segment stayed unreadable for every
     * later reader (the channel was never reopened), also behind a wrapping file system whose channel still claims to be
     * open when its inner channel was closed.
     */
    @ParameterizedTest(name = "wrapped file system: {0}")
    @ValueSource(booleans = {false, true})
    void aChannelClosedByAnInterruptIsReopenedForLaterReaders(boolean wrapped) throws Exception {
        StorageFileSystem fs = wrapped ? new FaultyFileSystem() : StorageFileSystem.DEFAULT;
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir).withFileSystem(fs))) {
            Log log = store.openLog(
                    "p", LogConfig.builder().durability(Durability.OS).build());
            log.append(TestRecords.batch(0, 3, 100, 1000));
            TestFiles.interruptedRead(log);
            assertThat(TestRecords.records(log.read(0, 1 << 20))).hasSize(3);
        }
    }

    /**
     * Regression, the failure it guards against: Log.close holds the append lock while it waits for a flush that runs on the store scheduler; the scheduler's
     * checkpoint task blocks on that append lock. With every scheduler thread so blocked, close never returns.
     */
    @Test
    void closeDoesNotDeadlockWithABackgroundCheckpoint() throws Exception {
        LogStore store = LogStore.open(
                new LogStoreConfig(dir, 1024, 1, 5, 300_000, StorageFileSystem.DEFAULT, InstantSource.system()));
        Log log =
                store.openLog("p", LogConfig.builder().durability(Durability.OS).build());
        log.append(TestRecords.batch(0, 1, 100, 1000)); // endOffset > flushedEnd: close must schedule a flush
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        store.scheduler().execute(() -> {
            started.countDown();
            try {
                release.await(); // occupy the only storage thread; checkpoint tasks fall due behind it meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        started.await();
        Thread closer = Thread.ofPlatform().daemon().start(log::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.WAITING);
        release.countDown();
        closer.join(10_000);
        assertThat(closer.isAlive()).as("Log.close() deadlocked").isFalse();
        store.close();
    }

    /**
     * Regression, the failure it guards against: The recovery point file is not synced, so after a crash it may hold an older point. Damage in an older,
     * fully-fsynced segment after that point is then taken for a torn tail: the segment is cut and every later
     * (acknowledged, fsynced) segment is deleted instead of failing the open.
     */
    @Test
    void damageInAnOlderSyncedSegmentFailsTheOpenEvenAfterALaggingRecoveryPoint() throws IOException {
        LogConfig config = LogConfig.builder()
                .segmentBytes(4096)
                .indexIntervalBytes(512)
                .durability(Durability.FSYNC_ALWAYS)
                .build();
        long end;
        long seq = 0;
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("p", config);
            while (log.segmentCount() < 5) {
                log.append(TestRecords.batch(seq, 2, 200, 1000)).durable().join();
                seq += 2;
            }
            end = log.endOffset();
        }
        Path logDir = dir.resolve("p");
        List<Path> segs = TestFiles.segmentFiles(logDir);
        long seg1Base = Long.parseLong(segs.get(1).getFileName().toString().substring(0, 20));
        RecoveryCheckpoint.write(logDir, seg1Base, true); // an older point, as an unsynced checkpoint file may hold
        TestFiles.flipByte(segs.get(1), Files.size(segs.get(1)) - 10); // bit rot in the last batch of segment 1
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log;
            try {
                log = store.openLog("p", config);
            } catch (StorageException e) {
                assertThat(e.kind()).isEqualTo(Kind.CORRUPT);
                return; // correct
            }
            assertThat(log.endOffset())
                    .as("acknowledged later segments silently dropped (segments left: %d)", log.segmentCount())
                    .isEqualTo(end);
        }
    }

    /** Regression, the failure it guards against: Log.checkpoint() writes flushedEnd even when a roll already recorded a higher recovery point. */
    @Test
    void theRecoveryPointNeverMovesBackwards() throws IOException {
        LogConfig config = LogConfig.builder()
                .segmentBytes(4096)
                .durability(Durability.FSYNC_INTERVAL)
                .flushIntervalMs(3_600_000)
                .build();
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("p", config);
            long seq = 0;
            while (log.segmentCount() < 3) {
                log.append(TestRecords.batch(seq, 2, 200, 1000));
                seq += 2;
            }
            long afterRoll = RecoveryCheckpoint.read(dir.resolve("p"));
            assertThat(afterRoll).isPositive();
            log.checkpoint();
            assertThat(RecoveryCheckpoint.read(dir.resolve("p")))
                    .as("recovery point went backwards")
                    .isGreaterThanOrEqualTo(afterRoll);
        }
    }

    /** Regression, the failure it guards against: Lowering maxBatchBytes makes a cleanly closed, healthy log fail to open. */
    @Test
    void aLowerMaxBatchBytesStillOpensAHealthyLog() {
        LogConfig big = LogConfig.builder().durability(Durability.OS).build();
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("p", big);
            log.append(TestRecords.batch(0, 1, 10, 1000));
            log.append(TestRecords.batch(1, 4, 8000, 1000)); // > 8 KiB likely
        }
        LogConfig small = big.toBuilder().maxBatchBytes(1024).build();
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("p", small);
            assertThat(log.endOffset()).isEqualTo(5);
        }
    }

    /** Regression, the failure it guards against: Same, after a crash: the acknowledged (fsynced) large batch after the recovery point is silently truncated. */
    @Test
    void aLowerMaxBatchBytesNeverTruncatesStoredBatchesAfterACrash() throws IOException {
        LogConfig big = LogConfig.builder().durability(Durability.FSYNC_ALWAYS).build();
        Path crashed = dir.resolve("crashed");
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir.resolve("live")))) {
            Log log = store.openLog("p", big);
            log.append(TestRecords.batch(0, 1, 10, 1000)).durable().join();
            log.append(TestRecords.batch(1, 4, 8000, 1000)).durable().join(); // acknowledged
            TestFiles.copyTree(dir.resolve("live"), crashed); // "kill -9" image
        }
        LogConfig small = big.toBuilder().maxBatchBytes(1024).build();
        try (LogStore store = LogStore.open(LogStoreConfig.of(crashed))) {
            Log log;
            try {
                log = store.openLog("p", small);
            } catch (StorageException e) {
                return; // failing loudly would be acceptable
            }
            assertThat(log.endOffset())
                    .as("acknowledged batch silently truncated")
                    .isEqualTo(5);
        }
    }

    /**
     * Regression, the failure it guards against: After a crash recovered from a checkpoint inside the active segment, the segment's max timestamp forgets a max
     * that lies between the last time-index entry and the last offset-index entry (non-monotonic timestamps).
     */
    @Test
    void theMaxTimestampSurvivesACrashAfterACheckpoint() throws IOException {
        LogConfig config = LogConfig.builder()
                .indexIntervalBytes(1024)
                .durability(Durability.FSYNC_ALWAYS)
                .build();
        Path crashed = dir.resolve("crashed");
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir.resolve("live")))) {
            Log log = store.openLog("p", config);
            log.append(TestRecords.batch(0, 1, 10, 1000)).durable().join(); // offset 0, ts 1000
            log.append(TestRecords.batch(1, 1, 10, 5000)).durable().join(); // offset 1, ts 5000 (no time entry)
            for (int i = 2; i < 60; i++) {
                log.append(TestRecords.batch(i, 1, 10, 2000)).durable().join();
            }
            assertThat(log.offsetForTimestamp(3000)).isEqualTo(OptionalLong.of(1));
            log.checkpoint();
            TestFiles.copyTree(dir.resolve("live"), crashed);
        }
        try (LogStore store = LogStore.open(LogStoreConfig.of(crashed))) {
            Log log = store.openLog("p", config);
            assertThat(log.endOffset()).isEqualTo(60);
            assertThat(log.offsetForTimestamp(3000)).isEqualTo(OptionalLong.of(1));
        }
    }

    /** Regression, the failure it guards against: A failed open (CORRUPT) leaves the segment files it already opened open in the pool. */
    @Test
    void aFailedOpenLeavesNoFileOpen() throws IOException {
        LogConfig config =
                LogConfig.builder().segmentBytes(4096).durability(Durability.OS).build();
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("p", config);
            long seq = 0;
            while (log.segmentCount() < 4) {
                log.append(TestRecords.batch(seq, 2, 200, 1000));
                seq += 2;
            }
        }
        List<Path> segs = TestFiles.segmentFiles(dir.resolve("p"));
        TestFiles.flipByte(segs.get(2), Files.size(segs.get(2)) - 10);
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            try {
                store.openLog("p", config);
            } catch (StorageException e) {
                assertThat(e.kind()).isEqualTo(Kind.CORRUPT);
            }
            assertThat(store.openFileCount())
                    .as("files left open by the failed open")
                    .isZero();
        }
    }

    /** Regression, the failure it guards against: A RuntimeException out of Target.force leaves GroupCommit RUNNING: that waiter and every later one hang. */
    @Test
    void anUncheckedFailureInAnFsyncFailsTheWaitersInsteadOfHangingThem() throws Exception {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            AtomicInteger calls = new AtomicInteger();
            GroupCommit gc = new GroupCommit(
                    new GroupCommit.Target() {
                        @Override
                        public long writtenEnd() {
                            return 10;
                        }

                        @Override
                        public void force() {
                            if (calls.getAndIncrement() == 0) {
                                throw new IllegalStateException("unexpected");
                            }
                        }

                        @Override
                        public StorageException onForceFailed(IOException e) {
                            return new StorageException(Kind.IO_ERROR, e.getMessage(), e);
                        }
                    },
                    store.scheduler(),
                    0,
                    1 << 20,
                    0);
            CompletableFuture<Void> first = gc.await(5, 10);
            await().atMost(Duration.ofSeconds(10)).until(first::isDone);
            CompletableFuture<Void> second = gc.await(10, 10);

            assertThat(first).isCompletedExceptionally();
            // the failure is sticky: later waiters fail at once rather than hang
            assertThat(second).isCompletedExceptionally();
        }
    }

    /**
     * Regression, the failure it guards against: a segment torn by a machine crash while the log ran under os (whose
     * rolls are not synced) made the log unopenable once it was reopened under fsync-always, because the loader judged
     * the data by today's policy instead of the one it was written under.
     */
    @Test
    void aTornSegmentWrittenUnderOsStillOpensAfterAPolicyChange() throws Exception {
        LogConfig os =
                LogConfig.builder().segmentBytes(1024).durability(Durability.OS).build();
        Path crashed = dir.resolve("crashed");
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir.resolve("live")))) {
            Log log = store.openLog("p", os);
            long seq = 0;
            while (log.segmentCount() < 3) {
                log.append(TestRecords.batch(seq, 3, 100, 1000));
                seq += 3;
            }
            TestFiles.copyTree(dir.resolve("live"), crashed); // the image a machine crash could leave
        }
        TestFiles.truncateBy(TestFiles.segmentFiles(crashed.resolve("p")).get(0), 10);

        try (LogStore store = LogStore.open(LogStoreConfig.of(crashed))) {
            Log log = store.openLog(
                    "p", os.toBuilder().durability(Durability.FSYNC_ALWAYS).build());

            assertThat(log.endOffset()).isPositive();
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(TestRecords.readAll(log)).allMatch(r -> TestRecords.intact(r, 100));
        }
    }

    @Test
    void aLogWrittenUnderFsyncAlwaysKeepsItsStrictRecoveryWhenReopenedUnderOs() throws Exception {
        LogConfig strict = LogConfig.builder().segmentBytes(1024).build();
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
            Log log = store.openLog("p", strict);
            long seq = 0;
            while (log.segmentCount() < 3) {
                log.append(TestRecords.batch(seq, 3, 100, 1000)).durable().join();
                seq += 3;
            }
        }
        List<Path> segs = TestFiles.segmentFiles(dir.resolve("p"));
        RecoveryCheckpoint.write(dir.resolve("p"), 0, true); // lagging, as after a crash
        TestFiles.flipByte(segs.get(0), Files.size(segs.get(0)) - 10);

        assertThatThrownBy(() -> {
                    try (LogStore store = LogStore.open(LogStoreConfig.of(dir))) {
                        store.openLog(
                                "p",
                                strict.toBuilder().durability(Durability.OS).build());
                    }
                })
                .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.CORRUPT));
        assertThat(TestFiles.segmentFiles(dir.resolve("p"))).hasSize(3);
    }
}
