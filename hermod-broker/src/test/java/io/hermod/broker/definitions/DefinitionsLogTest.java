package io.hermod.broker.definitions;

import static io.hermod.broker.definitions.TestDefinitions.canonicalLines;
import static io.hermod.broker.definitions.TestDefinitions.queue;
import static io.hermod.broker.definitions.TestDefinitions.queues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.definitions.DefinitionRecord.QueueRemoved;
import io.hermod.broker.definitions.DefinitionRecord.VhostAdded;
import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Header;
import io.hermod.storage.record.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class DefinitionsLogTest {

    static final String NAME = "definitions";

    @TempDir
    Path dir;

    ExecutorService completions;
    final List<LogStore> stores = new ArrayList<>();
    LogStore store;

    @BeforeEach
    void openStore() {
        completions = Executors.newSingleThreadExecutor(r -> new Thread(r, "definitions-completions"));
        store = openStore(dir);
    }

    @AfterEach
    void closeStores() {
        stores.forEach(LogStore::close);
        completions.shutdownNow();
    }

    /** A store whose background checkpoints never run during a test: recovery points move only on roll and close. */
    LogStore openStore(Path directory) {
        LogStore opened = LogStore.open(LogStoreConfig.of(directory).withIntervals(3_600_000, 3_600_000));
        stores.add(opened);
        return opened;
    }

    DefinitionsLog openLoaded(LogStore in, List<DefinitionRecord> expected) {
        DefinitionsLog log = DefinitionsLog.open(in, NAME, completions);
        assertThat(canonicalLines(log.load())).isEqualTo(canonicalLines(expected));
        return log;
    }

    /** Small segments, a small snapshot interval. */
    DefinitionsLog openSmall(LogStore in) {
        LogConfig config = LogConfig.builder()
                .segmentBytes(4096)
                .maxBatchBytes(4096)
                .durability(Durability.FSYNC_ALWAYS)
                .build();
        return DefinitionsLog.open(in, NAME, completions, config, 1024, InstantSource.system());
    }

    static void await(CompletableFuture<Void> future) throws Exception {
        future.get(30, TimeUnit.SECONDS);
    }

    List<Path> segmentFiles(Path storeDir) throws IOException {
        try (Stream<Path> files = Files.list(storeDir.resolve(NAME))) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void aNewLogLoadsNothing() {
        try (DefinitionsLog log = DefinitionsLog.open(store, NAME, completions)) {
            assertThat(log.load()).isEmpty();
            assertThat(log.snapshotDue()).isFalse();
        }
    }

    @Test
    void appendedRecordsAreLoadedInOrderAfterReopening() throws Exception {
        // given every sample record appended in a few batches
        List<DefinitionRecord> records = TestDefinitions.sampleRecords();
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            await(log.append(records.subList(0, 1)));
            await(log.append(records.subList(1, 10)));
            await(log.append(records.subList(10, records.size())));
        }

        // when the log is reopened, then load returns them all, in order, exactly
        try (DefinitionsLog log = openLoaded(store, records)) {
            assertThat(log.snapshotOffset()).isEqualTo(-1);
        }
    }

    @Test
    void anEmptyAppendCompletesAtOnceAndWritesNothing() throws Exception {
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            CompletableFuture<Void> done = log.append(List.of());

            assertThat(done).isCompleted();
        }
        assertThat(Files.size(segmentFiles(dir).get(0))).isZero();
    }

    @Test
    void loadReturnsTheLatestSnapshotFollowedByTheRecordsAfterIt() throws Exception {
        // given records, a snapshot, more records, a second snapshot and more records
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            await(log.append(queues(0, 5)));
            log.snapshot(queues(0, 5));
            await(log.append(List.of(new QueueRemoved("/", "queue-0"))));
            log.snapshot(queues(1, 4));
            await(log.append(queues(100, 2)));
            await(log.append(List.of(new QueueRemoved("/", "queue-1"))));
        }

        // then a reopened log loads the second snapshot and what came after it, nothing before
        List<DefinitionRecord> expected = new ArrayList<>(queues(1, 4));
        expected.addAll(queues(100, 2));
        expected.add(new QueueRemoved("/", "queue-1"));
        openLoaded(store, expected).close();
    }

    @Test
    void aSnapshotOfAnEmptyStateHidesEverythingBeforeIt() throws Exception {
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            await(log.append(queues(0, 3)));
            log.snapshot(List.of());
            await(log.append(List.of(new VhostAdded("/"))));
        }

        openLoaded(store, List.of(new VhostAdded("/"))).close();
    }

    @Test
    void aSnapshotIsDueOnceTheChangesOutgrowBothTheMinimumAndTheLastSnapshot() throws Exception {
        try (DefinitionsLog log = openSmall(store)) {
            log.load();
            assertThat(log.snapshotDue()).isFalse();

            // a few hundred bytes: below the 1,024-byte minimum
            await(log.append(queues(0, 5)));
            assertThat(log.snapshotDue()).isFalse();
            // past it
            for (int i = 0; !log.snapshotDue(); i++) {
                await(log.append(queues(10 + i * 5, 5)));
                assertThat(i).isLessThan(100);
            }

            // a snapshot of ~2.5 KB raises the bar above the minimum
            List<DefinitionRecord> state = queues(0, 40);
            log.snapshot(state);
            assertThat(log.snapshotDue()).isFalse();
            await(log.append(queues(500, 20))); // more than 1,024 bytes, less than the snapshot
            assertThat(log.snapshotDue()).isFalse();
            await(log.append(queues(600, 20)));
            await(log.append(queues(700, 20)));
            assertThat(log.snapshotDue()).isTrue();
        }

        // the policy survives a restart: it is recomputed from the log
        try (DefinitionsLog log = openSmall(store)) {
            log.load();
            assertThat(log.snapshotDue()).isTrue();
        }
    }

    private void awaitSegmentFiles(int count) {
        org.awaitility.Awaitility.await()
                .untilAsserted(() -> assertThat(segmentFiles(dir)).hasSize(count));
    }

    @Test
    void segmentsBelowASnapshotAreDeleted() throws Exception {
        List<DefinitionRecord> state = new ArrayList<>();
        try (DefinitionsLog log = openSmall(store)) {
            log.load();
            // given enough changes to fill several 4 KiB segments
            for (int i = 0; segmentFiles(dir).size() < 4; i++) {
                List<DefinitionRecord> batch = queues(i * 10, 10);
                await(log.append(batch));
                state.addAll(batch);
            }

            // when a snapshot is written, then only the segment holding it is left
            List<DefinitionRecord> snapshot = state.subList(state.size() - 30, state.size());
            log.snapshot(snapshot);
            awaitSegmentFiles(1); // the store unlinks trimmed segments on a thread of its own

            // and again after the log has rolled past that snapshot
            for (int i = 0; segmentFiles(dir).size() < 3; i++) {
                await(log.append(queues(10_000 + i * 10, 10)));
            }
            log.snapshot(queues(20_000, 30));
            awaitSegmentFiles(1);
            await(log.append(List.of(queue(30_000))));
        }

        // and the trimmed log loads the latest snapshot and what followed it
        List<DefinitionRecord> expected = new ArrayList<>(queues(20_000, 30));
        expected.add(queue(30_000));
        try (DefinitionsLog log = openSmall(store)) {
            assertThat(canonicalLines(log.load())).isEqualTo(canonicalLines(expected));
        }
    }

    @Test
    void aTornTailLosesOnlyTheLastBatch() throws Exception {
        // given two durable appends
        Path image = dir.resolve("crash-image");
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            await(log.append(queues(0, 3)));
            await(log.append(queues(3, 3)));

            // when the process dies now (a copy of the files taken while the log is open, not closed cleanly) with the
            // last batch torn
            copyTree(dir.resolve(NAME), image.resolve(NAME));
        }
        Path segment = segmentFiles(image).get(segmentFiles(image).size() - 1);
        truncateBy(segment, 5);

        // then the reopened log loads the first batch only and takes appends again
        LogStore recovered = openStore(image);
        try (DefinitionsLog log = openLoaded(recovered, queues(0, 3))) {
            await(log.append(queues(10, 1)));
        }
        List<DefinitionRecord> expected = new ArrayList<>(queues(0, 3));
        expected.addAll(queues(10, 1));
        openLoaded(recovered, expected).close();
    }

    @Test
    void damageInACleanlyClosedLogIsReportedNotSilentlyDropped() throws Exception {
        // given a log closed cleanly, so its recovery point covers every batch
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            await(log.append(queues(0, 3)));
        }
        store.close();
        truncateBy(segmentFiles(dir).get(0), 5);

        // then storage refuses to open it rather than drop acknowledged definitions
        LogStore reopened = openStore(dir);
        assertThatThrownBy(() -> DefinitionsLog.open(reopened, NAME, completions))
                .isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(((StorageException) e).kind()).isEqualTo(StorageException.Kind.CORRUPT));
    }

    @Test
    void appendCompletionsRunOnTheCompletionsExecutorNotOnAStorageThread() throws Exception {
        // given a completions executor that only queues its tasks
        BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
        DefinitionsLog log = DefinitionsLog.open(store, NAME, tasks::add);
        log.load();

        // when a record is appended and becomes durable
        CompletableFuture<Void> done = log.append(List.of(queue(1)));
        Runnable completion = tasks.poll(30, TimeUnit.SECONDS);

        // then the storage thread has handed the completion over instead of completing the future itself
        assertThat(completion).isNotNull();
        assertThat(done).isNotDone();
        AtomicReference<String> completedOn = new AtomicReference<>();
        done.whenComplete((v, e) -> completedOn.set(Thread.currentThread().getName()));
        Thread.ofPlatform().name("writer").start(completion).join();
        assertThat(done).isCompleted();
        assertThat(completedOn).hasValue("writer");
        log.close();
    }

    @Test
    void appendCompletionsOnARealExecutorFinishOnItsThread() throws Exception {
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            String thread = log.append(List.of(queue(1)))
                    .thenApply(v -> Thread.currentThread().getName())
                    .get(30, TimeUnit.SECONDS);

            assertThat(thread)
                    .satisfiesAnyOf(
                            name -> assertThat(name).isEqualTo("definitions-completions"),
                            // completed before thenApply was attached: then it runs on the attaching thread
                            name -> assertThat(name)
                                    .isEqualTo(Thread.currentThread().getName()));
            assertThat(thread).doesNotStartWith("hermod-storage");
        }
    }

    @Test
    void anAppendToAClosedLogFailsItsFutureWithTheStorageException() {
        DefinitionsLog log = openLoaded(store, List.of());
        log.close();

        CompletableFuture<Void> done = log.append(List.of(queue(1)));

        assertThatThrownBy(done::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(((StorageException) e).kind()).isEqualTo(StorageException.Kind.CLOSED));
    }

    @Test
    void theLogMustBeLoadedOnceBeforeItIsWritten() {
        try (DefinitionsLog log = DefinitionsLog.open(store, NAME, completions)) {
            assertThatThrownBy(() -> log.append(List.of(queue(1)))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> log.snapshot(List.of())).isInstanceOf(IllegalStateException.class);
            log.load();
            assertThatThrownBy(log::load).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void anAppendLargerThanOneBatchIsRefusedAndWritesNothing() throws Exception {
        try (DefinitionsLog log = openSmall(store)) {
            log.load();

            assertThatThrownBy(() -> log.append(queues(0, 200)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("more than the 4096 of one batch");
            assertThatThrownBy(() -> log.snapshot(queues(0, 200)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("more than the 4096 of one batch");
            await(log.append(List.of(queue(1))));
        }
        try (DefinitionsLog log = openSmall(store)) {
            assertThat(canonicalLines(log.load())).isEqualTo(canonicalLines(List.of(queue(1))));
        }
    }

    @Test
    void aStoredRecordThatDoesNotDecodeFailsTheLoadNamingItsOffset() {
        // given a log with a valid record and then one whose value is garbage (with a valid CRC)
        try (Log raw = store.openLog(NAME, LogConfig.defaults())) {
            raw.append(new RecordBatchBuilder()
                    .add(0, null, DefinitionCodec.encode(new VhostAdded("/")))
                    .build());
            raw.append(
                    new RecordBatchBuilder().add(0, null, new byte[] {1, 42, 0}).build());
        }

        // then the load fails with a storage failure that names the offset and the problem
        try (DefinitionsLog log = DefinitionsLog.open(store, NAME, completions)) {
            assertThatThrownBy(log::load)
                    .isInstanceOf(BrokerException.class)
                    .hasMessageContaining("definitions log definitions, offset 1")
                    .hasMessageContaining("unknown definition record tag 42")
                    .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.STORAGE_FAILED));
        }
    }

    @Test
    void aSnapshotMarkerThatDisagreesWithItsBatchIsCorruption() {
        try (Log raw = store.openLog(NAME, LogConfig.defaults())) {
            ByteBuffer count = ByteBuffer.allocate(4).putInt(0, 2);
            raw.append(new RecordBatchBuilder()
                    .add(0, null, null, List.of(new Header(DefinitionsLog.SNAPSHOT_HEADER, count)))
                    .add(0, null, DefinitionCodec.encode(new VhostAdded("/")))
                    .build());
        }

        try (DefinitionsLog log = DefinitionsLog.open(store, NAME, completions)) {
            assertThatThrownBy(log::load)
                    .isInstanceOf(BrokerException.class)
                    .hasMessageContaining("snapshot marker announces 2 records but the batch holds 1");
        }
    }

    @Test
    void aLogWithTheSameNameCannotBeOpenedTwice() {
        try (DefinitionsLog log = DefinitionsLog.open(store, NAME, completions)) {
            assertThatThrownBy(() -> DefinitionsLog.open(store, NAME, completions))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void argumentsSurviveTheLogExactly() throws Exception {
        Map<String, Object> arguments = TestDefinitions.everyValueTable();
        DefinitionRecord record = new DefinitionRecord.ExchangeAdded(
                new ExchangeDefinition("/", "rich", "headers", true, false, false, arguments));
        try (DefinitionsLog log = openLoaded(store, List.of())) {
            log.snapshot(List.of(record));
        }

        openLoaded(store, List.of(record)).close();
    }

    static void truncateBy(Path file, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - bytes);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
