package io.hermod.broker.delay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReleasedSetTest {

    @Test
    void addedOffsetsAreContainedAndCountedOnce() {
        ReleasedSet set = new ReleasedSet();
        assertThat(set.add(5)).isTrue();
        assertThat(set.add(5)).isFalse();
        assertThat(set.add(200)).isTrue();

        assertThat(set.contains(5)).isTrue();
        assertThat(set.contains(6)).isFalse();
        assertThat(set.contains(200)).isTrue();
        assertThat(set.contains(10_000)).isFalse();
        assertThat(set.count()).isEqualTo(2);
    }

    @Test
    void firstAbsentFromSkipsReleasedRunsAcrossWords() {
        ReleasedSet set = new ReleasedSet();
        for (long o = 0; o < 130; o++) {
            set.add(o);
        }
        assertThat(set.firstAbsentFrom(0)).isEqualTo(130);
        assertThat(set.firstAbsentFrom(140)).isEqualTo(140);
        set.add(130);
        set.add(131);
        assertThat(set.firstAbsentFrom(64)).isEqualTo(132);
        for (long o = 132; o < 192; o++) {
            set.add(o);
        }
        assertThat(set.firstAbsentFrom(0)).as("past the last word").isEqualTo(192);
    }

    @Test
    void removeBelowMovesTheBaseAndKeepsWhatIsAbove() {
        ReleasedSet set = new ReleasedSet();
        for (long o = 0; o < 1_000; o += 3) {
            set.add(o);
        }
        set.removeBelow(500);
        assertThat(set.base()).isEqualTo(448);
        assertThat(set.contains(501)).isTrue();
        assertThat(set.contains(502)).isFalse();
        assertThat(set.contains(10))
                .as("below the base: gone from the log, counted released")
                .isTrue();
        assertThat(set.count()).isEqualTo((1_000 - 448 + 2) / 3);
    }

    @Test
    void removeFromClearsEverythingAtOrAboveAnOffset() {
        ReleasedSet set = new ReleasedSet();
        set.add(3);
        set.add(70);
        set.add(500);
        assertThat(set.removeFrom(70)).isTrue();
        assertThat(set.contains(3)).isTrue();
        assertThat(set.contains(70)).isFalse();
        assertThat(set.contains(500)).isFalse();
        assertThat(set.count()).isEqualTo(1);
        assertThat(set.removeFrom(70)).isFalse();
    }

    @Test
    void aSnapshotOfTheWordsRebuildsTheSameSet() {
        Random random = new Random(42);
        ReleasedSet set = new ReleasedSet();
        BitSet oracle = new BitSet();
        for (int i = 0; i < 5_000; i++) {
            int o = random.nextInt(20_000);
            set.add(o);
            oracle.set(o);
        }
        ReleasedSet copy = new ReleasedSet(set.base(), set.words());
        for (int o = 0; o < 21_000; o++) {
            assertThat(copy.contains(o)).as("offset %d", o).isEqualTo(oracle.get(o));
        }
        assertThat(copy.count()).isEqualTo(oracle.cardinality());
        assertThat(copy.firstAbsentFrom(0)).isEqualTo(oracle.nextClearBit(0));
    }

    @Test
    void countInCountsTheOffsetsOfAnyRange() {
        Random random = new Random(3);
        ReleasedSet set = new ReleasedSet();
        BitSet oracle = new BitSet();
        for (int i = 0; i < 3_000; i++) {
            int o = 128 + random.nextInt(5_000);
            set.add(o);
            oracle.set(o);
        }
        set.removeBelow(100); // a base of 64
        for (int i = 0; i < 2_000; i++) {
            int from = 64 + random.nextInt(5_200);
            int to = from + random.nextInt(300);
            assertThat(set.countIn(from, to))
                    .as("[%d, %d)", from, to)
                    .isEqualTo(oracle.get(from, to).cardinality());
        }
    }

    @Test
    void aMillionScatteredOffsetsCostAnEighthOfAByteEach() {
        ReleasedSet set = new ReleasedSet();
        Random random = new Random(7);
        for (int i = 0; i < 500_000; i++) {
            set.add(random.nextInt(1_000_000));
        }
        assertThat(set.heapBytes()).isLessThanOrEqualTo(2 * 1_000_000 / 8);
    }
}
