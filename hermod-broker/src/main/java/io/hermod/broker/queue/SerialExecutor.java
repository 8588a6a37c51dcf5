package io.hermod.broker.queue;

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
 * <p>Threading: {@link #execute} and {@link #schedule} from any thread; {@link #runAgain} and every hook but {@link
 * Hooks#hasQueuedWork} on the executor, in a run.
 */
public final class SerialExecutor implements Executor {

    static final int ROUNDS_PER_RUN = 16;

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
            pool.execute(this::run);
        }
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
