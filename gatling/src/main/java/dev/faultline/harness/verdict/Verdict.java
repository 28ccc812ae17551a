package dev.faultline.harness.verdict;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.experiment.Experiment.Hypothesis;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One hypothesis of one phase, judged: the bound, what was measured, pass or fail. Pure functions. */
public record Verdict(String phase, String hypothesis, String bound, String measured, long requests, boolean passed) {

    /** Judges every hypothesis of every phase from the phase's stats; a phase without requests fails its hypotheses. */
    public static List<Verdict> judge(Experiment experiment, Map<String, PhaseStats> stats) {
        List<Verdict> out = new ArrayList<>();
        for (Experiment.Phase phase : experiment.phases()) {
            PhaseStats s = stats.getOrDefault(phase.name(), new PhaseStats());
            for (Hypothesis h : phase.hypotheses()) {
                out.add(judge(phase.name(), h, s));
            }
        }
        return out;
    }

    static Verdict judge(String phase, Hypothesis h, PhaseStats s) {
        long n = s.count();
        if (n == 0) {
            return new Verdict(phase, h.describe(), bound(h), "no requests", 0, false);
        }
        if (h instanceof Experiment.SuccessRatio r) {
            double v = s.successRatio();
            return new Verdict(phase, h.describe(), bound(h), fmt(v), n, v >= r.min());
        }
        if (h instanceof Experiment.Latency l) {
            double ms = s.percentileMillis(l.percentile());
            boolean ok = l.atLeast() ? ms >= l.bound().toMillis() : ms < l.bound().toMillis();
            return new Verdict(phase, h.describe(), bound(h), fmt(ms) + " ms", n, ok);
        }
        Experiment.StatusPresence p = (Experiment.StatusPresence) h;
        long c = s.countOf(p.code());
        return new Verdict(phase, h.describe(), bound(h), c + " x " + p.code(), n, p.present() == (c > 0));
    }

    private static String bound(Hypothesis h) {
        if (h instanceof Experiment.SuccessRatio r) {
            return ">= " + r.min();
        }
        if (h instanceof Experiment.Latency l) {
            return (l.atLeast() ? ">= " : "< ") + l.bound().toMillis() + " ms";
        }
        return ((Experiment.StatusPresence) h).present() ? "> 0" : "= 0";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** The table printed at the end of a run. */
    public static String table(List<Verdict> verdicts) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-16s %-36s %-12s %-16s %9s  %s%n", "phase", "hypothesis", "bound",
                "measured", "requests", "verdict"));
        for (Verdict v : verdicts) {
            sb.append(String.format(Locale.ROOT, "%-16s %-36s %-12s %-16s %9d  %s%n", v.phase(), v.hypothesis(),
                    v.bound(), v.measured(), v.requests(), v.passed() ? "PASS" : "FAIL"));
        }
        return sb.toString();
    }
}
