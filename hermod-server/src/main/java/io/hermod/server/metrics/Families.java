package io.hermod.server.metrics;

import io.hermod.storage.LatencyHistogram;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * One scrape's metric families as they are filled: a family per name, its data points added one label set at a time,
 * then built into Prometheus snapshots. Families left without a data point are not written at all.
 *
 * <p>Threading: one scrape's, on the thread that scrapes.
 */
final class Families {

    private final List<MetricSnapshot> built = new ArrayList<>();

    /** A gauge or counter family being filled; a counter's name is given without {@code _total} (the format adds it). */
    final class Scalar {
        private final String name;
        private final String help;
        private final boolean counter;
        private final List<Double> values = new ArrayList<>();
        private final List<Labels> labels = new ArrayList<>();

        private Scalar(String name, String help, boolean counter) {
            this.name = name;
            this.help = help;
            this.counter = counter;
        }

        Scalar add(double value, Labels labelSet) {
            values.add(value);
            labels.add(labelSet);
            return this;
        }

        void done() {
            if (values.isEmpty()) {
                return;
            }
            if (counter) {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
                for (int i = 0; i < values.size(); i++) {
                    b.dataPoint(CounterDataPointSnapshot.builder()
                            .value(values.get(i))
                            .labels(labels.get(i))
                            .build());
                }
                built.add(b.build());
            } else {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
                for (int i = 0; i < values.size(); i++) {
                    b.dataPoint(GaugeDataPointSnapshot.builder()
                            .value(values.get(i))
                            .labels(labels.get(i))
                            .build());
                }
                built.add(b.build());
            }
        }
    }

    /** A histogram family in seconds being filled from {@link LatencyHistogram}s counted in some other unit. */
    final class Histogram {
        private final HistogramSnapshot.Builder builder;
        private final double secondsPerUnit;
        private boolean any;

        private Histogram(String name, String help, double secondsPerUnit) {
            builder = HistogramSnapshot.builder().name(name).help(help);
            this.secondsPerUnit = secondsPerUnit;
        }

        /** One data point from bucket counts (not cumulative, the last one above every bound) and their sum. */
        Histogram add(long[] bounds, long[] counts, long sum, Labels labels) {
            double[] upper = new double[bounds.length + 1];
            for (int i = 0; i < bounds.length; i++) {
                upper[i] = bounds[i] * secondsPerUnit;
            }
            upper[bounds.length] = Double.POSITIVE_INFINITY;
            builder.dataPoint(HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, counts))
                    .sum(sum * secondsPerUnit)
                    .labels(labels)
                    .build());
            any = true;
            return this;
        }

        Histogram add(LatencyHistogram h, Labels labels) {
            return add(h.bounds(), h.counts(), h.sum(), labels);
        }

        void done() {
            if (any) {
                built.add(builder.build());
            }
        }
    }

    Scalar gauge(String name, String help) {
        return new Scalar(name, help, false);
    }

    Scalar counter(String name, String help) {
        return new Scalar(name, help, true);
    }

    Histogram histogram(String name, String help, double secondsPerUnit) {
        return new Histogram(name, help, secondsPerUnit);
    }

    List<MetricSnapshot> snapshots() {
        return built;
    }
}
