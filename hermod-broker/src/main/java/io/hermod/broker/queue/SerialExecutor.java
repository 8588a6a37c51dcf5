package io.hermod.broker.queue;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The serial executor of a queue or a delay store (DESIGN.md): tasks from any thread go into a task queue that at most
 * one run at a time, on a pool shared by many owners, drains in the order the tasks were added. The state it guards is
 * so changed by one thread at a time without a lock; each run happens-before the next.
 *
 * <p>A run is up to {@value #ROUNDS_PER_RUN} rounds. A round runs every task queued, then the owner's own bounded step
 * of work ({@link Hooks#afterRound}: a queue appends one batch of its inbox and delivers). The run stops after a round
 * that found nothing to do, or after the last round, so that a busy owner hands its pool thread on to the others; then
 * {@link Hooks#afterRounds} and, whatever happened, {@link Hooks#afterRun}. A task or hook that throws ends its run
 * ({@link Hooks#onFailure}); the tasks after it run in the next. Once a run has let go, it looks again for tasks and
 * for work the owner queued on its own ({@link Hooks#hasQueuedWork}), and schedules the next run if there is any: work
 * added while a run ends is never left waiting.
 *
 * <p>A thread that takes input in bursts (an event loop reading what a socket holds) may {@link #deferRuns defer} the
 * runs it schedules until the burst is read and then {@link #runDeferred start them}: under light load (its caller
 * says when) and after a small burst it runs them itself, so that a message goes from the socket to its queue and on to
 * its consumers without a handoff to a pool thread (one wake-up and its scheduling delay less); otherwise they go to the
 * pool, where queues run in parallel while the thread goes on reading. Such a run is the same bounded run as on the
 * pool; whatever it leaves goes to the pool.
 *
 * <p>Threading: {@link #execute} and {@link #schedule} from any thread; {@link #runAgain} and every hook but {@link
 * Hooks#hasQueuedWork} on the executor, in a run.
 */
public final class SerialExecutor implements Executor {

    static final int ROUNDS_PER_RUN = 16;

    /**
     * The most units of input (an AMQP frame each) in a burst whose deferred runs the thread runs itself: a burst that
     * small is light load, where sparing the handoff saves latency; past it, the runs go to the pool, where several
     * queues run in parallel on other cores while the thread goes on reading (a burst at saturation is a 64 KiB read of
     * some 180 frames).
     */
    static final int RUN_HERE_MAX_INPUTS = 32;

    /** What this thread deferred ({@link #deferRuns}); null when it does not defer. */
    private static final ThreadLocal<Deferred> DEFERRED = new ThreadLocal<>();

    /** Whether this thread is running deferred runs itself ({@link #runDeferred}). */
    private static final ThreadLocal<Boolean> RUNNING_DEFERRED = new ThreadLocal<>();

    /** The runs a thread scheduled while it defers them, and how many units of input it took meanwhile. */
    private static final class Deferred {
        final ArrayList<SerialExecutor> runs = new ArrayList<>();
        int inputs = 1;
    }

    /** What a run does besides running tasks; every method but {@link #hasQueuedWork} on the executor. */
    public interface Hooks {

        /**
         * After the tasks of each round: one bounded step of the owner's own work. Returns whether there was any;
         * another round follows only if so or if tasks ran.
         */
        boolean afterRound();

        /** Once a run, after its last round, unless a task or hook failed. */
        void afterRounds();

        /** Last in every run, failed or not, before the next may start: publishes what other threads read. */
        void afterRun();

        /**
         * Whether work the owner queued without a task waits (an inbox, see {@link #schedule}). Called once a run has
         * let go, perhaps while the next one runs: reads only what is safe to read from any thread.
         */
        boolean hasQueuedWork();

        /** A task or hook threw: the run ends here. */
        void onFailure(Throwable failure);
    }

    private final Executor pool;
    private final Hooks hooks;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private boolean again; // owned by the run

    /**
     * @param pool the shared pool the runs go to
     * @param hooks what the owner does in each run besides its tasks
     */
    public SerialExecutor(Executor pool, Hooks hooks) {
        this.pool = pool;
        this.hooks = hooks;
    }

    /** Runs {@code task} on the executor, after every task added before it. Any thread. */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        schedule();
    }

    /**
     * Schedules a run unless one is scheduled or running: for work the owner queued itself, which it adds before
     * calling this and reports in {@link Hooks#hasQueuedWork}. Any thread.
     */
    public void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            Deferred deferred = DEFERRED.get();
            if (deferred != null) {
                deferred.runs.add(this);
            } else {
                pool.execute(this::run);
            }
        }
    }

    /**
     * Defers the runs this thread schedules from now on, of any executor, until it calls {@link #runDeferred}, which it
     * must: a deferred run waits for nothing else. A thread calls it for each unit of input it takes (a frame), so that
     * {@link #runDeferred} knows how large the burst was. Returns whether this call started deferring (false: the thread
     * already defers).
     */
    public static boolean deferRuns() {
        Deferred deferred = DEFERRED.get();
        if (deferred != null) {
            deferred.inputs++;
            return false;
        }
        DEFERRED.set(new Deferred());
        return true;
    }

    /**
     * Stops deferring and starts the runs this thread deferred, in the order they were scheduled: here when {@code
     * mayRunHere} and the burst was small (at most {@value #RUN_HERE_MAX_INPUTS} inputs), otherwise on their pools.
     * Also the way out before the thread blocks on work an executor does (the broker's waits call it): a run it
     * deferred would otherwise never come. Nothing when the thread does not defer.
     */
    public static void runDeferred(boolean mayRunHere) {
        Deferred deferred = DEFERRED.get();
        if (deferred == null) {
            return;
        }
        DEFERRED.remove(); // what these runs schedule goes to the pool
        boolean here = mayRunHere && deferred.inputs <= RUN_HERE_MAX_INPUTS;
        RuntimeException failure = null;
        if (here) {
            RUNNING_DEFERRED.set(Boolean.TRUE);
        }
        try {
            for (SerialExecutor executor : deferred.runs) {
                try {
                    if (here) {
                        executor.run(); // fails only where a pool refuses work: the others must run all the same
                    } else {
                        executor.pool.execute(executor::run);
                    }
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        } finally {
            if (here) {
                RUNNING_DEFERRED.remove();
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Whether the calling thread is running runs it deferred ({@link #runDeferred}): for that while it does what a pool
     * thread does (a queue's deliveries, an embedded consumer's callback), and must be treated as one.
     */
    public static boolean runningDeferred() {
        return RUNNING_DEFERRED.get() != null;
    }

    /** Has another run follow this one though nothing is queued (the owner has more work due). In a run. */
    public void runAgain() {
        again = true;
    }

    private void run() {
        again = false;
        try {
            for (int round = 0; round < ROUNDS_PER_RUN; round++) {
                boolean worked = false;
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                    worked = true;
                }
                worked |= hooks.afterRound();
                if (!worked) {
                    break;
                }
            }
            hooks.afterRounds();
        } catch (RuntimeException | Error e) {
            hooks.onFailure(e);
        } finally {
            hooks.afterRun();
            boolean more = again; // read before letting go: the next run resets it
            scheduled.set(false);
            // a task added after the last poll found the run still scheduled and did not schedule one
            if ((more || !tasks.isEmpty() || hooks.hasQueuedWork()) && scheduled.compareAndSet(false, true)) {
                pool.execute(this::run);
            }
        }
    }
}
