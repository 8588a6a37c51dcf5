package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CpuPressureTest {

    private final AtomicReference<Double> load = new AtomicReference<>(0.0);

    private CpuPressure pressure(double threshold) {
        return new CpuPressure(load::get, threshold);
    }

    /** Feeds {@code times} measurements of {@code value}. */
    private void measure(CpuPressure cpu, double value, int times) {
        load.set(value);
        for (int i = 0; i < times; i++) {
            cpu.check();
        }
    }

    @Test
    void goesOnOnceTwoMeasurementsAverageAtTheThreshold() {
        CpuPressure cpu = pressure(0.9);

        measure(cpu, 1.0, 1); // one measurement is not enough
        assertThat(cpu.saturated()).isFalse();
        measure(cpu, 0.79, 1); // (1.0 + 0.79) / 2 < 0.9
        assertThat(cpu.saturated()).isFalse();
        measure(cpu, 1.0, 1); // (0.79 + 1.0) / 2 < 0.9
        assertThat(cpu.saturated()).isFalse();
        measure(cpu, 0.8, 1); // (1.0 + 0.8) / 2 = 0.9
        assertThat(cpu.saturated()).isTrue();
    }

    @Test
    void goesOffOnlyOnceTheLastSecondAveragesWellBelowTheThreshold() {
        CpuPressure cpu = pressure(0.9);
        measure(cpu, 1.0, CpuPressure.OFF_SAMPLES);
        assertThat(cpu.saturated()).isTrue();

        measure(cpu, 0.5, 2); // a dip: the second still averages 0.9
        assertThat(cpu.saturated()).isTrue();
        assertThat(cpu.load()).isCloseTo(0.9, within(1e-9));
        measure(cpu, 0.5, 2); // 0.8: inside the hysteresis band
        assertThat(cpu.saturated()).isTrue();
        measure(cpu, 0.5, 1); // 0.75
        assertThat(cpu.saturated()).isFalse();
        assertThat(cpu.load()).isCloseTo(0.75, within(1e-9));

        measure(cpu, 0.85, CpuPressure.OFF_SAMPLES); // below the threshold: stays off
        assertThat(cpu.saturated()).isFalse();
        measure(cpu, 0.95, 2); // and comes back on within two measurements
        assertThat(cpu.saturated()).isTrue();
    }

    @Test
    void aBurstAfterAQuietSecondStaysOnForASecondAtLeast() {
        CpuPressure cpu = pressure(0.9);
        measure(cpu, 0.05, CpuPressure.OFF_SAMPLES);
        measure(cpu, 1.0, 2);
        assertThat(cpu.saturated()).isTrue();

        // the last second averages far below the threshold, but most of it is the quiet before the burst
        for (int i = 1; i < CpuPressure.OFF_SAMPLES; i++) {
            measure(cpu, 1.0, 1);
            assertThat(cpu.saturated()).as("measurement %d of the burst", i).isTrue();
        }
        measure(cpu, 1.0, CpuPressure.OFF_SAMPLES);
        assertThat(cpu.saturated()).isTrue();
        measure(cpu, 0.0, 3); // 0.7: off
        assertThat(cpu.saturated()).isFalse();
    }

    @Test
    void aSaturatedStartStaysOnForASecondWhateverFollows() {
        CpuPressure cpu = pressure(0.9);
        measure(cpu, 1.0, 2);
        assertThat(cpu.saturated()).isTrue();

        measure(cpu, 0.0, CpuPressure.OFF_SAMPLES - 1); // far below, but not a second since it went on
        assertThat(cpu.saturated()).isTrue();
        measure(cpu, 0.0, 1);
        assertThat(cpu.saturated()).isFalse();
    }

    @Test
    void aThresholdOfZeroTurnsPacingOffWhateverTheLoadButStillMeasuresIt() {
        CpuPressure cpu = pressure(0);

        measure(cpu, 1.0, CpuPressure.OFF_SAMPLES);
        assertThat(cpu.saturated()).isFalse();
        assertThat(cpu.load()).isCloseTo(1.0, within(1e-9));
        measure(cpu, 0.5, CpuPressure.OFF_SAMPLES / 2);
        assertThat(cpu.load()).isCloseTo(0.75, within(1e-9));
    }

    @Test
    void aLoadThatCannotBeMeasuredIsNotSaturation() {
        CpuPressure cpu = pressure(0.5);
        measure(cpu, 1.0, 2);
        assertThat(cpu.saturated()).isTrue();

        measure(cpu, -1.0, 1);
        assertThat(cpu.saturated()).isFalse();
        assertThat(cpu.load()).isNegative();

        measure(cpu, 1.0, 1); // measurable again: the samples start over
        assertThat(cpu.saturated()).isFalse();
        measure(cpu, 1.0, 1);
        assertThat(cpu.saturated()).isTrue();
    }

    @Test
    void theThresholdMustBeALoad() {
        assertThatThrownBy(() -> pressure(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pressure(-0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pressure(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
