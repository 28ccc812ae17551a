package dev.faultline.harness.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faultline.harness.experiment.Experiment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExactlyOnceCheckTest {
    /** Reads at t=1000 (value a) and t=2000 (value b), each taking 10 ms. */
    private static Ledger.Read at(long t, double v) {
        return new Ledger.Read(t, t + 10, v);
    }

    @Test
    void requestsAnsweredInsideTheWindowMustEachBeAppliedOnce() {
        Ledger l = new Ledger();
        for (int i = 0; i < 10; i++) {
            l.sent(1100 + i);
            l.answeredOk(1100 + i, 1200 + i);
        }
        assertThat(l.between(at(1000, 5), at(2000, 15))).isEqualTo(new Ledger.Bounds(10, 10));
    }

    @Test
    void requestsInFlightAtABoundaryMayBeAppliedOnEitherSide() {
        Ledger l = new Ledger();
        l.sent(900); // answered inside the window: applied before or after the first read
        l.answeredOk(900, 1100);
        l.sent(1900); // answered after the second read
        l.answeredOk(1900, 2100);
        l.sent(1500); // never answered 200 (504, reset): may be applied at any time after 1500
        l.sent(800); // answered before the window: cannot be applied in it
        l.answeredOk(800, 850);
        l.sent(2500); // sent after the window
        assertThat(l.between(at(1000, 0), at(2000, 0))).isEqualTo(new Ledger.Bounds(0, 3));
    }

    @Test
    void aRetryAppliedTwiceIsASurplus() {
        Ledger l = new Ledger();
        for (int i = 0; i < 20; i++) {
            l.sent(1100 + i * 10);
            l.answeredOk(1100 + i * 10, 1150 + i * 10);
        }
        Verdict v = ExactlyOnceCheck.judge("timeouts", "exactly once", 20,
                phase -> List.of(new ExactlyOnceCheck.Count("guesses", 23, l.between(at(1000, 0), at(2000, 23)))));
        assertThat(v.passed()).isFalse();
        assertThat(v.measured()).isEqualTo("guesses: surplus 3 (23 applied, at most 20 sent)");
    }

    @Test
    void anAnsweredRequestTheServerDidNotCountIsLost() {
        Ledger l = new Ledger();
        l.sent(1100);
        l.answeredOk(1100, 1150);
        Verdict v = ExactlyOnceCheck.judge("p", "exactly once", 1,
                phase -> List.of(new ExactlyOnceCheck.Count("games", 0, l.between(at(1000, 0), at(2000, 0)))));
        assertThat(v.passed()).isFalse();
        assertThat(v.measured()).isEqualTo("games: lost 1 (0 applied, 1 answered 200)");
    }

    @Test
    void withinTheBoundsItHolds() {
        Verdict v = ExactlyOnceCheck.judge("p", "exactly once", 5, phase -> List.of(
                new ExactlyOnceCheck.Count("guesses", 4, new Ledger.Bounds(3, 5)),
                new ExactlyOnceCheck.Count("games", 1, new Ledger.Bounds(1, 1))));
        assertThat(v.passed()).isTrue();
        assertThat(v.measured()).isEqualTo("guesses: 4 applied (3..5); games: 1 applied (1..1)");
    }

    @Test
    void withoutCountsItIsNotJudged() {
        Verdict v = ExactlyOnceCheck.judge("p", "exactly once", 5, phase -> {
            throw new java.io.IOException("the server's counters were not read");
        });
        assertThat(v.passed()).isFalse();
        assertThat(v.broken()).isTrue();
        assertThat(v.error()).contains("not read");
    }

    @Test
    void aCounterThatWentDownIsARestartNotAVerdict() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExactlyOnceCheck.increase(at(0, 10), at(1, 3), "guesses"))
                .hasMessageContaining("restarted");
    }

    @Test
    void theExperimentsHypothesisIsJudgedThroughTheAccounting() {
        Experiment e = new Experiment("x", "", Experiment.Target.EDGE,
                new Experiment.Load(1, Duration.ZERO, Duration.ZERO, Duration.ZERO), Map.of(),
                List.of(new Experiment.Phase("p", Duration.ofSeconds(1), java.util.Optional.empty(), List.of(),
                        List.of(new Experiment.ExactlyOnce()))));
        List<Verdict> v = Verdict.judge(e, Map.of(), (p, h) -> Double.NaN,
                phase -> List.of(new ExactlyOnceCheck.Count("guesses", 2, new Ledger.Bounds(0, 1))));
        assertThat(v).singleElement().satisfies(x -> {
            assertThat(x.hypothesis()).isEqualTo("exactly once (guesses, games)");
            assertThat(x.passed()).isFalse();
        });
    }

    @Test
    void theLedgerIsBounded() {
        Ledger l = new Ledger();
        for (int i = 0; i <= Ledger.MAX; i++) {
            l.sent(i);
        }
        assertThat(l.overflowed()).isTrue();
    }
}
