package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SharedCursorTest {

    private static SharedCursor fresh(long end) {
        return new SharedCursor(0, end, new OffsetRanges(), 0);
    }

    @Test
    void readyMessagesAreHandedOutInOffsetOrder() {
        SharedCursor c = fresh(3);
        assertThat(c.readyCount()).isEqualTo(3);
        assertThat(c.take()).isZero();
        assertThat(c.take()).isEqualTo(1);
        assertThat(c.take()).isEqualTo(2);
        assertThat(c.take()).isEqualTo(-1);
        assertThat(c.hasReady()).isFalse();
    }

    @Test
    void requeuedMessagesGoOutFirstOldestFirstAndFlaggedRedelivered() {
        SharedCursor c = fresh(5);
        for (int i = 0; i < 3; i++) {
            c.handedOut(c.take(), null, 1, 1);
        }
        c.requeue(2);
        c.requeue(0);

        assertThat(c.readyCount()).isEqualTo(4);
        assertThat(c.take()).isZero();
        assertThat(c.lastTakenRedelivered()).isTrue();
        assertThat(c.take()).isEqualTo(2);
        assertThat(c.take()).isEqualTo(3);
        assertThat(c.lastTakenRedelivered()).isFalse();
    }

    @Test
    void settlingInAnyOrderMovesTheLowWatermarkOnlyPastAContiguousPrefix() {
        SharedCursor c = fresh(4);
        for (int i = 0; i < 4; i++) {
            c.handedOut(c.take(), null, 1, 1);
        }
        c.settle(1);
        c.settle(2);
        assertThat(c.lowWatermark()).isZero();
        c.settle(0);
        assertThat(c.lowWatermark()).isEqualTo(3);
        assertThat(c.unackedCount()).isEqualTo(1);
    }

    @Test
    void aRecoveredCursorSkipsSettledOffsetsAndFlagsThoseHandedOutBefore() {
        OffsetRanges settled = new OffsetRanges();
        settled.addRange(0, 2);
        settled.add(3);
        SharedCursor c = new SharedCursor(0, 6, settled, 5);

        assertThat(c.readyCount()).isEqualTo(3);
        assertThat(c.take()).isEqualTo(2);
        assertThat(c.lastTakenRedelivered()).isTrue();
        assertThat(c.take()).isEqualTo(4);
        assertThat(c.lastTakenRedelivered()).isTrue();
        assertThat(c.take()).isEqualTo(5);
        assertThat(c.lastTakenRedelivered()).isFalse();
    }

    @Test
    void purgeSettlesEveryReadyMessageButNotTheUnacknowledgedOnes() {
        SharedCursor c = fresh(10);
        c.handedOut(c.take(), null, 1, 1);
        c.handedOut(c.take(), null, 1, 1);
        c.requeue(1);

        assertThat(c.purge()).isEqualTo(9);
        assertThat(c.readyCount()).isZero();
        assertThat(c.unackedCount()).isEqualTo(1);
        c.appended(12);
        assertThat(c.take()).isEqualTo(10);
    }

    @Test
    void aHeldReadyMessageIsNeitherReadyNorSettledUntilItIsSettled() {
        SharedCursor c = fresh(4);
        c.hold(2); // ahead on the stream (dead-lettered while it waited)

        assertThat(c.isReady(2)).isFalse();
        assertThat(c.readyCount()).isEqualTo(3);
        assertThat(c.take()).isZero();
        assertThat(c.take()).isEqualTo(1);
        assertThat(c.take()).as("take passes the held offset").isEqualTo(3);
        c.settle(0);
        c.settle(1);
        c.settle(3);
        assertThat(c.lowWatermark()).as("the log keeps what is held").isEqualTo(2);
        assertThat(c.drainSettledSinceFlush(new OffsetRanges()).contains(2))
                .as("the cursor log does not hear of it")
                .isFalse();
        assertThat(c.heldCount()).isEqualTo(1);

        c.settle(2);
        assertThat(c.lowWatermark()).isEqualTo(4);
        assertThat(c.drainSettledSinceFlush(new OffsetRanges()).contains(2)).isTrue();
        assertThat(c.heldCount()).isZero();
    }

    @Test
    void heldRequeuedTakenAndUnackedMessagesWaitAsUnacknowledgedUntilSettled() {
        SharedCursor c = fresh(4);
        c.handedOut(c.take(), null, 1, 1); // 0 unacked
        c.handedOut(c.take(), null, 1, 1);
        c.requeue(1); // 1 requeued
        long taken = c.take(); // 1 again, taken
        c.hold(0);
        c.hold(taken);
        c.handedOut(c.take(), null, 1, 1); // 2
        c.requeue(2);
        c.hold(2);

        assertThat(c.readyCount()).isEqualTo(1);
        assertThat(c.unackedCount()).isEqualTo(3);
        assertThat(c.take()).isEqualTo(3);
        c.settle(0);
        c.settle(1);
        c.settle(2);
        assertThat(c.unackedCount()).isZero();
        assertThat(c.lowWatermark()).isEqualTo(3);
    }
}
