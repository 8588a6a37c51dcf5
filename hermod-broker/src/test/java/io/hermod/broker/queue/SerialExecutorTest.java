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
