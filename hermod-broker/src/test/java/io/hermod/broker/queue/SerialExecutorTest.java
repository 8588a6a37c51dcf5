package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SerialExecutorTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void tearDown() {
        SerialExecutor.runDeferred(false); // a test that failed while deferring must not leave this thread deferring
        pool.shutdownNow();
    }

    /** Hooks with no work of their own; they count the runs and keep the failures. */
    private static class Recording implements SerialExecutor.Hooks {
        final AtomicInteger rounds = new AtomicInteger();
        final AtomicInteger runs = new AtomicInteger();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        volatile boolean ownWork; // afterRound always finds work of its own
        volatile boolean queuedWork;

        @Override
        public boolean afterRound() {
            rounds.incrementAndGet();
            return ownWork;
        }

        @Override
        public void afterRounds() {}

        @Override
        public void afterRun() {
            runs.incrementAndGet();
        }

        @Override
        public boolean hasQueuedWork() {
            return queuedWork;
        }

        @Override
        public void onFailure(Throwable failure) {
            failures.add(failure);
        }
    }

    @Test
    void tasksFromOneThreadRunInTheOrderTheyWereAdded() throws Exception {
        // Given an executor on a pool of several threads
        SerialExecutor executor = new SerialExecutor(pool, new Recording());
        List<Integer> ran = new ArrayList<>(); // touched by the tasks only: the executor is its one owner
        CountDownLatch done = new CountDownLatch(1);

        // When one thread adds many tasks
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            int task = i;
            executor.execute(() -> ran.add(task));
        }
        executor.execute(done::countDown);

        // Then they ran in that order
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    }

    @Test
    void tasksFromSeveralThreadsEachRunOnceAndNeverTwoAtATime() throws Exception {
        // Given an executor on a pool of four threads
        SerialExecutor executor = new SerialExecutor(pool, new Recording());
        int threads = 4;
        int perThread = 50_000;
        AtomicIntegerArray runsOf = new AtomicIntegerArray(threads * perThread);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();

        // When four threads add tasks at the same time
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t * perThread;
            Thread adder = new Thread(() -> {
                awaitQuietly(go);
                for (int i = first; i < first + perThread; i++) {
                    int task = i;
                    executor.execute(() -> {
                        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                        runsOf.incrementAndGet(task);
                        running.decrementAndGet();
                        ran.incrementAndGet();
                    });
                }
            });
            adder.start();
            adders.add(adder);
        }
        go.countDown();
        for (Thread adder : adders) {
            adder.join();
        }

        // Then every task ran exactly once, one at a time
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(ran.get()).isEqualTo(threads * perThread));
        assertThat(mostAtOnce.get()).isEqualTo(1);
        for (int i = 0; i < runsOf.length(); i++) {
            assertThat(runsOf.get(i)).as("runs of task %d", i).isEqualTo(1);
        }
    }

    @Test
    void aTaskThatThrowsDoesNotStopTheTasksAfterIt() throws Exception {
        // Given an executor
        Recording hooks = new Recording();
        SerialExecutor executor = new SerialExecutor(pool, hooks);
        IllegalStateException boom = new IllegalStateException("boom");
        CountDownLatch after = new CountDownLatch(1);

        // When a task throws and another follows it
        executor.execute(() -> {
            throw boom;
        });
        executor.execute(after::countDown);

        // Then the one after it runs, and the failure was reported
        assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(hooks.failures).containsExactly(boom);
    }

    @Test
    void aTaskAddedWhileARunEndsRunsInTheNext() throws Exception {
        // Given a run held at its end, after it took its last task but before it let go
        CountDownLatch atEnd = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicBoolean holding = new AtomicBoolean(true);
        SerialExecutor executor = new SerialExecutor(pool, new Recording() {
            @Override
            public void afterRun() {
                if (holding.compareAndSet(true, false)) {
                    atEnd.countDown();
                    awaitQuietly(letGo);
                }
            }
        });
        executor.execute(() -> {});
        assertThat(atEnd.await(10, TimeUnit.SECONDS)).isTrue();

        // When a task is added then (it finds a run scheduled and does not schedule one)
        CountDownLatch ran = new CountDownLatch(1);
        executor.execute(ran::countDown);
        letGo.countDown();

        // Then it runs all the same
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void noTaskIsLeftBehindWhenTasksArriveAsRunsEnd() throws Exception {
        // Given an executor whose runs keep ending as tasks arrive from another thread
        SerialExecutor executor = new SerialExecutor(pool, new Recording());
        for (int i = 0; i < 20_000; i++) {
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch second = new CountDownLatch(1);

            // When a task arrives just as the run of the task before it ends
            executor.execute(first::countDown);
            assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
            executor.execute(second::countDown);

            // Then it runs
            assertThat(second.await(10, TimeUnit.SECONDS))
                    .as("task of iteration %d ran", i)
                    .isTrue();
        }
    }

    @Test
    void workQueuedBesideTheTasksRunsWhenScheduled() throws Exception {
        // Given an owner that queues its own work (an inbox) and takes it in afterRound
        ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
        SerialExecutor executor = new SerialExecutor(pool, new Recording() {
            @Override
            public boolean afterRound() {
                Runnable work = inbox.poll();
                if (work != null) {
                    work.run();
                }
                return work != null;
            }

            @Override
            public boolean hasQueuedWork() {
                return !inbox.isEmpty();
            }
        });
        int n = 10_000;
        CountDownLatch done = new CountDownLatch(n);

        // When work is queued and a run scheduled, many times over
        for (int i = 0; i < n; i++) {
            inbox.add(done::countDown);
            executor.schedule();
        }

        // Then all of it is done
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRunEndsAfterSixteenRoundsAndTheNextIsScheduledWhenWorkIsLeft() {
        // Given an executor on a pool that runs nothing by itself, and an owner with endless work of its own
        ArrayDeque<Runnable> runs = new ArrayDeque<>();
        Recording hooks = new Recording();
        hooks.ownWork = true;
        hooks.queuedWork = true;
        SerialExecutor executor = new SerialExecutor(runs::add, hooks);

        // When a run is scheduled and runs
        executor.schedule();
        executor.schedule(); // one run at a time
        assertThat(runs).hasSize(1);
        runs.poll().run();

        // Then it stopped after sixteen rounds, and handed its work on to a next run
        assertThat(hooks.rounds.get()).isEqualTo(SerialExecutor.ROUNDS_PER_RUN);
        assertThat(runs).hasSize(1);
    }

    @Test
    void aRunWithNothingToDoEndsAfterOneRoundAndSchedulesNoOther() {
        // Given an executor on a pool that runs nothing by itself
        ArrayDeque<Runnable> runs = new ArrayDeque<>();
        Recording hooks = new Recording();
        SerialExecutor executor = new SerialExecutor(runs::add, hooks);

        // When a run with one task runs
        executor.execute(() -> {});
        runs.poll().run();

        // Then it took two rounds (the task's, and one that found nothing) and nothing follows it
        assertThat(hooks.rounds.get()).isEqualTo(2);
        assertThat(hooks.runs.get()).isEqualTo(1);
        assertThat(runs).isEmpty();
    }

    @Test
    void aRunAskedToRunAgainSchedulesTheNextThoughNothingIsQueued() {
        // Given an executor on a pool that runs nothing by itself, whose owner has more due after a run
        ArrayDeque<Runnable> runs = new ArrayDeque<>();
        SerialExecutor[] executor = new SerialExecutor[1];
        AtomicInteger runsAskingAgain = new AtomicInteger(1);
        executor[0] = new SerialExecutor(runs::add, new Recording() {
            @Override
            public void afterRounds() {
                if (runsAskingAgain.getAndDecrement() > 0) {
                    executor[0].runAgain();
                }
            }
        });

        // When a run asks to run again
        executor[0].schedule();
        runs.poll().run();

        // Then another run follows, and after it (not asking) none
        assertThat(runs).hasSize(1);
        runs.poll().run();
        assertThat(runs).isEmpty();
    }

    @Test
    void aThreadThatDefersRunsRunsThemItselfAndThePoolNone() {
        // Given two executors on a pool that only counts what it is given
        ArrayDeque<Runnable> pooled = new ArrayDeque<>();
        List<String> ran = new ArrayList<>();
        SerialExecutor first = new SerialExecutor(pooled::add, new Recording());
        SerialExecutor second = new SerialExecutor(pooled::add, new Recording());

        // When this thread defers runs and adds tasks to both, the first twice
        assertThat(SerialExecutor.deferRuns()).isTrue();
        assertThat(SerialExecutor.deferRuns()).as("already deferring").isFalse();
        first.execute(() -> ran.add("first 1 on " + Thread.currentThread().getName()));
        second.execute(() -> ran.add("second on " + Thread.currentThread().getName()));
        first.execute(() -> ran.add("first 2 on " + Thread.currentThread().getName()));

        // Then nothing has run yet, and the pool got nothing
        assertThat(ran).isEmpty();
        assertThat(pooled).isEmpty();

        // When the thread runs what it deferred
        SerialExecutor.runDeferred(true);

        // Then each executor ran once, here, in the order it was first scheduled, and the pool still got nothing
        String here = Thread.currentThread().getName();
        assertThat(ran).containsExactly("first 1 on " + here, "first 2 on " + here, "second on " + here);
        assertThat(pooled).isEmpty();

        // And the thread no longer defers: a new task goes to the pool
        first.execute(() -> ran.add("later"));
        assertThat(pooled).hasSize(1);
    }

    @Test
    void afterALargeBurstTheDeferredRunsGoToThePool() {
        // Given a thread that defers runs and takes one unit of input more than it runs itself after
        ArrayDeque<Runnable> pooled = new ArrayDeque<>();
        List<String> ran = new ArrayList<>();
        SerialExecutor first = new SerialExecutor(pooled::add, new Recording());
        SerialExecutor second = new SerialExecutor(pooled::add, new Recording());
        for (int i = 0; i <= SerialExecutor.RUN_HERE_MAX_INPUTS; i++) {
            assertThat(SerialExecutor.deferRuns()).isEqualTo(i == 0);
        }
        first.execute(() -> ran.add("first"));
        second.execute(() -> ran.add("second"));

        // When it starts the runs it deferred
        SerialExecutor.runDeferred(true);

        // Then none ran here: both went to the pool, in the order they were scheduled, and run from there
        assertThat(ran).isEmpty();
        assertThat(pooled).hasSize(2);
        pooled.poll().run();
        pooled.poll().run();
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void aCallerThatSaysTheLoadIsHighHasEvenASmallBurstsRunsGoToThePool() {
        // Given a thread that deferred the run of an executor after one unit of input
        ArrayDeque<Runnable> pooled = new ArrayDeque<>();
        AtomicBoolean ran = new AtomicBoolean();
        SerialExecutor executor = new SerialExecutor(pooled::add, new Recording());
        SerialExecutor.deferRuns();
        executor.execute(() -> ran.set(true));

        // When it starts the deferred runs but may not run them itself
        SerialExecutor.runDeferred(false);

        // Then the run went to the pool
        assertThat(ran).isFalse();
        assertThat(pooled).hasSize(1);
        pooled.poll().run();
        assertThat(ran).isTrue();
    }

    @Test
    void whatADeferredRunLeavesOrSchedulesGoesToThePool() {
        // Given an executor whose owner has more work queued after every run, and another one
        ArrayDeque<Runnable> pooled = new ArrayDeque<>();
        Recording busy = new Recording();
        busy.queuedWork = true;
        SerialExecutor owner = new SerialExecutor(pooled::add, busy);
        SerialExecutor other = new SerialExecutor(pooled::add, new Recording());
        AtomicBoolean otherRan = new AtomicBoolean();

        // When a deferred run of it schedules the other executor
        SerialExecutor.deferRuns();
        owner.execute(() -> other.execute(() -> otherRan.set(true)));
        SerialExecutor.runDeferred(true);

        // Then the other executor's run and the owner's next run both went to the pool, not back to the deferral
        assertThat(busy.runs).hasValue(1);
        assertThat(otherRan).isFalse();
        assertThat(pooled).hasSize(2);
        busy.queuedWork = false;
        pooled.poll().run();
        pooled.poll().run();
        assertThat(otherRan).isTrue();
        assertThat(busy.runs).hasValue(2);
        assertThat(pooled).isEmpty();
    }

    @Test
    void anotherThreadsTasksAreNotDeferredByThisOne() throws Exception {
        // Given this thread defers runs
        SerialExecutor executor = new SerialExecutor(pool, new Recording());
        SerialExecutor.deferRuns();
        try {
            // When another thread adds a task
            CountDownLatch ran = new CountDownLatch(1);
            Thread other = new Thread(() -> executor.execute(ran::countDown));
            other.start();
            other.join();

            // Then it runs on the pool without this thread's help
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            SerialExecutor.runDeferred(true);
        }
    }

    @Test
    void aPoolThatRefusesOneDeferredRunLeavesTheOthersRunning() {
        // Given an executor whose runs always leave work for the pool, and a pool that refuses it (shut down)
        Recording busy = new Recording();
        busy.queuedWork = true;
        SerialExecutor refused = new SerialExecutor(
                task -> {
                    throw new java.util.concurrent.RejectedExecutionException("shut down");
                },
                busy);
        AtomicBoolean otherRan = new AtomicBoolean();
        SerialExecutor other = new SerialExecutor(pool, new Recording());

        // When both are deferred, the refused one first
        SerialExecutor.deferRuns();
        refused.execute(() -> {});
        other.execute(() -> otherRan.set(true));

        // Then running them reports the refusal, and the other ran all the same
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SerialExecutor.runDeferred(true))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(otherRan).isTrue();
        assertThat(SerialExecutor.deferRuns()).as("no longer deferring").isTrue();
        SerialExecutor.runDeferred(true);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
