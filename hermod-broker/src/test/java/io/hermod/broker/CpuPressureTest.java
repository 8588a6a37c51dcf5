package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CpuPressureTest {

    private final AtomicReference<Double> load = new AtomicReference<>(0.0);

    private CpuPressure pressure(double threshold) {
        return new CpuPressure(load::get, threshold);
    }

    @Test
    void goesOnAtTheThresholdAndOffOnlyWellBelowIt() {
        CpuPressure cpu = pressure(0.9);

        load.set(0.89);
        cpu.check();
        assertThat(cpu.saturated()).isFalse();
        load.set(0.9);
        cpu.check();
        assertThat(cpu.saturated()).isTrue();
        load.set(0.81); // inside the hysteresis band: stays on
        cpu.check();
        assertThat(cpu.saturated()).isTrue();
        assertThat(cpu.load()).isEqualTo(0.81);
        load.set(0.79);
        cpu.check();
        assertThat(cpu.saturated()).isFalse();
        load.set(0.85); // below the threshold: stays off
        cpu.check();
        assertThat(cpu.saturated()).isFalse();
    }

    @Test
    void aThresholdOfZeroTurnsPacingOffWhateverTheLoad() {
        CpuPressure cpu = pressure(0);
        load.set(1.0);

        cpu.check();

        assertThat(cpu.saturated()).isFalse();
    }

    @Test
    void aLoadThatCannotBeMeasuredIsNotSaturation() {
        CpuPressure cpu = pressure(0.5);
        load.set(1.0);
        cpu.check();
        assertThat(cpu.saturated()).isTrue();

        load.set(-1.0);
        cpu.check();

        assertThat(cpu.saturated()).isFalse();
    }

    @Test
    void theThresholdMustBeALoad() {
        assertThatThrownBy(() -> pressure(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pressure(-0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pressure(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
