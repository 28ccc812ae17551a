package dev.faultline.harness.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadMonitorTest {
    @Test
    void otherWorkIsTheMachinesBusyCoresLessTheRunsOwn() {
        // 2 cores 100 % busy for 10 s; the run's two processes used 12 CPU s of the 20: 0.8 cores of other work
        assertThat(LoadMonitor.foreignCores(1.0, 2, 10, Map.of(1L, 5.0, 2L, 1.0), Map.of(1L, 13.0, 2L, 5.0)))
                .isCloseTo(0.8, within(1e-9));
    }

    @Test
    void aServerRestartedWithinThePhaseCountsAsTheRunsNotAsOtherWork() {
        // the old server (pid 2) ended after the start; the new one (pid 3) used 9 CPU s in the phase
        assertThat(LoadMonitor.foreignCores(1.0, 2, 10, Map.of(1L, 5.0, 2L, 1.0), Map.of(1L, 16.0, 3L, 9.0)))
                .isCloseTo(0.0, within(1e-9));
    }

    @Test
    void withoutAWindowThereIsNoFigure() {
        assertThat(LoadMonitor.foreignCores(0.5, 2, 0, Map.of(), Map.of())).isNaN();
        assertThat(LoadMonitor.foreignCores(Double.NaN, 2, 1, Map.of(), Map.of())).isNaN();
    }
}
