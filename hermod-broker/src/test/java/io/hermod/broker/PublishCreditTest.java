package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PublishCreditTest {

    @Test
    void pausesAtTheMessageBoundAndResumesAtHalf() {
        PublishCredit credit = new PublishCredit(4, 1_000_000, 1_000_000);
        assertThat(credit.publish(10, 1)).isFalse();
        assertThat(credit.publish(10, 1)).isFalse();
        assertThat(credit.publish(10, 1)).isFalse();
        assertThat(credit.publish(10, 1)).as("the fourth reaches the bound").isTrue();
        assertThat(credit.paused()).isTrue();
        assertThat(credit.publish(10, 1)).as("already paused: no second pause").isFalse();
        assertThat(credit.taken(10, 1)).isFalse(); // 4 left
        assertThat(credit.taken(10, 1)).isFalse(); // 3
        assertThat(credit.taken(10, 1)).as("down to half").isTrue();
        assertThat(credit.paused()).isFalse();
        assertThat(credit.taken(10, 1)).as("one resume per pause").isFalse();
        assertThat(credit.inFlight()).isOne();
    }

    @Test
    void pausesAtTheByteBoundAndResumesWhenTheBytesAreDownToHalf() {
        PublishCredit credit = new PublishCredit(1000, 100, 1_000_000);
        assertThat(credit.publish(60, 1)).isFalse();
        assertThat(credit.publish(40, 1)).isTrue();
        assertThat(credit.taken(40, 1)).as("60 bytes left").isFalse();
        assertThat(credit.taken(60, 1)).isTrue();
    }

    @Test
    void aMessageCountsOncePerQueueItReachedAgainstTheEntryBound() {
        PublishCredit credit = new PublishCredit(256, 1_000_000, 3000);
        assertThat(credit.publish(0, 1500)).isFalse();
        assertThat(credit.publish(0, 1500))
                .as("two messages, 3,000 queue entries")
                .isTrue();
        assertThat(credit.taken(0, 1500)).as("1,500 entries left: down to half").isTrue();
        assertThat(credit.publish(0, 0)).as("unroutable: one entry").isFalse();
        assertThat(credit.inFlight()).isEqualTo(2);
    }

    @Test
    void aMessageLargerThanTheByteBoundPausesUntilItIsTaken() {
        PublishCredit credit = new PublishCredit(1000, 100, 1_000_000);
        assertThat(credit.publish(500, 1)).isTrue();
        assertThat(credit.taken(500, 1)).isTrue();
        assertThat(credit.paused()).isFalse();
    }

    @Test
    void aPublishThatFindsEverythingTakenByTheTimeItPausesDoesNotPause() {
        // the state after: counted at the bound, then all taken before the pause was set
        PublishCredit credit = new PublishCredit(2, 1000, 1_000_000);
        credit.publish(1, 1);
        credit.taken(1, 1);
        assertThat(credit.publish(1, 1)).isFalse();
        assertThat(credit.paused()).isFalse();
    }

    /**
     * One event-loop thread publishes and pauses while other threads take; whatever the interleaving, a pause always
     * ends once everything is taken (the event loop would otherwise never read again).
     */
    @RepeatedTest(20)
    @Timeout(20)
    void aPauseAlwaysEndsOnceEverythingIsTaken() throws Exception {
        PublishCredit credit = new PublishCredit(8, 64, 1_000_000);
        BlockingQueue<Integer> inFlight = new ArrayBlockingQueue<>(10_000);
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> takers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread taker = new Thread(() -> {
                while (!done.get() || !inFlight.isEmpty()) {
                    Integer size;
                    try {
                        size = inFlight.poll(1, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (size != null) {
                        credit.taken(size, 1);
                    }
                }
            });
            taker.start();
            takers.add(taker);
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int published = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (published < 20_000) {
            assertThat(System.nanoTime()).as("stuck paused").isLessThan(deadline);
            if (credit.paused()) {
                Thread.onSpinWait();
                continue;
            }
            int size = random.nextInt(1, 20);
            credit.publish(size, 1);
            inFlight.add(size);
            published++;
        }
        done.set(true);
        for (Thread taker : takers) {
            taker.join();
        }
        assertThat(credit.inFlight()).isZero();
        assertThat(credit.paused()).isFalse();
    }
}
