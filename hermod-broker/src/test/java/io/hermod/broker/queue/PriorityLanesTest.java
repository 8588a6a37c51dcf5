package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PriorityLanesTest {

    private static List<Long> pollAll(PriorityLanes lanes) {
        List<Long> out = new ArrayList<>();
        for (long o = lanes.poll(); o >= 0; o = lanes.poll()) {
            out.add(o);
        }
        return out;
    }

    @Test
    void highestLevelFirstOldestFirstWithinALevel() {
        PriorityLanes lanes = new PriorityLanes(3);
        lanes.add(0, 1);
        lanes.add(1, 3);
        lanes.add(2, 1);
        lanes.add(3, 9); // above the maximum: level 3
        lanes.add(4, 0);
        assertThat(lanes.count()).isEqualTo(5);
        assertThat(pollAll(lanes)).containsExactly(1L, 3L, 0L, 2L, 4L);
        assertThat(lanes.count()).isZero();
    }

    @Test
    void removedOffsetsAreSkippedAndReturnedOnesGoToTheFrontOfTheirLevelFlagged() {
        PriorityLanes lanes = new PriorityLanes(5);
        for (long o = 0; o < 6; o++) {
            lanes.add(o, (int) (o % 2) * 5); // evens level 0, odds level 5
        }
        assertThat(lanes.remove(3)).isTrue();
        assertThat(lanes.contains(3)).isFalse();
        assertThat(lanes.remove(3)).isFalse();
        assertThat(lanes.poll()).isEqualTo(1);
        assertThat(lanes.lastTakenReturned()).isFalse();
        lanes.addReturned(1);
        lanes.addReturned(3); // removed earlier: it remembers its level
        assertThat(lanes.poll()).isEqualTo(3);
        assertThat(lanes.lastTakenReturned()).isTrue();
        assertThat(pollAll(lanes)).containsExactly(1L, 5L, 0L, 2L, 4L);
    }

    @Test
    void offsetBitsMatchASetAcrossChunksUnderRandomChanges() {
        PriorityLanes.OffsetBits bits = new PriorityLanes.OffsetBits();
        java.util.Set<Long> model = new java.util.HashSet<>();
        Random random = new Random(42);
        for (int i = 0; i < 50_000; i++) {
            long offset = random.nextInt(300_000) + (1L << 40);
            if (random.nextBoolean()) {
                assertThat(bits.set(offset)).isEqualTo(model.add(offset));
            } else {
                assertThat(bits.clear(offset)).isEqualTo(model.remove(offset));
            }
            long probe = random.nextInt(300_000) + (1L << 40);
            assertThat(bits.get(probe)).isEqualTo(model.contains(probe));
        }
    }
}
