package dev.faultline.harness.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.experiment.ExperimentLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictTest {
    private static final Experiment E = ExperimentLoader.parse("""
            name: t
            load: {rate: 1}
            phases:
            - name: baseline
              duration: 1s
              hypotheses: [{successRatio: ">= 0.9"}, {p99: "< 100ms"}, {status: {code: 503, present: false}}]
            - name: fault
              duration: 1s
              hypotheses: [{p50: ">= 200ms"}, {status: {code: 503, present: true}}]
            """, "t.yml");

    @Test
    void satisfiedHypothesesPass() {
        PhaseStats base = new PhaseStats();
        for (int i = 0; i < 100; i++) {
            base.record(200, 5_000);
        }
        PhaseStats fault = new PhaseStats();
        for (int i = 0; i < 10; i++) {
            fault.record(i % 2 == 0 ? 503 : 200, 250_000);
        }
        List<Verdict> v = Verdict.judge(E, Map.of("baseline", base, "fault", fault));
        assertThat(v).hasSize(5).allMatch(Verdict::passed);
        assertThat(v.get(1).measured()).matches("5\\.00\\d ms");
        assertThat(v.get(4).measured()).isEqualTo("5 x 503");
    }

    @Test
    void aViolatedHypothesisFailsWithWhatWasMeasured() {
        PhaseStats base = new PhaseStats();
        for (int i = 0; i < 100; i++) {
            base.record(i < 20 ? 500 : 200, i == 0 ? 400_000 : 5_000);
        }
        base.record(503, 1_000);
        List<Verdict> v = Verdict.judge(E, Map.of("baseline", base));
        assertThat(v.get(0)).extracting(Verdict::passed, Verdict::measured).containsExactly(false, "0.792");
        assertThat(v.get(1).passed()).as("p99 with one slow request of 101 is still fast").isTrue();
        assertThat(v.get(2).passed()).isFalse();
        assertThat(v.get(3)).extracting(Verdict::passed, Verdict::measured).containsExactly(false, "no requests");
        assertThat(Verdict.table(v)).contains("FAIL", "baseline", "success ratio >= 0.9");
    }

    @Test
    void serverSideHypothesesUseServerValuesAndCannotJudgeWithoutThem() {
        Experiment e = ExperimentLoader.parse("""
                name: s
                load: {rate: 1}
                phases:
                - name: fault
                  duration: 1s
                  hypotheses:
                  - server: {measure: proxy.retries, bound: "> 0"}
                  - server: {measure: proxy.breakerOpen, bound: "== 1"}
                  - server: {promql: 'sum(up)', bound: "< 1"}
                """, "s.yml");
        Verdict.ServerValues values = (phase, h) -> {
            if (h.promql() != null) {
                throw new java.io.IOException("needs a Prometheus");
            }
            return h.measure().equals("proxy.retries") ? 12 : Double.NaN;
        };
        List<Verdict> v = Verdict.judge(e, Map.of(), values);
        assertThat(v.get(0)).extracting(Verdict::passed, Verdict::measured, Verdict::bound)
                .containsExactly(true, "12.000", "> 0");
        assertThat(v.get(1)).extracting(Verdict::passed, Verdict::measured, Verdict::broken)
                .containsExactly(false, "no data", false);
        assertThat(v.get(2)).extracting(Verdict::passed, Verdict::broken, Verdict::error)
                .containsExactly(false, true, "needs a Prometheus");
        assertThat(Verdict.table(v)).contains("ERROR: needs a Prometheus");
    }
}
