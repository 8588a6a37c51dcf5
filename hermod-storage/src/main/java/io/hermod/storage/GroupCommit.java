package io.hermod.storage;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Group commit for one log under {@code fsync-always}: appends register a completion for their end offset, and one
 * fsync on a shared storage thread completes every completion waiting when it started. While an fsync runs, new
 * appends queue up and share the next one, so the fsync rate adapts to the disk and throughput does not fall with the
 * number of writers. The first waiting append may wait up to {@code maxDelayMicros} for company, unless
 * {@code maxBytes} are already waiting.
 *
 * <p>Every sync of the log goes through here, whatever its policy: appends under {@code fsync-always}, the interval
 * flush, an explicit {@code Log.flush()} and close all {@link #await} an end offset, so concurrent requests share
 * fsyncs. Threading: {@link #await} is called from any thread; fsyncs run on the storage pool, one at a time per log;
 * the waiter queue and the state are guarded by {@code this}. Completions finish outside the lock, on the thread that
 * ran the fsync.
 */
final class GroupCommit {

    /** The log side of a flush. */
    interface Target {
        /** End offset of what has been written so far. */
        long writtenEnd();

        /** Forces everything written so far (at least up to a {@link #writtenEnd()} read before) to stable storage. */
        void force() throws IOException;

        /** Makes the log failed (sticky) and returns the exception to fail waiters with. */
        StorageException onForceFailed(IOException e);
    }

    private enum State {
        IDLE,
        DELAYED,
        RUNNING
    }

    private record Waiter(long end, int bytes, CompletableFuture<Void> future) {}

    private final Target target;
    private final ScheduledExecutorService scheduler;
    private final Executor executor;
    private final long maxDelayMicros;
    private final int maxBytes;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    private final Runnable flushTask = this::flushFromPool;

    // guarded by this
    private State state = State.IDLE;
    private ScheduledFuture<?> delayed;
    private long waitingBytes;
    private StorageException failure;
    private volatile long flushedEnd;

    GroupCommit(Target target, ScheduledExecutorService scheduler, long maxDelayMicros, int maxBytes, long flushedEnd) {
        this.target = target;
        this.scheduler = scheduler;
        this.executor = scheduler;
        this.maxDelayMicros = maxDelayMicros;
        this.maxBytes = maxBytes;
        this.flushedEnd = flushedEnd;
    }

    long flushedEnd() {
        return flushedEnd;
    }

    /** A completion that finishes once everything below {@code end} is on stable storage. */
    CompletableFuture<Void> await(long end, int bytes) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        boolean runNow = false;
        synchronized (this) {
            if (failure != null) {
                future.completeExceptionally(failure);
                return future;
            }
            if (end <= flushedEnd) {
                future.complete(null);
                return future;
            }
            waiting.add(new Waiter(end, bytes, future));
            waitingBytes += bytes;
            switch (state) {
                case IDLE -> {
                    if (maxDelayMicros == 0 || waitingBytes >= maxBytes) {
                        state = State.RUNNING;
                        runNow = true;
                    } else {
                        try {
                            delayed = scheduler.schedule(flushTask, maxDelayMicros, TimeUnit.MICROSECONDS);
                            state = State.DELAYED;
                        } catch (RejectedExecutionException e) {
                            state = State.RUNNING;
                            runNow = true; // submitFlush fails the waiters as the store is closed
                        }
                    }
                }
                case DELAYED -> {
                    if (waitingBytes >= maxBytes && delayed.cancel(false)) {
                        state = State.RUNNING;
                        runNow = true;
                    }
                }
                case RUNNING -> {
                    // the running flush re-arms itself when it finds waiters left
                }
            }
        }
        if (runNow) {
            submitFlush();
        }
        return future;
    }

    /** Everything below {@code end} was synced by someone else (a roll): later flushes need not cover it again. */
    synchronized void advanceTo(long end) {
        if (end > flushedEnd) {
            flushedEnd = end;
        }
    }

    private void submitFlush() {
        try {
            executor.execute(flushTask);
        } catch (RejectedExecutionException e) {
            failAll(new StorageException(StorageException.Kind.CLOSED, "the log's store is closed", e));
        }
    }

    private void flushFromPool() {
        synchronized (this) {
            state = State.RUNNING;
            delayed = null;
        }
        if (flush()) {
            submitFlush();
        }
    }

    /**
     * Forces what is written now and completes every waiter it covers. Returns true when waiters arrived meanwhile
     * that a further flush must cover.
     */
    private boolean flush() {
        long end = target.writtenEnd();
        List<Waiter> done = new ArrayList<>();
        StorageException failed = null;
        try {
            target.force();
        } catch (IOException e) {
            failed = target.onForceFailed(e);
        } catch (RuntimeException | Error e) {
            // whatever went wrong, waiters must hear of it rather than wait forever
            failed = target.onForceFailed(new IOException("fsync failed: " + e, e));
        }
        boolean again;
        synchronized (this) {
            if (failed != null) {
                failure = failure == null ? failed : failure;
                done.addAll(waiting);
                waiting.clear();
                waitingBytes = 0;
            } else {
                if (end > flushedEnd) {
                    flushedEnd = end;
                }
                while (!waiting.isEmpty() && waiting.peek().end <= flushedEnd) {
                    Waiter w = waiting.poll();
                    waitingBytes -= w.bytes;
                    done.add(w);
                }
            }
            again = !waiting.isEmpty() && failure == null;
            if (!again) {
                state = State.IDLE;
            }
        }
        for (Waiter w : done) {
            if (failed != null) {
                w.future.completeExceptionally(failed);
            } else {
                w.future.complete(null);
            }
        }
        return again;
    }

    /**
     * Fails every waiter and every later await with {@code e} (the log failed or closed); waiters whose bytes are
     * already synced complete normally.
     */
    void failAll(StorageException e) {
        List<Waiter> done;
        synchronized (this) {
            if (failure == null) {
                failure = e;
            }
            done = new ArrayList<>(waiting);
            waiting.clear();
            if (delayed != null) {
                delayed.cancel(false);
            }
        }
        for (Waiter w : done) {
            if (w.end <= flushedEnd) {
                w.future.complete(null);
            } else {
                w.future.completeExceptionally(e);
            }
        }
    }
}
