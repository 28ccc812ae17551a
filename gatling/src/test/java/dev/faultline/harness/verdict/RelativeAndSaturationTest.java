package dev.faultline.harness.verdict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.experiment.ExperimentLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bounds relative to another phase of the same run, and phases whose load generator was saturated. */
class RelativeAndSaturationTest {
    private static final Experiment E = ExperimentLoader.parse("""
            name: storm
            load: {rate: 1}
            phases:
            - name: full
              duration: 1s
              hypotheses: [{successRatio: ">= 0.3"}]
            - name: resumed
              duration: 1s
              hypotheses: [{successRatio: ">= phase(full)"}, {p50: "< 0.5 * phase(full)"}]
            """, "storm.yml");

    private static PhaseStats stats(int ok, int failed, long micros) {
        PhaseStats s = new PhaseStats();
        for (int i = 0; i < ok; i++) {
            s.record(200, micros);
        }
        for (int i = 0; i < failed; i++) {
            s.record(PhaseStats.NO_ANSWER, micros);
        }
        return s;
    }

    private static final LoadHealth FINE = new LoadHealth(3, 12, 100, 100, 0.6);
    private static final LoadHealth LATE = new LoadHealth(450, 900, 100, 100, 1.0);

    @Test
    void aRelativeBoundIsTheOtherPhasesMeasureTimesTheFactor() {
        assertThat(E.phase("resumed").orElseThrow().hypotheses()).containsExactly(
                new Experiment.Relative("successRatio", true, 1, "full"),
                new Experiment.Relative("p50", false, 0.5, "full"));
        List<Verdict> v = Verdict.judge(E, Map.of("full", stats(40, 60, 800_000), "resumed", stats(90, 10, 100_000)));
        assertThat(v).allMatch(Verdict::passed);
        assertThat(v.get(1).bound()).isEqualTo(">= 0.400");
        assertThat(v.get(1).measured()).isEqualTo("0.900 (full: 0.400)");
        assertThat(v.get(2).hypothesis()).isEqualTo("p50 < 0.5 x phase full");
    }

    @Test
    void aRelativeClaimThatDoesNotHoldFails() {
        List<Verdict> v = Verdict.judge(E, Map.of("full", stats(90, 10, 100_000), "resumed", stats(40, 60, 100_000)));
        assertThat(v.get(1).passed()).isFalse();
        assertThat(v.get(1).failed()).isTrue();
        assertThat(v.get(2).passed()).as("100 ms is not below half of 100 ms").isFalse();
    }

    @Test
    void aPhaseWhoseLoadGeneratorFellBehindIsNotJudgedAndDoesNotFailTheRun() {
        List<Verdict> v = Verdict.judge(E, Map.of("full", stats(10, 90, 800_000), "resumed", stats(90, 10, 100_000)),
                (p, h) -> Double.NaN, p -> List.of(), Map.of("full", LATE, "resumed", FINE));
        assertThat(v.get(0).passed()).isFalse();
        assertThat(v.get(0).failed()).isFalse();
        assertThat(v.get(0).unjudged()).startsWith("load generator saturated: its threads woke 450 ms late at p99");
        assertThat(v.get(1).unjudged()).as("relative to a saturated phase").startsWith("phase full: load generator");
        assertThat(Verdict.table(v)).contains("NOT JUDGED: load generator saturated");
    }

    @Test
    void aRealBreachInAHealthyPhaseStillFails() {
        List<Verdict> v = Verdict.judge(E, Map.of("full", stats(10, 90, 800_000), "resumed", stats(90, 10, 100_000)),
                (p, h) -> Double.NaN, p -> List.of(), Map.of("full", FINE, "resumed", FINE));
        assertThat(v.get(0).failed()).isTrue();
        assertThat(v.get(0).unjudged()).isNull();
    }

    @Test
    void usersStartedBehindScheduleIsSaturationToo() {
        assertThat(new LoadHealth(5, 10, 150, 200, 10, 0.9, 0, 2).saturated()).hasValueSatisfying(
                w -> assertThat(w).contains("it started 150 of 200 scheduled users", "machine CPU 90 % busy"));
        assertThat(new LoadHealth(5, 10, 165, 200, 10, 0.9, 0, 2).saturated())
                .as("within 90 % less 2 s of users: the two clocks' offset").isEmpty();
        assertThat(new LoadHealth(5, 10, 0, Double.NaN, Double.NaN).saturated()).as("no schedule to compare").isEmpty();
    }

    @Test
    void aMachineBusyWithOtherWorkIsNotTheRunsToMeasure() {
        assertThat(new LoadHealth(5, 10, 100, 100, 0.98, 1.1, 2).saturated()).hasValueSatisfying(w -> assertThat(w)
                .contains("the machine was 98 % busy and 1.1 of its 2 cores ran other work than this run's"));
        assertThat(new LoadHealth(5, 10, 100, 100, 1.0, 0.3, 2).saturated())
                .as("a third of a core of stress-ng beside a saturated run").isPresent();
        assertThat(new LoadHealth(5, 10, 100, 100, 0.98, 0.1, 2).saturated())
                .as("the run itself saturating the machine is the system's behaviour, judged").isEmpty();
        assertThat(new LoadHealth(5, 10, 100, 100, 0.6, 1.0, 2).saturated())
                .as("other work beside a machine with room to spare").isEmpty();
    }

    @Test
    void theScheduleCountsRampedAndSteadyPlayers() {
        Experiment e = ExperimentLoader.parse("""
                name: s
                load: {rate: 8, rampUp: 2s}
                phases:
                - {name: a, duration: 4s}
                - {name: b, duration: 5s, rate: 20}
                """, "s.yml");
        assertThat(e.usersScheduled(0)).as("2 s ramped from 1 to 8, 2 s at 8").isEqualTo(9 + 16);
        assertThat(e.usersScheduled(1)).isEqualTo(100);
    }

    @Test
    void aRelativeBoundNamesAnotherPhaseOfTheExperiment() {
        assertThatThrownBy(() -> ExperimentLoader.parse("""
                name: x
                load: {rate: 1}
                phases:
                - name: a
                  duration: 1s
                  hypotheses: [{successRatio: ">= 0.9 * phase(nope)"}]
                """, "x.yml")).hasMessageContaining("x.yml").hasMessageContaining("phases[0].hypotheses[0].successRatio")
                .hasMessageContaining("phase(nope) is not another phase of this experiment (phases: a)");
    }
}
