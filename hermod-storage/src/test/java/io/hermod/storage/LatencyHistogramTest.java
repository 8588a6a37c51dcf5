package io.hermod.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void a_value_counts_in_the_first_bucket_whose_bound_it_does_not_exceed() {
        LatencyHistogram h = new LatencyHistogram(new long[] {10, 100, 1000});

        h.record(0);
        h.record(10); // a bound is inclusive, as Prometheus' le
        h.record(11);
        h.record(1000);
        h.record(1001); // above every bound: the +Inf bucket

        assertThat(h.counts()).containsExactly(2, 1, 1, 1);
        assertThat(h.sum()).isEqualTo(0 + 10 + 11 + 1000 + 1001);
        assertThat(h.bounds()).containsExactly(10, 100, 1000);
    }

    @Test
    void a_negative_duration_from_a_clock_stepping_back_counts_as_zero() {
        LatencyHistogram h = new LatencyHistogram(new long[] {5});

        h.record(-3);

        assertThat(h.counts()).containsExactly(1, 0);
        assertThat(h.sum()).isZero();
    }

    @Test
    void bounds_must_ascend() {
        assertThatThrownBy(() -> new LatencyHistogram(new long[] {10, 10}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrent_recorders_lose_no_count() throws Exception {
        LatencyHistogram h = new LatencyHistogram(LatencyHistogram.FSYNC_BOUNDS_NANOS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    h.record(i * 1_000L);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }

        long total = 0;
        for (long c : h.counts()) {
            total += c;
        }
        assertThat(total).isEqualTo(40_000);
        long[] into = new long[h.counts().length];
        h.addCountsTo(into);
        assertThat(into).containsExactly(h.counts());
    }
}
