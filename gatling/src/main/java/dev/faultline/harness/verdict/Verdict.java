package dev.faultline.harness.verdict;

import dev.faultline.harness.experiment.Experiment;
import dev.faultline.harness.experiment.Experiment.Hypothesis;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One hypothesis of one phase, judged: the bound, what was measured, pass or fail; {@code error} when it could not
 * be judged at all (a harness problem, not a breach); {@code unjudged} when it was deliberately not judged because
 * the measurement describes the machine rather than the system (the load generator was saturated). Pure functions.
 */
public record Verdict(String phase, String hypothesis, String bound, String measured, long requests, boolean passed,
                      String error, String unjudged) {

    public Verdict(String phase, String hypothesis, String bound, String measured, long requests, boolean passed) {
        this(phase, hypothesis, bound, measured, requests, passed, null, null);
    }

    public Verdict(String phase, String hypothesis, String bound, String measured, long requests, boolean passed,
                   String error) {
        this(phase, hypothesis, bound, measured, requests, passed, error, null);
    }

    /** Whether this verdict fails the run: a breach or a harness failure; an unjudged phase does not. */
    public boolean failed() {
        return !passed && unjudged == null;
    }

    /** The server-side value of a hypothesis in a phase (NaN: no data). */
    public interface ServerValues {
        double value(String phase, Experiment.ServerBound hypothesis) throws java.io.IOException;
    }

    private static final ServerValues NONE = (p, h) -> {
        throw new java.io.IOException("no server-side metrics in this run");
    };

    /** Judges the client-side hypotheses; server-side ones cannot be judged without server values. */
    public static List<Verdict> judge(Experiment experiment, Map<String, PhaseStats> stats) {
        return judge(experiment, stats, NONE);
    }

    /**
     * Judges every hypothesis of every phase: client-side ones from the phase's stats (a phase without requests
     * fails them), server-side ones from {@code server}.
     */
    public static List<Verdict> judge(Experiment experiment, Map<String, PhaseStats> stats, ServerValues server) {
        return judge(experiment, stats, server, phase -> {
            throw new java.io.IOException("no request accounting in this run");
        });
    }

    /**
     * Judges every hypothesis of every phase: client-side ones from the phase's stats (a phase without requests
     * fails them), server-side ones from {@code server}, exactly-once ones from {@code accounting}.
     */
    public static List<Verdict> judge(Experiment experiment, Map<String, PhaseStats> stats, ServerValues server,
                                      ExactlyOnceCheck.Source accounting) {
        return judge(experiment, stats, server, accounting, Map.of());
    }

    /**
     * The same, where the load generator's health per phase is known: the hypotheses of a phase whose load generator
     * was saturated, and relative ones that compare with such a phase, are not judged (and say why).
     */
    public static List<Verdict> judge(Experiment experiment, Map<String, PhaseStats> stats, ServerValues server,
                                      ExactlyOnceCheck.Source accounting, Map<String, LoadHealth> health) {
        List<Verdict> out = new ArrayList<>();
        for (Experiment.Phase phase : experiment.phases()) {
            PhaseStats s = stats.getOrDefault(phase.name(), new PhaseStats());
            java.util.Optional<String> saturated = saturated(health, phase.name());
            for (Hypothesis h : phase.hypotheses()) {
                java.util.Optional<String> other = h instanceof Experiment.Relative r
                        ? saturated(health, r.phase()).map(w -> "phase " + r.phase() + ": " + w)
                        : java.util.Optional.empty();
                if (saturated.isPresent() || other.isPresent()) {
                    out.add(new Verdict(phase.name(), h.describe(), "", "not judged", s.count(), false, null,
                            saturated.orElseGet(other::get)));
                } else if (h instanceof Experiment.Relative r) {
                    out.add(judgeRelative(phase.name(), r, s, stats.getOrDefault(r.phase(), new PhaseStats())));
                } else if (h instanceof Experiment.ServerBound b) {
                    out.add(judgeServer(phase.name(), b, s.count(), server));
                } else if (h instanceof Experiment.ExactlyOnce) {
                    out.add(ExactlyOnceCheck.judge(phase.name(), h.describe(), s.count(), accounting));
                } else {
                    out.add(judge(phase.name(), h, s));
                }
            }
        }
        return out;
    }

    private static java.util.Optional<String> saturated(Map<String, LoadHealth> health, String phase) {
        LoadHealth h = health.get(phase);
        return h == null ? java.util.Optional.empty() : h.saturated();
    }

    /** This phase's measure against {@code factor} times the other phase's; either without requests fails it. */
    static Verdict judgeRelative(String phase, Experiment.Relative h, PhaseStats mine, PhaseStats theirs) {
        if (mine.count() == 0 || theirs.count() == 0) {
            return new Verdict(phase, h.describe(), "", "no requests" + (mine.count() == 0 ? "" : " in " + h.phase()),
                    mine.count(), false);
        }
        boolean ratio = h.measure().equals("successRatio");
        double v = ratio ? mine.successRatio() : mine.percentileMillis(h.percentile());
        double ref = ratio ? theirs.successRatio() : theirs.percentileMillis(h.percentile());
        double bound = h.factor() * ref;
        String unit = ratio ? "" : " ms";
        String b = (h.atLeast() ? ">= " : "< ") + fmt(bound) + unit;
        boolean ok = h.atLeast() ? v >= bound : v < bound;
        return new Verdict(phase, h.describe(), b, fmt(v) + unit + " (" + h.phase() + ": " + fmt(ref) + unit + ")",
                mine.count(), ok);
    }

    static Verdict judgeServer(String phase, Experiment.ServerBound h, long requests, ServerValues server) {
        String bound = h.op() + " " + Experiment.fmtNumber(h.bound());
        try {
            double v = server.value(phase, h);
            if (Double.isNaN(v)) {
                return new Verdict(phase, h.describe(), bound, "no data", requests, false);
            }
            return new Verdict(phase, h.describe(), bound, fmt(v), requests, h.holds(v));
        } catch (java.io.IOException | RuntimeException e) {
            return new Verdict(phase, h.describe(), bound, "not judged", requests, false, e.getMessage());
        }
    }

    /** Whether this hypothesis could not be judged (a harness failure rather than a breach). */
    public boolean broken() {
        return error != null;
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
                    v.bound(), v.measured(), v.requests(), v.passed() ? "PASS"
                            : v.unjudged() != null ? "NOT JUDGED: " + v.unjudged()
                            : v.broken() ? "ERROR: " + v.error() : "FAIL"));
        }
        return sb.toString();
    }
}
