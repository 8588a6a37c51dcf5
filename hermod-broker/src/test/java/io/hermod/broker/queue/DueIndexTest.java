package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class DueIndexTest {

    @Test
    void dueEntriesComeOutEarliestFirstAndOnlyThoseBeforeNow() {
        DueIndex index = new DueIndex();
        index.add(300, 3);
        index.add(100, 1);
        index.add(200, 2);
        List<Long> expired = new ArrayList<>();

        index.pollDue(200, expired::add); // due at 200 is not yet expired at 200
        assertThat(expired).containsExactly(1L);
        index.pollDue(1_000, expired::add);
        assertThat(expired).containsExactly(1L, 2L, 3L);
        assertThat(index.size()).isZero();
    }

    @Test
    void retainKeepsTheHeapOrdered() {
        DueIndex index = new DueIndex();
        for (long i = 0; i < 100; i++) {
            index.add(1_000 - i, i);
        }
        index.retain(offset -> offset % 3 == 0);
        List<Long> expired = new ArrayList<>();
        index.pollDue(Long.MAX_VALUE, expired::add);
        List<Long> expected = new ArrayList<>();
        for (long i = 99; i >= 0; i--) {
            if (i % 3 == 0) {
                expected.add(i);
            }
        }
        assertThat(expired).isEqualTo(expected);
    }

    /** Against a sorted list, with random adds, polls and retains interleaved. */
    @RepeatedTest(20)
    void behavesLikeASortedList() {
        Random random = new Random();
        DueIndex index = new DueIndex();
        List<long[]> model = new ArrayList<>();
        long offset = 0;
        for (int step = 0; step < 2_000; step++) {
            int op = random.nextInt(10);
            if (op < 7) {
                long due = random.nextInt(10_000);
                index.add(due, offset);
                model.add(new long[] {due, offset});
                offset++;
            } else if (op < 9) {
                long now = random.nextInt(10_000);
                List<Long> got = new ArrayList<>();
                index.pollDue(now, got::add);
                model.sort(Comparator.comparingLong((long[] e) -> e[0]));
                List<Long> dueNow = new ArrayList<>();
                while (!model.isEmpty() && model.get(0)[0] < now) {
                    dueNow.add(model.remove(0)[1]);
                }
                assertThat(got).containsExactlyInAnyOrderElementsOf(dueNow); // ties in due time may come in any order
            } else {
                int mod = random.nextInt(2, 5);
                index.retain(o -> o % mod != 0);
                model.removeIf(e -> e[1] % mod == 0);
            }
            assertThat(index.size()).isEqualTo(model.size());
        }
    }
}
