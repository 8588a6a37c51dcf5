package io.hermod.broker.delay;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.Message;
import io.hermod.broker.exchange.DelayedMessageType;
import io.hermod.broker.queue.DueIndex;
import io.hermod.broker.queue.EnqueueCallback;
import io.hermod.broker.queue.SerialExecutor;
import io.hermod.storage.AppendResult;
import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogStore;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messages a delayed exchange ({@link DelayedMessageType}) holds until they fall due. Bodies stay on disk, in a log
 * of the store's own ({@link DelayCodec} records, appended in batches); the heap holds only a min-heap of (due time,
 * offset), 16 bytes a pending message ({@link DueIndex}), and a bitset of the released offsets ({@link ReleasedSet}),
 * so a million pending messages cost about 17 MB.
 *
 * <p>A timer wakes the store at the next due time: each due message is read back from the log, routed through the
 * exchange's bindings as they are then ({@link DelayHost#route}), and marked released only once every queue it reached
 * has taken it — a crash before brings it back (at least once). Releases are persisted lazily in a {@link ReleaseLog}
 * (a lost one costs a second delivery); segments every message of which is released are deleted, and the few
 * messages left in a sparse oldest stretch are moved to the end of the log ({@link #compact}) so that a long delay does
 * not keep the segments written after it. At start the store
 * rebuilds its heap by scanning the unreleased records of its log (DESIGN.md): due times survive restarts, and what
 * fell due while the broker was down goes out right after the start. Persistent messages of a durable exchange survive
 * a restart; transient messages, and every message of a transient exchange, do not (as in a durable queue).
 *
 * <p>A store is accepted when its message is in the log: for a persistent message on a durable exchange, once the log
 * is durable under the broker's policy (the publisher confirm).
 *
 * <p>Threading: every change runs on the store's own serial executor ({@link SerialExecutor}), a task queue drained
 * by one pool thread at a time, as a queue's. Public methods may be called from any thread.
 */
public final class DelayStore {

    private static final Logger LOG = LoggerFactory.getLogger(DelayStore.class);
    private static final int SEGMENT_BYTES = 32 << 20;
    /**
     * Offsets looked at together for compaction: when the oldest this many (from the lowest unreleased) hold no more
     * than 1 in {@value #COMPACT_SPARSER_THAN} unreleased messages and the log has more than two segments, those few are
     * appended again at the end and the old copies released, so that a message with a long delay does not keep every
     * segment written after it.
     */
    private static final long COMPACT_CHUNK = 1 << 16;

    private static final int COMPACT_SPARSER_THAN = 50;
    private static final int MAX_COMPACT_BYTES = 4 << 20;
    /** Records of one batch: a due message is read back with its batch, so batches stay small. */
    private static final int MAX_BATCH_RECORDS = 16;

    private static final int MAX_BATCH_BYTES = 16 << 10;
    private static final int MAX_APPEND_MESSAGES = 4096;
    private static final int MAX_APPEND_BYTES = 1 << 20;
    private static final int MAX_RELEASES_PER_RUN = 512;
    private static final int MAX_IN_FLIGHT = 4096;
    private static final long TRIM_EVERY_OFFSETS = 4096;
    private static final long RETRY_AFTER_FAILURE_MILLIS = 1000;

    private enum State {
        RUNNING,
        CLOSING,
        CLOSED,
        DELETED
    }

    private record Pending(Message message, long publishedAt, long dueAt, EnqueueCallback callback) {}

    private final String description;
    private final Log log;
    private final ReleaseLog releaseLog; // null for a transient exchange
    private final Executor pool;
    private final InstantSource clock;
    private final DelayHost host;
    private final long compactChunk;

    private final SerialExecutor executor;
    private final ConcurrentLinkedQueue<Pending> inbox = new ConcurrentLinkedQueue<>();

    // owned by the executor
    private State state = State.RUNNING;
    private boolean started; // releases wait until the broker has recovered its queues and bindings
    private final DueIndex due = new DueIndex();
    private final ReleasedSet released;
    private long[] releasedSinceWrite = new long[64];
    private int releasedSinceWriteCount;
    private long low;
    private long trimmedAt;
    private int inFlight;
    private long wakeAt = Long.MAX_VALUE;
    private CompletableFuture<Void> closing;
    private java.util.Set<Long> moving; // old offsets whose copies are being stored; null when not compacting
    private java.util.Set<Long> heldBack = new java.util.HashSet<>(); // of those, the ones that fell due meanwhile

    // published after each run
    private volatile long pendingCount;

    private DelayStore(
            String description,
            Log log,
            ReleaseLog releaseLog,
            Executor pool,
            InstantSource clock,
            DelayHost host,
            long compactChunk) {
        this.description = description;
        this.compactChunk = compactChunk;
        this.log = log;
        this.releaseLog = releaseLog;
        this.pool = pool;
        this.executor = new SerialExecutor(pool, new Runs());
        this.clock = clock;
        this.host = host;
        long start = log.startOffset();
        this.released = releaseLog == null ? new ReleasedSet() : releaseLog.recover(start);
        recover();
    }

    /**
     * Opens (or creates) the store of a delayed exchange and rebuilds its pending messages from its log. A durable
     * exchange keeps its log (under the broker's durability policy) and its released set across restarts; a transient
     * one starts empty.
     *
     * @param logName the name of its message log ({@link #logName}); the released set's log is named after it
     */
    public static DelayStore open(
            String description,
            String logName,
            boolean durable,
            LogStore store,
            Executor pool,
            InstantSource clock,
            Durability durability,
            long flushIntervalMs,
            DelayHost host) {
        return open(
                description,
                logName,
                durable,
                store,
                pool,
                clock,
                durability,
                flushIntervalMs,
                host,
                SEGMENT_BYTES,
                COMPACT_CHUNK);
    }

    /** {@link #open} with other segment and compaction sizes, for tests. */
    static DelayStore open(
            String description,
            String logName,
            boolean durable,
            LogStore store,
            Executor pool,
            InstantSource clock,
            Durability durability,
            long flushIntervalMs,
            DelayHost host,
            int segmentBytes,
            long compactChunk) {
        LogConfig config = LogConfig.builder()
                .durability(durable ? durability : Durability.OS)
                .flushIntervalMs(flushIntervalMs)
                .segmentBytes(segmentBytes)
                .build();
        if (!durable) {
            store.openLog(logName, config).delete(); // whatever a transient exchange of that name left
        }
        Log log = store.openLog(logName, config);
        ReleaseLog releaseLog = null;
        try {
            if (durable) {
                releaseLog = ReleaseLog.open(store, releasedLogName(logName));
            }
            return new DelayStore(description, log, releaseLog, pool, clock, host, compactChunk);
        } catch (RuntimeException e) {
            log.close();
            if (releaseLog != null) {
                releaseLog.close();
            }
            throw e;
        }
    }

    /** The name of the message log of a delayed exchange: {@code x-} and a digest of its vhost and name. */
    public static String logName(String vhost, String exchange) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((vhost + '\u0000' + exchange).getBytes(StandardCharsets.UTF_8));
            return "x-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The name of the log of the released set, for the store whose message log is {@code logName}. */
    public static String releasedLogName(String logName) {
        return logName + ".released";
    }

    /** Messages waiting to fall due or being routed, as of the last run. */
    public long pendingCount() {
        return pendingCount;
    }

    // ------------------------------------------------------------------ commands (any thread)

    /**
     * Stores a message to be routed in {@code delayMillis} (from now, by the broker clock); {@code callback} hears when
     * it is stored (durably, for a persistent message of a durable exchange), or that storing it failed.
     */
    public void schedule(Message message, long delayMillis, EnqueueCallback callback) {
        long now = clock.millis();
        inbox.add(new Pending(message, now, now + delayMillis, callback));
        executor.schedule();
    }

    /**
     * Starts releasing: the broker calls this once its definitions are recovered (a message due during the downtime
     * must find the queues and bindings it is routed to), and at once for a store declared later.
     */
    public void start() {
        executor.execute(() -> started = true);
    }

    /** Routes whatever is due now; the timer does this on time, the broker's tick calls it as a safety net. */
    public void releaseDue() {
        executor.execute(() -> {});
    }

    /**
     * Stops releasing, waits for the messages being routed to be taken, persists the released set and closes the
     * logs. The pending messages stay in the log for the next start.
     */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            if (state != State.RUNNING) {
                done.complete(null);
                return;
            }
            state = State.CLOSING;
            closing = done;
            failInbox();
            finishClosingIfIdle();
        });
        return done;
    }

    /** Deletes the store with its pending messages (the exchange was deleted). */
    public CompletableFuture<Void> delete() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                if (state == State.RUNNING || state == State.CLOSING) {
                    state = State.DELETED;
                    log.delete();
                    if (releaseLog != null) {
                        releaseLog.delete();
                    }
                    if (closing != null) {
                        closing.complete(null);
                    }
                }
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    // ------------------------------------------------------------------ recovery

    /** Rebuilds the heap from the unreleased records of the log; transient messages are dropped (released). */
    private void recover() {
        long end = log.endOffset();
        // the released set is written without fsync: after a machine crash it may speak of offsets the log lost, and
        // those must never apply to the new messages that will take the same offsets
        boolean cut = released.removeFrom(end);
        long[] dropped = {0};
        log.forEachRecord(log.startOffset(), r -> {
            if (r.offset() >= end || released.contains(r.offset())) {
                return;
            }
            DelayCodec.Due d = DelayCodec.due(r);
            if (d.persistent()) {
                due.add(d.dueAt(), r.offset());
            } else {
                released.add(r.offset());
                dropped[0]++;
            }
        });
        low = released.firstAbsentFrom(log.startOffset());
        trimmedAt = log.startOffset();
        if (releaseLog != null && (cut || dropped[0] > 0)) {
            releaseLog.writeSnapshot(released, true);
        }
        pendingCount = due.size();
        if (due.size() > 0 || dropped[0] > 0) {
            LOG.info("{}: {} delayed messages pending, {} transient ones dropped", description, due.size(), dropped[0]);
        }
    }

    // ------------------------------------------------------------------ the executor

    /** The store's part of each run of its executor. */
    private final class Runs implements SerialExecutor.Hooks {

        @Override
        public boolean afterRound() {
            return appendBatch();
        }

        @Override
        public void afterRounds() {
            if (state == State.RUNNING && started) {
                if (release()) {
                    executor.runAgain();
                }
                writeReleases();
                trim();
                compact();
                arm();
            }
        }

        @Override
        public void afterRun() {
            if (state == State.RUNNING || state == State.CLOSING) {
                pendingCount = due.size() + inFlight;
            }
        }

        @Override
        public boolean hasQueuedWork() {
            return !inbox.isEmpty();
        }

        @Override
        public void onFailure(Throwable failure) {
            LOG.error("{} failed a run", description, failure);
        }
    }

    /** Appends one batch of scheduled messages; false if there were none. */
    private boolean appendBatch() {
        if (inbox.isEmpty()) {
            return false;
        }
        if (state == State.DELETED) {
            Pending p;
            while ((p = inbox.poll()) != null) {
                p.callback().onEnqueued(null); // as a queue deleted after routing: dropped
            }
            return true;
        }
        if (state != State.RUNNING) {
            failInbox();
            return true;
        }
        List<Pending> batch = new ArrayList<>();
        SmallBatches batches = new SmallBatches();
        Pending p;
        while (batch.size() < MAX_APPEND_MESSAGES && batches.bytes < MAX_APPEND_BYTES && (p = inbox.poll()) != null) {
            batch.add(p);
            batches.add(p.message(), p.publishedAt(), p.dueAt());
        }
        AppendResult result;
        try {
            result = log.append(batches.build());
        } catch (StorageException e) {
            BrokerException failure = new BrokerException(
                    ErrorCode.STORAGE_FAILED, description + " could not store a delayed message: " + e.getMessage(), e);
            batch.forEach(pending -> pending.callback().onEnqueued(failure));
            return true;
        }
        long offset = result.firstOffset();
        List<Pending> waiting = null;
        for (Pending pending : batch) {
            due.add(pending.dueAt(), offset++);
            if (releaseLog != null && pending.message().persistent()) {
                if (waiting == null) {
                    waiting = new ArrayList<>();
                }
                waiting.add(pending);
            } else {
                pending.callback().onEnqueued(null);
            }
        }
        if (waiting != null) {
            List<Pending> durable = waiting;
            result.durable()
                    .whenCompleteAsync(
                            (ok, e) -> {
                                BrokerException failure = e == null
                                        ? null
                                        : new BrokerException(
                                                ErrorCode.STORAGE_FAILED,
                                                description + " could not store a delayed message: " + e.getMessage(),
                                                e);
                                durable.forEach(pending -> pending.callback().onEnqueued(failure));
                            },
                            pool);
        }
        return true;
    }

    private void failInbox() {
        BrokerException closed = new BrokerException(ErrorCode.CLOSED, description + " is closed");
        Pending p;
        while ((p = inbox.poll()) != null) {
            p.callback().onEnqueued(closed);
        }
    }

    /** Routes the messages due now, a bounded number a run; true if more are due. */
    private boolean release() {
        long now = clock.millis();
        int budget = Math.min(MAX_RELEASES_PER_RUN, MAX_IN_FLIGHT - inFlight);
        if (budget <= 0) {
            return false; // the completions of those in flight run the store again
        }
        due.pollDue(now + 1, budget, this::releaseOne); // due at or before now
        return inFlight < MAX_IN_FLIGHT && due.nextDue() <= now;
    }

    private void releaseOne(long offset) {
        if (released.contains(offset)) {
            return; // moved by a compaction: its copy is due at the same time
        }
        if (moving != null && moving.contains(offset)) {
            heldBack.add(offset); // its copy is being stored and will be due at once
            return;
        }
        DelayCodec.Stored stored;
        try {
            stored = read(offset);
        } catch (RuntimeException e) {
            // never readable again: keeping it would fail at every start
            LOG.warn(
                    "{}: delayed message at offset {} cannot be read and is dropped: {}",
                    description,
                    offset,
                    e.toString());
            markReleased(offset);
            return;
        }
        Message m = stored.message();
        java.util.Map<String, Object> headers = DelayedMessageType.releasedHeaders(m.headers(), stored.delay());
        Message due = new Message(
                m.exchange(),
                m.routingKey(),
                headers,
                m.persistent(),
                host.propertiesFormat().withHeaders(ByteBuffer.wrap(m.properties()), headers, false),
                m.body(),
                m.ttlMillis(),
                m.priority());
        inFlight++;
        try {
            host.route(due, failure -> executor.execute(() -> onRouted(offset, failure)));
        } catch (RuntimeException e) {
            onRouted(
                    offset,
                    e instanceof BrokerException be
                            ? be
                            : new BrokerException(ErrorCode.STORAGE_FAILED, e.toString(), e));
        }
    }

    private void onRouted(long offset, BrokerException failure) {
        inFlight--;
        switch (state) {
            case RUNNING -> {
                if (failure == null) {
                    markReleased(offset);
                } else {
                    LOG.warn(
                            "{}: routing a delayed message failed, retried in {} ms: {}",
                            description,
                            RETRY_AFTER_FAILURE_MILLIS,
                            failure.getMessage());
                    due.add(clock.millis() + RETRY_AFTER_FAILURE_MILLIS, offset);
                }
            }
            case CLOSING -> {
                if (failure == null) {
                    markReleased(offset);
                }
                finishClosingIfIdle();
            }
            case CLOSED, DELETED -> {
                // a closed store released it again at the next start; a deleted one is gone
            }
        }
    }

    private void finishClosingIfIdle() {
        if (state != State.CLOSING || inFlight > 0 || moving != null) {
            return;
        }
        try {
            writeReleases();
            if (releaseLog != null) {
                releaseLog.writeSnapshot(released, false);
                releaseLog.close();
            }
            log.close();
        } catch (RuntimeException e) {
            LOG.warn("{} failed to close cleanly: {}", description, e.getMessage());
        }
        state = State.CLOSED;
        closing.complete(null);
    }

    private DelayCodec.Stored read(long offset) {
        for (ByteBuffer buf : log.read(offset, 1)) {
            for (RecordBatch batch : RecordBatch.batches(buf)) {
                if (offset < batch.baseOffset() || offset > batch.lastOffset()) {
                    continue;
                }
                for (Record r : batch.records()) {
                    if (r.offset() == offset) {
                        return DelayCodec.decode(r);
                    }
                }
            }
        }
        throw new IllegalStateException("offset " + offset + " not found in " + log.name());
    }

    private void markReleased(long offset) {
        if (!released.add(offset)) {
            return;
        }
        if (releasedSinceWriteCount == releasedSinceWrite.length) {
            releasedSinceWrite = java.util.Arrays.copyOf(releasedSinceWrite, 2 * releasedSinceWrite.length);
        }
        releasedSinceWrite[releasedSinceWriteCount++] = offset;
    }

    /** Persists the releases of this run (lazily: no fsync). */
    private void writeReleases() {
        if (releasedSinceWriteCount == 0) {
            return;
        }
        // a snapshot too large for one entry is skipped: these releases then go as a delta, or they would be lost
        if (releaseLog != null && !(releaseLog.snapshotDue() && releaseLog.writeSnapshot(released, false))) {
            releaseLog.writeDelta(releasedSinceWrite, releasedSinceWriteCount);
        }
        releasedSinceWriteCount = 0;
        if (releasedSinceWrite.length > 4096) {
            releasedSinceWrite = new long[64];
        }
    }

    /** Deletes the log segments every message of which is released. */
    private void trim() {
        low = released.firstAbsentFrom(low);
        if (low - trimmedAt < TRIM_EVERY_OFFSETS) {
            return;
        }
        try {
            if (log.deleteSegmentsBelow(low) > 0) {
                released.removeBelow(log.startOffset());
            }
            trimmedAt = low;
        } catch (StorageException e) {
            LOG.warn("{} could not delete released segments: {}", description, e.getMessage());
        }
    }

    /**
     * Moves the few unreleased messages of a sparse oldest stretch of the log to its end (see {@link #COMPACT_CHUNK}),
     * releasing the old copies once the new ones are stored (durably, for a durable store): a crash in between leaves
     * both, and the message is routed twice (at least once, never lost).
     */
    private void compact() {
        if (moving != null || inFlight > 0 || log.segmentCount() <= 2) {
            return;
        }
        long from = low;
        long to = from + compactChunk;
        if (to > log.endOffset()) {
            return;
        }
        long live = (to - from) - released.countIn(from, to);
        if (live * COMPACT_SPARSER_THAN > to - from) {
            return;
        }
        List<Long> moved = new ArrayList<>();
        List<Long> dueTimes = new ArrayList<>();
        SmallBatches batches = new SmallBatches();
        try {
            for (long o = released.firstAbsentFrom(from); o < to && batches.bytes < MAX_COMPACT_BYTES; ) {
                DelayCodec.Stored stored = read(o);
                batches.add(stored.message(), stored.publishedAt(), stored.dueAt());
                moved.add(o);
                dueTimes.add(stored.dueAt());
                o = released.firstAbsentFrom(o + 1);
            }
        } catch (RuntimeException e) {
            LOG.warn("{} could not compact its log: {}", description, e.toString());
            return;
        }
        if (moved.isEmpty()) {
            return;
        }
        AppendResult result;
        try {
            result = log.append(batches.build());
        } catch (StorageException e) {
            LOG.warn("{} could not compact its log: {}", description, e.getMessage());
            return;
        }
        long first = result.firstOffset();
        moving = new java.util.HashSet<>(moved);
        result.durable().whenCompleteAsync((ok, e) -> executor.execute(() -> moved(moved, dueTimes, first, e)), pool);
    }

    /**
     * The copies of a compaction are stored (or failed to be): the old copies are released and the new ones pending,
     * or else the new ones are dropped. Old copies that fell due meanwhile were held back ({@link #releaseOne}); their
     * new copies, due as they are, go out now.
     */
    private void moved(List<Long> moved, List<Long> dueTimes, long first, Throwable failure) {
        java.util.Set<Long> held = heldBack;
        moving = null;
        heldBack = new java.util.HashSet<>();
        if (state != State.RUNNING && state != State.CLOSING) {
            return;
        }
        if (failure != null) {
            LOG.warn(
                    "{}: a compaction's copies were not stored; the messages stay where they were: {}",
                    description,
                    failure.toString());
            for (int i = 0; i < moved.size(); i++) {
                markReleased(first + i);
            }
            long now = clock.millis();
            held.forEach(o -> due.add(now, o));
        } else {
            for (int i = 0; i < moved.size(); i++) {
                markReleased(moved.get(i));
                due.add(dueTimes.get(i), first + i);
            }
            due.retain(o -> !released.contains(o)); // the old copies' entries
            LOG.debug("{} moved {} messages to the end of its log", description, moved.size());
        }
        finishClosingIfIdle();
    }

    /** Arms the timer for the next due time, if no earlier wake-up is armed. */
    private void arm() {
        long next = due.nextDue();
        if (next == Long.MAX_VALUE || next >= wakeAt) {
            return;
        }
        wakeAt = next;
        host.schedule(
                () -> executor.execute(() -> {
                    if (wakeAt == next) {
                        wakeAt = Long.MAX_VALUE; // the run after this task releases what is due and arms the next
                    }
                }),
                Math.max(0, next - clock.millis()));
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * Records laid out in small batches ({@value #MAX_BATCH_RECORDS} records or {@value #MAX_BATCH_BYTES} bytes; a due
     * message is read back with its whole batch), end to end for one append: one write, one group commit.
     */
    private static final class SmallBatches {
        private final List<ByteBuffer> built = new ArrayList<>();
        private RecordBatchBuilder builder = new RecordBatchBuilder();
        int bytes;

        void add(Message message, long publishedAt, long dueAt) {
            DelayCodec.add(builder, message, publishedAt, dueAt);
            bytes += message.body().length + message.properties().length;
            if (builder.recordCount() >= MAX_BATCH_RECORDS || builder.sizeInBytes() >= MAX_BATCH_BYTES) {
                built.add(builder.build());
                builder = new RecordBatchBuilder();
            }
        }

        ByteBuffer build() {
            if (builder.recordCount() > 0) {
                built.add(builder.build());
                builder = new RecordBatchBuilder();
            }
            int total = 0;
            for (ByteBuffer b : built) {
                total += b.remaining();
            }
            ByteBuffer all = ByteBuffer.allocate(total);
            built.forEach(all::put);
            return all.flip();
        }
    }
}
