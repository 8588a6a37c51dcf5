package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OffsetRangesTest {

    @Test
    void adjacentAndOverlappingAddsMergeIntoOneRange() {
        OffsetRanges r = new OffsetRanges();
        assertThat(r.addRange(10, 20)).isEqualTo(10);
        assertThat(r.addRange(20, 25)).isEqualTo(5);
        assertThat(r.addRange(5, 12)).isEqualTo(5);
        assertThat(r.add(4)).isTrue();
        assertThat(r.add(4)).isFalse();

        assertThat(r.rangeCount()).isEqualTo(1);
        assertThat(r.size()).isEqualTo(21);
        assertThat(r).hasToString("[4..25]");
    }

    @Test
    void aRangeSpanningSeveralRangesSwallowsThemAndCountsOnlyNewOffsets() {
        OffsetRanges r = new OffsetRanges();
        r.addRange(0, 2);
        r.addRange(5, 7);
        r.addRange(9, 10);

        assertThat(r.addRange(1, 12)).isEqualTo(12 - 0 - 2 - 2 - 1);
        assertThat(r).hasToString("[0..12]");
    }

    @Test
    void firstAbsentSkipsTheRangeAnOffsetFallsIn() {
        OffsetRanges r = new OffsetRanges();
        r.addRange(3, 8);
        assertThat(r.firstAbsentFrom(0)).isZero();
        assertThat(r.firstAbsentFrom(3)).isEqualTo(8);
        assertThat(r.firstAbsentFrom(7)).isEqualTo(8);
        assertThat(r.firstAbsentFrom(8)).isEqualTo(8);
    }

    @Test
    void removeBelowCutsARangeInTwoAndKeepsTheCount() {
        OffsetRanges r = new OffsetRanges();
        r.addRange(0, 10);
        r.addRange(20, 30);
        r.removeBelow(25);
        assertThat(r).hasToString("[25..30]");
        assertThat(r.size()).isEqualTo(5);
    }

    @Test
    void randomOperationsAgreeWithASetOfOffsets() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            OffsetRanges r = new OffsetRanges();
            TreeSet<Long> oracle = new TreeSet<>();
            for (int op = 0; op < 100; op++) {
                long from = random.nextInt(200);
                switch (random.nextInt(4)) {
                    case 0 -> {
                        long to = from + random.nextInt(15);
                        long fresh = 0;
                        for (long o = from; o < to; o++) {
                            fresh += oracle.add(o) ? 1 : 0;
                        }
                        assertThat(r.addRange(from, to)).isEqualTo(fresh);
                    }
                    case 1 -> assertThat(r.add(from)).isEqualTo(oracle.add(from));
                    case 2 -> {
                        if (random.nextBoolean()) {
                            r.removeBelow(from / 4);
                            oracle.headSet(from / 4).clear();
                        } else {
                            long cut = from + 100;
                            assertThat(r.removeFrom(cut))
                                    .isEqualTo(!oracle.tailSet(cut).isEmpty());
                            oracle.tailSet(cut).clear();
                        }
                    }
                    default -> {
                        long to = from + random.nextInt(50);
                        assertThat(r.countIn(from, to))
                                .isEqualTo(oracle.subSet(from, to).size());
                        long absent = from;
                        while (oracle.contains(absent)) {
                            absent++;
                        }
                        assertThat(r.firstAbsentFrom(from)).isEqualTo(absent);
                        assertThat(r.contains(from)).isEqualTo(oracle.contains(from));
                    }
                }
                assertThat(r.size()).isEqualTo(oracle.size());
                assertRangesDisjointAndNotAdjacent(r);
            }
        }
    }

    private static void assertRangesDisjointAndNotAdjacent(OffsetRanges r) {
        List<long[]> ranges = new ArrayList<>();
        r.forEachRange((from, to) -> ranges.add(new long[] {from, to}));
        for (int i = 0; i < ranges.size(); i++) {
            assertThat(ranges.get(i)[0]).isLessThan(ranges.get(i)[1]);
            if (i > 0) {
                assertThat(ranges.get(i)[0]).isGreaterThan(ranges.get(i - 1)[1]);
            }
        }
    }
}
