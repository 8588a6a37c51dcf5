package io.hermod.broker.queue;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.Message;
import io.hermod.broker.dedup.DedupWindow;
import io.hermod.broker.dedup.Deduplication;
import io.hermod.storage.AppendResult;
import io.hermod.storage.Log;
import io.hermod.storage.StorageException;
import io.hermod.storage.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * The publish path of a {@link Queue}: the inbox its publishes wait in, and the batches it appends them to its log in
 * (one write and one group-commit wait for all the messages that arrived meanwhile). On the way duplicates are dropped
 * ({@code x-message-deduplication}) and publishes over a length limit refused ({@code x-overflow}); once a batch is
 * in the log the queue takes its messages in ({@link Owner#appended}), and then their publishers hear they are stored:
 * at once, or for persistent messages of a durable queue once the log has synced them.
 *
 * <p>Threading: {@link #offer} may be called from any thread (the inbox is a concurrent queue); everything else is owned
 * by the queue's serial executor and called there.
 */
final class QueueAppender {

    private static final int MAX_BATCH_MESSAGES = 4096;
    private static final int MAX_BATCH_BYTES = 1 << 20;
    /**
     * The buffer each pool thread builds its append batches in: the log has written a batch when {@code append}
     * returns, so one buffer serves every batch the thread appends (a batch too large for it gets its own). Direct, so
     * that the file channel writes it as it is instead of copying it into a temporary direct buffer first.
     */
    private static final ThreadLocal<ByteBuffer> APPEND_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(2 * MAX_BATCH_BYTES));

    /** A publish waiting in the inbox, and who hears when it is safely in the queue. */
    record Pending(Message message, EnqueueCallback callback) {}

    /** What the publish path needs of its queue; called on the queue's executor. */
    interface Owner {

        /** Whether the queue runs, or was deleted or closed. */
        Queue.State state();

        /** Whether the queue's length limit refuses a publish after {@code batchMessages} of this batch. */
        boolean refusesPublish(int batchMessages, long batchBodyBytes);

        /** The failure a publisher refused for the queue's length limit hears. */
        BrokerException full();

        /** A publish the length limit refused: under {@code x-overflow reject-publish-dlx} it is dead-lettered. */
        void refused(Message message, long now);

        /**
         * A batch is in the log from {@code firstOffset}: the queue takes its messages in (ready, held, expiring) and
         * writes to its cursor log what must be there before their publishers hear they are stored.
         */
        void appended(List<Pending> batch, long firstOffset, long lastOffset, long now);
    }

    private final ConcurrentLinkedQueue<Pending> inbox = new ConcurrentLinkedQueue<>();
    private final Log log;
    private final boolean persistent; // a durable queue: its persistent messages are confirmed once synced
    private final Executor pool;
    private final InstantSource clock;
    private final QueueHost host;
    // x-message-deduplication: how keys are found and the window of recent keys; null without it
    private final Deduplication dedup;
    private final DedupWindow dedupWindow;
    private final String queue; // how failures name the queue
    private final Owner owner;
    private final MessageCodec.NameHeaders nameHeaders = new MessageCodec.NameHeaders();

    QueueAppender(
            Log log,
            boolean persistent,
            Executor pool,
            InstantSource clock,
            QueueHost host,
            Deduplication dedup,
            DedupWindow dedupWindow,
            String queue,
            Owner owner) {
        this.log = log;
        this.persistent = persistent;
        this.pool = pool;
        this.clock = clock;
        this.host = host;
        this.dedup = dedup;
        this.dedupWindow = dedupWindow;
        this.queue = queue;
        this.owner = owner;
    }

    /** Puts a publish in the inbox. Any thread. */
    void offer(Message message, EnqueueCallback callback) {
        inbox.add(new Pending(message, callback));
    }

    /** Whether publishes wait in the inbox. Any thread. */
    boolean hasPending() {
        return !inbox.isEmpty();
    }

    /**
     * Appends up to {@code batches} batches from the inbox, taking at most {@code maxMessages} publishes (refused and
     * duplicate ones count); returns how many it took.
     */
    int appendBatches(int batches, int maxMessages) {
        int took = 0;
        for (int appended = 0; appended < batches && took < maxMessages && !inbox.isEmpty(); appended++) {
            List<Pending> batch = new ArrayList<>();
            RecordBatchBuilder builder = new RecordBatchBuilder();
            long now = clock.millis();
            long batchBodyBytes = 0;
            Pending p;
            while (batch.size() < MAX_BATCH_MESSAGES
                    && builder.sizeInBytes() < MAX_BATCH_BYTES
                    && took < maxMessages
                    && (p = inbox.poll()) != null) {
                took++;
                String dedupKey = null;
                if (dedup != null && owner.state() == Queue.State.RUNNING) {
                    dedupKey = dedup.key(p.message(), host.propertiesFormat());
                    if (dedupKey != null && !dedupWindow.admit(dedupKey)) {
                        p.callback().onEnqueued(null); // a duplicate: taken, and dropped
                        continue;
                    }
                    if (dedupKey != null) {
                        p = admitted(p, dedupKey);
                    }
                }
                if (owner.state() == Queue.State.RUNNING && owner.refusesPublish(batch.size(), batchBodyBytes)) {
                    if (dedupKey != null) {
                        dedupWindow.failed(dedupKey);
                    }
                    p.callback().onEnqueued(owner.full());
                    owner.refused(p.message(), now);
                    continue;
                }
                batchBodyBytes += p.message().body().length;
                batch.add(p);
                MessageCodec.add(builder, p.message(), now, nameHeaders);
            }
            if (batch.isEmpty()) {
                continue; // every message was refused: nothing to append
            }
            switch (owner.state()) {
                case RUNNING -> append(batch, builder, now);
                // a queue deleted after routing drops the message, as RabbitMQ does; one closed with the broker
                // did not store it, so its publisher must not be told otherwise
                case DELETED -> batch.forEach(pending -> pending.callback().onEnqueued(null));
                case CLOSED -> {
                    BrokerException closed = new BrokerException(ErrorCode.CLOSED, queue + " is closed");
                    batch.forEach(pending -> pending.callback().onEnqueued(closed));
                }
            }
        }
        return took;
    }

    /** A pending publish whose key entered the window: once stored the key is kept, if it fails it leaves. */
    private Pending admitted(Pending p, String key) {
        EnqueueCallback callback = p.callback();
        return new Pending(p.message(), failure -> {
            if (failure == null) {
                dedupWindow.stored(key);
            } else {
                dedupWindow.failed(key);
            }
            callback.onEnqueued(failure);
        });
    }

    private void append(List<Pending> batch, RecordBatchBuilder builder, long now) {
        AppendResult result;
        try {
            result = log.append(builder.build(APPEND_BUFFER.get()));
        } catch (StorageException e) {
            BrokerException failure = storageFailure(e);
            batch.forEach(pending -> pending.callback().onEnqueued(failure));
            return;
        }
        owner.appended(batch, result.firstOffset(), result.lastOffset(), now);
        List<Pending> awaitingSync = null;
        List<Pending> taken = null;
        for (Pending pending : batch) {
            if (persistent && pending.message().persistent()) {
                if (awaitingSync == null) {
                    awaitingSync = new ArrayList<>();
                }
                awaitingSync.add(pending);
            } else {
                if (taken == null) {
                    taken = new ArrayList<>();
                }
                taken.add(pending);
            }
        }
        if (taken != null) {
            taken.forEach(pending -> pending.callback().onEnqueued(null));
        }
        if (awaitingSync != null) {
            List<Pending> durable = awaitingSync;
            result.durable()
                    .whenCompleteAsync(
                            (ok, e) -> {
                                BrokerException failure = e == null ? null : storageFailure(e);
                                durable.forEach(pending -> pending.callback().onEnqueued(failure));
                            },
                            pool);
        }
    }

    private static BrokerException storageFailure(Throwable e) {
        Throwable cause =
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return new BrokerException(ErrorCode.STORAGE_FAILED, "message not stored: " + cause.getMessage(), cause);
    }
}
